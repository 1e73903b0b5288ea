/**
 * Draft a program, or edit a program's draft version, as a form over the whole definition
 * (src/shared/schemas/program.ts): the window, eligibility, the qualifying and paying sales, the
 * measure, the tiers as a table with their meaning in one line, the benefit and the limits. The
 * "Advanced (JSON)" tab shows the same definition as the API takes it and stays in sync both
 * ways. The server checks it; each problem shows at its field (the rest above the Save button).
 * Publishing happens on the program page.
 */
import { useEffect, useRef, useState, type ChangeEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import {
  ActionIcon,
  Alert,
  Button,
  Fieldset,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { Problem } from '../../../shared/errors';
import { SUPPORTED_CURRENCIES } from '../../../shared/money';
import type { ProgramView } from '../../../shared/schemas/incentives';
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
import { api, isApiError } from '../../api';
import { FormError } from '../../components/form-error';
import { IconPlus } from '../../components/icons';
import { PageHeader } from '../../components/page-header';
import { ProblemList } from '../../components/problem-list';
import { PageSkeleton, QueryError } from '../../components/query-state';
import { MEASURE_LABELS } from '../../components/incentives/incentive-labels';
import {
  useIncentiveInvalidation,
  useProgram,
} from '../../components/incentives/incentive-queries';
import {
  draftOf,
  getAt,
  listAt,
  placeProblems,
  problemField,
  setAt,
  stringAt,
  templateDraft,
  tierSummary,
  tiersOf,
  type Draft,
} from '../../components/incentives/program-form';
import {
  DealerGroupMultiPicker,
  DealerMultiPicker,
  RegionMultiPicker,
  SalesFilterFields,
} from '../../components/incentives/program-form-pickers';

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
const FILTER_KEYS = [
  'modelLines',
  'skus',
  'powertrains',
  'segments',
  'kinds',
  'excludeSaleCategories',
  'excludeBuyerTypes',
] as const;

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

function toJson(draft: Draft): string {
  return JSON.stringify(draft, null, 2);
}

export function ProgramEditorPage() {
  const params = useParams();
  const code = params.code ?? null;
  const program = useProgram(code ?? '');
  if (code === null) return <ProgramEditor initial={templateDraft(new Date())} program={null} />;
  if (program.isPending) return <PageSkeleton />;
  if (program.isError)
    return <QueryError error={program.error} onRetry={() => void program.refetch()} />;
  return <ProgramEditor initial={draftOf(program.data.definition)} program={program.data} />;
}

function ProgramEditor({ initial, program }: { initial: Draft; program: ProgramView | null }) {
  const navigate = useNavigate();
  const invalidate = useIncentiveInvalidation();
  const [draft, setDraft] = useState<Draft>(initial);
  /** The JSON as typed in the Advanced tab; null while it follows the form. */
  const [jsonText, setJsonText] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [tab, setTab] = useState<string>('form');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [unplaced, setUnplaced] = useState<Problem[]>([]);
  const isDraft = program === null || program.versions.at(-1)?.status === 'draft';
  const formRef = useRef<HTMLFieldSetElement>(null);
  /** After a rejected save, bring the first field with a problem into view. */
  const [errorsShown, setErrorsShown] = useState(0);
  useEffect(() => {
    if (errorsShown === 0) return;
    const first = formRef.current?.querySelector<HTMLElement>(
      '[aria-invalid="true"], [data-error="true"]',
    );
    first?.scrollIntoView({ block: 'center' });
    first?.focus({ preventScroll: true });
  }, [errorsShown]);

  const save = useMutation({
    mutationFn: (definition: Draft) =>
      program
        ? api.put<ProgramView>(`/programs/${encodeURIComponent(program.code)}`, definition)
        : api.post<ProgramView>('/programs', definition),
    onMutate: () => {
      setErrors({});
      setUnplaced([]);
    },
    onError: (error) => {
      const placed = placeProblems(isApiError(error) ? error.problems : []);
      setErrors(placed.errors);
      setUnplaced(placed.rest);
      if (Object.keys(placed.errors).length > 0) setErrorsShown((n) => n + 1);
    },
    onSuccess: async (saved) => {
      await invalidate();
      void navigate(`/programs/${encodeURIComponent(saved.code)}`);
    },
  });

  /** A form edit: the definition changes, the JSON follows, the field's old error goes. */
  const update = (path: string, value: unknown) => {
    setDraft((d) => setAt(d, path, value));
    setJsonText(null);
    setJsonError(null);
    setErrors((e) => {
      const next = { ...e };
      for (const key of Object.keys(next)) {
        if (key === path || key.startsWith(`${path}.`)) delete next[key];
      }
      return next;
    });
  };
  const editJson = (text: string) => {
    setJsonText(text);
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        setJsonError('the definition must be a JSON object');
        return;
      }
      setDraft(parsed as Draft);
      setJsonError(null);
    } catch (error) {
      setJsonError((error as Error).message);
    }
  };
  const submit = () => {
    if (jsonError) {
      setTab('json');
      return;
    }
    save.mutate(draft);
  };

  const allProblems = save.isError && isApiError(save.error) ? save.error.problems : [];
  // What is left to fix: a field's problem goes once the field is edited on the form.
  const remaining = allProblems.filter((p) => {
    const field = problemField(p);
    return field ? field in errors : unplaced.includes(p);
  });
  const problemCount = remaining.length;
  /** On the form, each problem with a field shows there; the JSON tab lists them all. */
  const listed = tab === 'json' ? remaining : unplaced;

  return (
    <Stack gap="lg" data-testid="program-editor">
      <PageHeader
        title={program ? `Edit ${program.code} (draft)` : 'New program'}
        description="Window, eligibility, qualifying sales, measure, tiers and benefit (see docs/incentives.md). It is saved as a draft; publish it from the program page."
        actions={
          <Button
            component={Link}
            to={program ? `/programs/${encodeURIComponent(program.code)}` : '/programs'}
            variant="default"
            size="sm"
          >
            Cancel
          </Button>
        }
      />
      {!isDraft && (
        <Alert color="yellow" title="Published">
          A published version cannot change. Draft a new version with an effective date through the
          API (POST /programs/{'{code}'}/versions).
        </Alert>
      )}
      <Tabs value={tab} onChange={(v) => v && setTab(v)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="form">Form</Tabs.Tab>
          <Tabs.Tab value="json">Advanced (JSON)</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="form" pt="md">
          {jsonError && (
            <Alert color="yellow" variant="light" mb="md">
              The JSON has a syntax error; the form shows the last definition that parsed.
            </Alert>
          )}
          <Fieldset variant="unstyled" disabled={!isDraft} p={0} m={0} ref={formRef}>
            <ProgramForm draft={draft} errors={errors} update={update} isNew={program === null} />
          </Fieldset>
        </Tabs.Panel>
        <Tabs.Panel value="json" pt="md">
          <Paper withBorder p="md" radius="md">
            <Textarea
              label="Definition (JSON)"
              description="The same definition as the form, as the API takes it; edits here show in the form."
              value={jsonText ?? toJson(draft)}
              onChange={(e) => editJson(e.currentTarget.value)}
              autosize
              minRows={18}
              maxRows={40}
              spellCheck={false}
              styles={{
                input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 },
              }}
              error={jsonError ? `Not valid JSON: ${jsonError}` : undefined}
              disabled={!isDraft}
            />
          </Paper>
        </Tabs.Panel>
      </Tabs>
      <Stack gap="sm">
        {save.isError &&
          (allProblems.length > 0 ? (
            problemCount > 0 && (
              <Alert
                color="red"
                variant="light"
                role="alert"
                title={`${problemCount} problem${problemCount === 1 ? '' : 's'} to fix`}
                style={{ overflowWrap: 'anywhere' }}
                data-testid="definition-problems"
              >
                {listed.length > 0 ? (
                  <ProblemList problems={listed} />
                ) : (
                  'Each is marked at its field.'
                )}
                {listed.length > 0 && problemCount > listed.length && (
                  <Text size="sm" mt={4}>
                    The others are shown at their fields.
                  </Text>
                )}
              </Alert>
            )
          ) : (
            <FormError error={save.error} />
          ))}
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text size="xs" c="dimmed" style={{ flex: '1 1 240px' }}>
            Amounts and tier values are decimals ("600.00"); the end date is inclusive. Empty lists
            mean “all”.
          </Text>
          <Button onClick={submit} loading={save.isPending} disabled={!isDraft}>
            Save draft
          </Button>
        </Group>
      </Stack>
    </Stack>
  );
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
    <Paper withBorder p={{ base: 'sm', sm: 'md' }} radius="md" data-testid={testId}>
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
    </Paper>
  );
}

function ProgramForm({
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

function TiersTable({
  draft,
  errors,
  update,
  fromUnit,
  valueUnit,
}: {
  draft: Draft;
  errors: Record<string, string>;
  update: (path: string, value: unknown) => void;
  fromUnit: string;
  valueUnit: string;
}) {
  const tiers = tiersOf(draft);
  const summary = tierSummary(draft);
  const setTiers = (next: { from: string; value: string }[]) => update('tiers', next);
  return (
    <Stack gap={6}>
      <Text size="sm" fw={500}>
        Tiers
      </Text>
      <Table withTableBorder data-testid="tiers-editor" verticalSpacing={6} layout="fixed">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={36}>#</Table.Th>
            <Table.Th>From ({fromUnit})</Table.Th>
            <Table.Th>Pays ({valueUnit})</Table.Th>
            <Table.Th w={44} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {tiers.map((t, i) => (
            <Table.Tr key={i} style={{ verticalAlign: 'top' }}>
              <Table.Td pt={12}>{i + 1}</Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={`Tier ${i + 1} from`}
                  inputMode="decimal"
                  value={t.from}
                  onChange={(e) => update(`tiers.${i}.from`, e.currentTarget.value.trim())}
                  error={errors[`tiers.${i}.from`]}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={`Tier ${i + 1} pays`}
                  inputMode="decimal"
                  value={t.value}
                  onChange={(e) => update(`tiers.${i}.value`, e.currentTarget.value.trim())}
                  error={errors[`tiers.${i}.value`]}
                />
              </Table.Td>
              <Table.Td>
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove tier ${i + 1}`}
                  onClick={() => setTiers(tiers.filter((_, j) => j !== i))}
                  disabled={tiers.length <= 1}
                  mt={4}
                >
                  ×
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {errors.tiers && (
        <Text size="xs" c="red" data-field="tiers" data-error="true">
          {errors.tiers}
        </Text>
      )}
      <Group gap="xs">
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} />}
          onClick={() => {
            const last = tiers.at(-1);
            const from = last && /^\d+$/.test(last.from) ? String(Number(last.from) + 10) : '';
            setTiers([...tiers, { from, value: last?.value ?? '' }]);
          }}
          disabled={tiers.length >= 50}
        >
          Add tier
        </Button>
      </Group>
      <Alert variant="light" color="blue" p="xs" data-testid="tier-summary">
        <Text size="sm">
          {summary ? `Pays ${summary}.` : 'Add a tier to see what the program pays.'}
        </Text>
      </Alert>
    </Stack>
  );
}
