/**
 * The draft editor (/agreements/new, and /agreements/:id/edit for a draft) and the amendment
 * editor (/agreements/:id/edit for an approved or active agreement). Both use the same line
 * editor; the server's problems show next to the fields they name.
 */
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import {
  Alert,
  Anchor,
  Button,
  Group,
  Input,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { Problem } from '../../../shared/errors';
import type { Agreement } from '../../../shared/schemas/agreements';
import { addMonths } from '../../../shared/months';
import { api, isApiError } from '../../api';
import { FormError } from '../../components/form-error';
import { PageHeader, Section } from '../../components/page-header';
import { Empty, PageSkeleton, QueryError } from '../../components/query-state';
import { AgreementStatusBadge } from '../../components/agreements/agreement-bits';
import { formatTerm, termPeriodLabels } from '../../components/agreements/agreement-labels';
import {
  useAgreement,
  useAgreementInvalidation,
} from '../../components/agreements/agreement-queries';
import { isConflict, StaleNotice } from '../../components/agreements/decision-dialog';
import { DealerPicker } from '../../components/form-kit';
import {
  emptyLine,
  isLineField,
  LineEditor,
  linesFromTerms,
  normalizeProblemPath,
  toLineInputs,
  type LineDraft,
} from '../../components/agreements/line-editor';
import type { FieldErrors } from '../../forms';
import { PlanningHelpBar, usePlanningHelp } from '../../components/agreements/planning-help';
import { useSettings } from '../../queries';

type Mode = 'create' | 'edit' | 'amend';

const TOP_FIELDS = new Set(['dealerCode', 'startMonth', 'months', 'frequency', 'comment']);

/** Server problems: those the form shows on a field, and the rest for the banner. */
function splitProblems(error: unknown): { errors: FieldErrors; rest: Problem[] } {
  const errors: FieldErrors = {};
  const rest: Problem[] = [];
  if (!isApiError(error)) return { errors, rest };
  for (const problem of error.problems) {
    const key = normalizeProblemPath(problem.field ?? problem.path ?? '');
    if (key && (TOP_FIELDS.has(key) || isLineField(key))) errors[key] ??= problem.message;
    else rest.push(problem);
  }
  return { errors, rest };
}

function nextMonth(): string {
  return addMonths(new Date().toISOString().slice(0, 7), 1);
}

export function AgreementEditorPage() {
  const { id } = useParams();
  if (!id) return <EditorForm key="new" mode="create" />;
  return <ExistingEditor id={Number(id)} />;
}

function ExistingEditor({ id }: { id: number }) {
  const agreement = useAgreement(id);
  if (agreement.isPending) return <PageSkeleton />;
  if (agreement.isError) {
    if (isApiError(agreement.error) && agreement.error.status === 404)
      return (
        <Empty
          title="Agreement not found"
          description="It does not exist or is outside your scope."
        />
      );
    return <QueryError error={agreement.error} onRetry={() => void agreement.refetch()} />;
  }
  const a = agreement.data;
  const mode: Mode | null =
    a.status === 'draft'
      ? 'edit'
      : a.status === 'active' || a.status === 'approved'
        ? 'amend'
        : null;
  if (!mode || (mode === 'amend' && a.pendingRevision))
    return (
      <Empty
        title={
          mode ? 'An amendment is already waiting' : `A ${a.status} agreement cannot be edited`
        }
        description={
          mode
            ? 'Decide on the pending amendment first.'
            : 'Only drafts are edited; approved and active agreements are amended.'
        }
        action={
          <Button component={Link} to={`/agreements/${a.id}`} variant="light">
            Back to {a.code}
          </Button>
        }
      />
    );
  return <EditorForm key={`${a.id}-${mode}`} mode={mode} agreement={a} />;
}

function EditorForm({ mode, agreement }: { mode: Mode; agreement?: Agreement }) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const invalidate = useAgreementInvalidation();
  const fiscalYearStartMonth = useSettings().data?.fiscalYearStartMonth ?? 1;
  const [dealerCode, setDealerCode] = useState(agreement?.dealerCode ?? '');
  const [startMonth, setStartMonth] = useState(agreement?.terms.startMonth ?? nextMonth());
  const [months, setMonths] = useState<number | ''>(agreement?.terms.months ?? 12);
  const [frequency, setFrequency] = useState<'monthly' | 'quarterly'>(
    agreement?.terms.frequency ?? 'monthly',
  );
  const [lines, setLines] = useState<LineDraft[]>(() =>
    agreement ? linesFromTerms(agreement.terms) : [emptyLine()],
  );
  const [comment, setComment] = useState('');
  const [version, setVersion] = useState(agreement?.version ?? 0);
  const [savedId, setSavedId] = useState<number | null>(agreement?.id ?? null);
  const location = useLocation();
  const [isSavedNow, setSavedNow] = useState(
    (location.state as { isSaved?: boolean } | null)?.isSaved === true,
  );
  const [isDirty, setDirty] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [rest, setRest] = useState<Problem[]>([]);

  const periods =
    mode === 'amend' && agreement
      ? agreement.terms.periods
      : termPeriodLabels({
          startMonth,
          months: months === '' ? 0 : months,
          frequency,
          fiscalYearStartMonth,
        });

  const planning = usePlanningHelp({ dealerCode, startMonth, months, frequency });
  async function applySuggestion(only?: number) {
    const next = await planning.suggest(lines, only);
    if (!next) return;
    setLines(next);
    setDirty(true);
    setSavedNow(false);
  }

  const save = useMutation({
    mutationFn: (): Promise<Agreement> => {
      const lineInputs = toLineInputs(lines, periods);
      if (mode === 'amend')
        return api.post<Agreement>(`/agreements/${agreement!.id}/revisions`, {
          version,
          ...(comment.trim() ? { comment: comment.trim() } : {}),
          lines: lineInputs,
        });
      const body = {
        startMonth,
        months: months === '' ? 0 : months,
        frequency,
        ...(agreement ? { countedKinds: agreement.terms.countedKinds } : {}),
        lines: lineInputs,
      };
      if (savedId !== null)
        return api.put<Agreement>(`/agreements/${savedId}`, { ...body, version });
      return api.post<Agreement>('/agreements', { dealerCode, ...body });
    },
    onSuccess: async (saved) => {
      setErrors({});
      setRest([]);
      await invalidate(saved);
      if (mode === 'amend') {
        void navigate(`/agreements/${saved.id}`);
        return;
      }
      setVersion(saved.version);
      // Show the plan as the server stored it (spread totals become editable grids).
      setLines(linesFromTerms(saved.terms));
      setSavedNow(true);
      setDirty(false);
      if (savedId === null) {
        setSavedId(saved.id);
        void navigate(`/agreements/${saved.id}/edit`, { replace: true, state: { isSaved: true } });
      }
    },
    onError: (error) => {
      const split = splitProblems(error);
      setErrors(split.errors);
      setRest(split.rest);
    },
  });

  const propose = useMutation({
    mutationFn: () => api.post<Agreement>(`/agreements/${savedId}/propose`, { version }),
    onSuccess: async (saved) => {
      await invalidate(saved);
      void navigate(`/agreements/${saved.id}`);
    },
  });

  function clear(prefix: string) {
    setSavedNow(false);
    setDirty(true);
    setErrors((e) =>
      Object.fromEntries(Object.entries(e).filter(([key]) => !key.startsWith(prefix))),
    );
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const local: FieldErrors = {};
    if (mode === 'create' && !dealerCode) local.dealerCode = 'Choose a dealer';
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(startMonth)) local.startMonth = 'Choose a month';
    if (months === '' || months < 1 || months > 60) local.months = 'From 1 to 60 months';
    lines.forEach((l, i) => {
      if (!l.code) local[`lines[${i}].target.code`] = 'Choose what this line targets';
      if (l.mode === 'total' && l.total === '') local[`lines[${i}].total`] = 'Enter a total';
    });
    if (Object.keys(local).length > 0) {
      setErrors(local);
      setRest([]);
      return;
    }
    save.mutate();
  }

  const title =
    mode === 'create'
      ? 'New agreement'
      : mode === 'edit'
        ? `Edit draft ${agreement?.code ?? ''}`
        : `Amend ${agreement?.code ?? ''}`;
  const isRenewal = params.get('renewed') === '1';
  const canPropose = savedId !== null && mode !== 'amend' && !save.isPending && !isDirty;

  return (
    <Stack gap="lg" data-testid="agreement-editor" data-mode={mode}>
      <PageHeader
        above={
          <Anchor
            component={Link}
            to={savedId !== null ? `/agreements/${savedId}` : '/agreements'}
            size="sm"
          >
            ‹ {savedId !== null ? (agreement?.code ?? 'Agreement') : 'Agreements'}
          </Anchor>
        }
        title={title}
        description={
          agreement ? (
            <Group gap={6}>
              <AgreementStatusBadge status={agreement.status} />
              <span>
                {agreement.dealerName} ·{' '}
                {formatTerm(agreement.terms.startMonth, agreement.terms.months)}
              </span>
            </Group>
          ) : (
            'Draft a commitment for a dealer; propose it when it is ready'
          )
        }
      />

      {isRenewal && mode === 'edit' && (
        <Alert color="blue" variant="light" title="Renewal draft">
          Prefilled for the next term from this term’s actuals and run rate. Check the lines, save,
          then propose it to the dealer.
        </Alert>
      )}
      {mode === 'amend' && (
        <Alert color="blue" variant="light" title="Amending an active agreement">
          The changes become a pending amendment: the dealer accepts it and the OEM approves it
          before they replace the current plan. Periods and term stay as they are.
        </Alert>
      )}

      <form onSubmit={onSubmit} noValidate>
        <Stack gap="lg">
          {mode !== 'amend' && (
            <Section title="Terms">
              <Paper withBorder p="md">
                <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="sm">
                  {mode === 'create' ? (
                    <DealerPicker
                      value={dealerCode || null}
                      error={errors.dealerCode}
                      onChange={(code) => {
                        setDealerCode(code ?? '');
                        clear('dealerCode');
                      }}
                      placeholder="Search code, name or city"
                      data-testid="dealer-picker"
                    />
                  ) : (
                    <TextInput
                      label="Dealer"
                      value={`${agreement?.dealerName ?? ''} (${dealerCode})`}
                      disabled
                    />
                  )}
                  <TextInput
                    label="Start month"
                    type="month"
                    value={startMonth}
                    onChange={(e) => {
                      setStartMonth(e.currentTarget.value);
                      clear('startMonth');
                    }}
                    error={errors.startMonth}
                    required
                  />
                  <NumberInput
                    label="Months"
                    value={months}
                    onChange={(v) => {
                      setMonths(typeof v === 'number' ? v : '');
                      clear('months');
                    }}
                    min={1}
                    max={60}
                    allowDecimal={false}
                    error={errors.months}
                    required
                  />
                  <Input.Wrapper label="Schedule" error={errors.frequency}>
                    <SegmentedControl
                      fullWidth
                      value={frequency}
                      onChange={(v) => {
                        setFrequency(v === 'quarterly' ? 'quarterly' : 'monthly');
                        clear('frequency');
                      }}
                      data={[
                        { value: 'monthly', label: 'Monthly' },
                        { value: 'quarterly', label: 'Quarterly' },
                      ]}
                      aria-label="Schedule"
                    />
                  </Input.Wrapper>
                </SimpleGrid>
                <Text size="xs" c="dimmed" mt="xs">
                  {periods.length > 0
                    ? `${periods.length} periods: ${formatTerm(startMonth, months === '' ? 0 : months)}. Actuals count retail deliveries net of unwinds.`
                    : 'Choose a start month and a length.'}
                </Text>
              </Paper>
            </Section>
          )}

          <Section
            title="Lines"
            description="What the dealer commits to: a model line, a SKU or a product group, with a plan per period"
          >
            {mode !== 'amend' && (
              <PlanningHelpBar
                scalePct={planning.scalePct}
                onScale={planning.setScalePct}
                isLoading={planning.isLoading}
                error={planning.error}
                onSuggestAll={() => void applySuggestion()}
              />
            )}
            <LineEditor
              lines={lines}
              periods={periods}
              errors={errors}
              onChange={(next) => {
                setLines(next);
                setDirty(true);
                setSavedNow(false);
              }}
              onFieldEdited={clear}
              helpFor={
                mode === 'amend'
                  ? undefined
                  : (line, i) => {
                      const h = planning.lineOf(line, periods);
                      return {
                        priorYear: h?.periods.map((p) => p.priorYear),
                        priorYearTotal: h?.totals.priorYear,
                        onSuggest: () => void applySuggestion(i),
                      };
                    }
              }
            />
          </Section>

          {mode === 'amend' && (
            <Textarea
              label="Why this amendment"
              description="The dealer sees this next to the changes"
              value={comment}
              onChange={(e) => setComment(e.currentTarget.value)}
              error={errors.comment}
              autosize
              minRows={2}
              maxLength={2000}
            />
          )}

          {isConflict(save.error) ? (
            <StaleNotice error={save.error} onReload={() => window.location.reload()} />
          ) : (
            <FormError
              error={
                save.error && rest.length === 0 && Object.keys(errors).length > 0
                  ? new Error('Nothing was saved: check the fields marked in red.')
                  : save.error
              }
              problems={rest}
            />
          )}
          {propose.error !== null &&
            (isConflict(propose.error) ? (
              <StaleNotice error={propose.error} onReload={() => window.location.reload()} />
            ) : (
              <FormError error={propose.error} />
            ))}
          {isSavedNow && (
            <Alert color="teal" variant="light" data-testid="saved-notice">
              Saved. You can keep editing, or propose the agreement to the dealer.
            </Alert>
          )}

          <Group justify="flex-end" gap="xs">
            <Button
              component={Link}
              to={savedId !== null ? `/agreements/${savedId}` : '/agreements'}
              variant="default"
            >
              {savedId !== null ? 'Done' : 'Cancel'}
            </Button>
            <Button
              type="submit"
              loading={save.isPending}
              variant={canPropose ? 'default' : 'filled'}
            >
              {mode === 'amend'
                ? 'Propose amendment'
                : savedId !== null
                  ? 'Save draft'
                  : 'Save draft'}
            </Button>
            {mode !== 'amend' && (
              <Button
                color="blue"
                disabled={!canPropose}
                loading={propose.isPending}
                onClick={() => propose.mutate()}
                title={isDirty || savedId === null ? 'Save your changes first' : undefined}
              >
                Propose to dealer
              </Button>
            )}
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
