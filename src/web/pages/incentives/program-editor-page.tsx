/**
 * Draft a program, or edit a program's draft version, as a form over the whole definition
 * (src/shared/schemas/program.ts): the window, eligibility, the qualifying and paying sales, the
 * measure, the tiers as a table with their meaning in one line, the benefit and the limits. The
 * "Advanced (JSON)" tab shows the same definition as the API takes it and stays in sync both
 * ways. The server checks it; each problem shows at its field (the rest above the Save button).
 * Publishing happens on the program page.
 */
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, Fieldset, Group, Paper, Stack, Tabs, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import type { Problem } from '../../../shared/errors';
import type { ProgramView } from '../../../shared/schemas/incentives';
import { api, isApiError } from '../../api';
import { FormError } from '../../components/form-error';
import { PageHeader } from '../../components/page-header';
import { ProblemList } from '../../components/problem-list';
import { PageSkeleton, QueryError } from '../../components/query-state';
import {
  useIncentiveInvalidation,
  useProgram,
} from '../../components/incentives/incentive-queries';
import {
  draftOf,
  placeProblems,
  problemField,
  setAt,
  templateDraft,
  type Draft,
} from '../../components/incentives/program-form';
import { ProgramForm } from './program-editor-form';

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
