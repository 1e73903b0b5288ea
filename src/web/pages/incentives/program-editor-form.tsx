/**
 * The program editor's form (program-editor-page.tsx holds the page, the JSON tab and saving):
 * one section per part of the definition (src/shared/schemas/program.ts): the window,
 * eligibility, the qualifying and paying sales, the measure, the tiers, the benefit and the
 * limits. Each field shows its server error at its place.
 */
import { type ChangeEvent, type ReactNode } from 'react';
import {
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { SUPPORTED_CURRENCIES } from '../../../shared/money';
import {
  BENEFITS,
  GROWTH_BASES,
  GROWTH_BENEFIT_BASES,
  MEASUREMENT_PERIODS,
  MEASURES,
  TIER_MODES,
  type Benefit,
  type Measure,
} from '../../../shared/schemas/program';
import { MEASURE_LABELS } from '../../components/incentives/incentive-labels';
import {
  FILTER_KEYS,
  getAt,
  listAt,
  stringAt,
  type Draft,
} from '../../components/incentives/program-form';
import {
  DealerGroupMultiPicker,
  DealerMultiPicker,
  RegionMultiPicker,
  SalesFilterFields,
} from '../../components/incentives/program-form-pickers';
import { TiersTable } from './program-tiers-table';
import { BorderedCard } from '../../components/bordered-card';

const PERIOD_OPTIONS = MEASUREMENT_PERIODS.map((value) => ({
  value,
  label: { month: 'Month', quarter: 'Quarter', program: 'Whole program' }[value],
}));
const MEASURE_OPTIONS = MEASURES.map((value) => ({ value, label: MEASURE_LABELS[value] }));
const BENEFIT_OPTIONS = BENEFITS.map((value) => ({
  value,
  label: {
    per_unit: 'Amount per unit',
    percent_of_revenue: '% of revenue',
    percent_of_msrp: '% of MSRP per unit',
    lump_sum: 'Lump sum per window',
    per_g_co2_below: 'Amount per g/km below a CO2 threshold, per unit',
  }[value],
}));
const GROWTH_BASIS_OPTIONS = GROWTH_BASES.map((value) => ({
  value,
  label: value === 'units' ? 'Units' : 'Revenue',
}));
const GROWTH_BENEFIT_BASE_OPTIONS = GROWTH_BENEFIT_BASES.map((value) => ({
  value,
  label: value === 'all' ? 'All paying volume' : 'Only the volume above last year',
}));

/** The unit a tier threshold is written in, for the tiers table's header. */
function thresholdUnit(measure: string, currency: string): string {
  if (measure === 'units') return 'units';
  if (measure === 'low_co2_units') return 'low-CO2 units';
  if (measure === 'revenue') return currency;
  return '%';
}

function valueUnit(benefit: string, currency: string): string {
  if (benefit === 'per_unit') return `${currency} per unit`;
  if (benefit === 'lump_sum') return currency;
  if (benefit === 'per_g_co2_below') return `${currency} per g/km, per unit`;
  return '%';
}

function FormSection({
  title,
  description,
  children,
  testId,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <BorderedCard data-testid={testId}>
      <Stack gap="sm">
        <div>
          <Title order={3} fz={{ base: 16, sm: 18 }}>
            {title}
          </Title>
          {description && (
            <Text size="sm" c="dimmed">
              {description}
            </Text>
          )}
        </div>
        {children}
      </Stack>
    </BorderedCard>
  );
}

export function ProgramForm({
  draft,
  errors,
  update,
  isNew,
}: {
  draft: Draft;
  errors: Record<string, string>;
  update: (path: string, value: unknown) => void;
  isNew: boolean;
}) {
  const text = (path: string) => ({
    value: stringAt(draft, path),
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      update(path, e.currentTarget.value),
    error: errors[path],
  });
  /** Optional amounts: empty is null (none). */
  const amount = (path: string) => ({
    value: stringAt(draft, path),
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const v = e.currentTarget.value.trim();
      update(path, v === '' ? null : v);
    },
    error: errors[path],
  });
  const choice = (path: string) => ({
    value: stringAt(draft, path) || null,
    onChange: (v: string | null) => update(path, v ?? undefined),
    error: errors[path],
    allowDeselect: false,
  });
  const list = (path: string) => ({
    value: listAt(draft, path),
    onChange: (v: string[]) => update(path, v),
    error: errors[path],
  });
  const measure = stringAt(draft, 'measure') as Measure | '';
  const benefit = stringAt(draft, 'benefit') as Benefit | '';
  const currency = stringAt(draft, 'currency') || 'USD';
  const isSamePaying = getAt(draft, 'paying') === undefined;
  const filterValues = (path: 'qualifying' | 'paying') =>
    Object.fromEntries(FILTER_KEYS.map((k) => [k, listAt(draft, `${path}.${k}`)])) as Record<
      (typeof FILTER_KEYS)[number],
      string[]
    >;

  return (
    <Stack gap="md" data-testid="program-form">
      <FormSection title="Program" testId="form-program">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label="Code"
            description={isNew ? 'Letters, digits, “-”, “_”, “.”' : 'The code cannot change'}
            required
            disabled={!isNew}
            {...text('code')}
          />
          <TextInput label="Name" description="As dealers see it" required {...text('name')} />
        </SimpleGrid>
        <Textarea label="Description" autosize minRows={2} maxRows={6} {...text('description')} />
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Select
            label="Currency"
            description="Of every amount"
            data={SUPPORTED_CURRENCIES}
            required
            {...choice('currency')}
          />
          <TextInput
            label="Start date"
            type="date"
            description="First day"
            required
            {...text('startDate')}
          />
          <TextInput
            label="End date"
            type="date"
            description="Inclusive"
            required
            {...text('endDate')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Select
            label="Measured per"
            description="The window a tier is reached in"
            data={PERIOD_OPTIONS}
            required
            {...choice('measurementPeriod')}
          />
          <Select
            label="Paid per"
            description="Shorter than the window: settled cumulatively"
            data={PERIOD_OPTIONS}
            required
            {...choice('payoutFrequency')}
          />
          <NumberInput
            label="Grace days"
            description="Late arrivals still counted"
            min={0}
            max={365}
            allowDecimal={false}
            allowNegative={false}
            value={typeof draft.graceDays === 'number' ? draft.graceDays : ''}
            onChange={(v) => update('graceDays', typeof v === 'number' ? v : undefined)}
            error={errors.graceDays}
          />
        </SimpleGrid>
      </FormSection>

      <FormSection
        title="Eligibility"
        description="Which dealers take part. Empty lists mean every active dealer."
        testId="form-eligibility"
      >
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <RegionMultiPicker
            label="Regions"
            description="With their sub-regions"
            {...list('eligibility.regions')}
          />
          <DealerGroupMultiPicker
            label="Dealer groups"
            description="Every dealer of the group"
            {...list('eligibility.dealerGroups')}
          />
        </SimpleGrid>
        <DealerMultiPicker label="Dealers" {...list('eligibility.dealers')} />
        <Switch
          label="Only dealers with an active sales agreement"
          checked={getAt(draft, 'eligibility.requiresActiveAgreement') === true}
          onChange={(e) => update('eligibility.requiresActiveAgreement', e.currentTarget.checked)}
          error={errors['eligibility.requiresActiveAgreement']}
        />
      </FormSection>

      <FormSection
        title="Qualifying sales"
        description="The transactions that build the measure. Empty lists mean all."
        testId="form-qualifying"
      >
        <SalesFilterFields
          path="qualifying"
          values={filterValues('qualifying')}
          errors={errors}
          onChange={(key, v) => update(`qualifying.${key}`, v)}
        />
        <Switch
          label="Pay on the same sales as qualify"
          description="Off: choose the sales the benefit is paid on"
          checked={isSamePaying}
          onChange={(e) =>
            update(
              'paying',
              e.currentTarget.checked
                ? undefined
                : structuredClone(getAt(draft, 'qualifying') ?? { kinds: ['retail_delivery'] }),
            )
          }
        />
        {!isSamePaying && (
          <Text size="sm" fw={600} mt={4}>
            Paid on
          </Text>
        )}
        {!isSamePaying && (
          <SalesFilterFields
            path="paying"
            values={filterValues('paying')}
            errors={errors}
            onChange={(key, v) => update(`paying.${key}`, v)}
          />
        )}
      </FormSection>

      <FormSection title="Measure and tiers" testId="form-tiers">
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <Select
            label="Measure"
            data={MEASURE_OPTIONS}
            required
            {...choice('measure')}
            onChange={(v) => {
              update('measure', v ?? undefined);
              if (v !== 'low_co2_units' && benefit !== 'per_g_co2_below')
                update('co2ThresholdGPerKm', undefined);
              if (v === 'growth') {
                if (!getAt(draft, 'growthBasis')) update('growthBasis', 'units');
              } else {
                update('growthBasis', undefined);
                update('growthBenefitBase', undefined);
              }
            }}
          />
          <Select
            label="Benefit"
            data={BENEFIT_OPTIONS}
            required
            {...choice('benefit')}
            onChange={(v) => {
              update('benefit', v ?? undefined);
              if (v !== 'per_g_co2_below' && measure !== 'low_co2_units')
                update('co2ThresholdGPerKm', undefined);
            }}
          />
          <div>
            <Text size="sm" fw={500} mb={4} id="tier-mode-label">
              Tier mode
            </Text>
            <SegmentedControl
              aria-labelledby="tier-mode-label"
              fullWidth
              data={TIER_MODES.map((m) => ({
                value: m,
                label: m === 'retroactive' ? 'Retroactive' : 'Incremental',
              }))}
              value={stringAt(draft, 'tierMode') || 'retroactive'}
              onChange={(v) => update('tierMode', v)}
            />
            <Text
              size="xs"
              c={errors.tierMode ? 'red' : 'dimmed'}
              mt={4}
              data-field="tierMode"
              data-error={errors.tierMode ? 'true' : undefined}
            >
              {errors.tierMode ??
                (stringAt(draft, 'tierMode') === 'incremental'
                  ? 'Each tier pays on the volume up to the next'
                  : 'The tier reached pays on all volume')}
            </Text>
          </div>
        </SimpleGrid>
        {measure === 'growth' && (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <Select
              label="Growth on"
              description="Against the same window a year earlier"
              data={GROWTH_BASIS_OPTIONS}
              required
              {...choice('growthBasis')}
            />
            <Select
              label="Growth pays on"
              description="The volume the rate applies to"
              data={GROWTH_BENEFIT_BASE_OPTIONS}
              placeholder="All paying volume"
              {...choice('growthBenefitBase')}
              allowDeselect
            />
          </SimpleGrid>
        )}
        {(measure === 'low_co2_units' || benefit === 'per_g_co2_below') && (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput
              label="CO2 threshold (g/km, WLTP)"
              description={
                benefit === 'per_g_co2_below'
                  ? 'Each unit earns the tier value per g/km below it'
                  : 'Units at or below it count toward the tiers'
              }
              required
              inputMode="decimal"
              value={stringAt(draft, 'co2ThresholdGPerKm')}
              onChange={(e) => update('co2ThresholdGPerKm', e.currentTarget.value || undefined)}
              error={errors.co2ThresholdGPerKm}
              data-field="co2ThresholdGPerKm"
            />
          </SimpleGrid>
        )}
        <TiersTable
          draft={draft}
          errors={errors}
          update={update}
          fromUnit={thresholdUnit(measure, currency)}
          valueUnit={valueUnit(benefit, currency)}
        />
      </FormSection>

      <FormSection title="Limits and claims" testId="form-limits">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput
            label={`Cap per dealer (${currency})`}
            description="Per dealer and window; empty for none"
            inputMode="decimal"
            {...amount('capPerDealer')}
          />
          <TextInput
            label={`Budget (${currency})`}
            description="Program total; an overrun is shown, never pro-rated"
            inputMode="decimal"
            {...amount('budget')}
          />
        </SimpleGrid>
        <Switch
          label="Paid only on approved claims"
          description="Dealers claim each VIN; the OEM approves or rejects"
          checked={getAt(draft, 'requiresClaim') === true}
          onChange={(e) => update('requiresClaim', e.currentTarget.checked)}
          error={errors.requiresClaim}
        />
      </FormSection>
    </Stack>
  );
}
