/**
 * Draft a program, or edit a program's draft version: the definition as JSON (the shape the API
 * takes, docs/incentives.md), checked by the server, every problem shown with its field path.
 * Publishing happens on the program page.
 */
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
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

/** A starting point: a quarterly per-unit BEV stair over this calendar year. */
function template(): string {
  const year = new Date().getFullYear();
  return JSON.stringify(
    {
      code: `BEV-STAIR-${year}`,
      name: `BEV stair ${year}`,
      description: 'Per BEV delivered, more from the 5th and the 10th in a quarter',
      currency: 'USD',
      startDate: `${year}-01-01`,
      endDate: `${year}-12-31`,
      measurementPeriod: 'quarter',
      payoutFrequency: 'quarter',
      graceDays: 10,
      eligibility: { regions: [], dealerGroups: [], dealers: [], requiresActiveAgreement: false },
      qualifying: { powertrains: ['BEV'], kinds: ['retail_delivery'] },
      measure: 'units',
      tiers: [
        { from: '1', value: '300.00' },
        { from: '5', value: '600.00' },
        { from: '10', value: '900.00' },
      ],
      tierMode: 'retroactive',
      benefit: 'per_unit',
      requiresClaim: false,
    },
    null,
    2,
  );
}

export function ProgramEditorPage() {
  const params = useParams();
  const code = params.code ?? null;
  const program = useProgram(code ?? '');
  if (code === null) return <ProgramEditor initial={template()} program={null} />;
  if (program.isPending) return <PageSkeleton />;
  if (program.isError)
    return <QueryError error={program.error} onRetry={() => void program.refetch()} />;
  return (
    <ProgramEditor
      initial={JSON.stringify(program.data.definition, null, 2)}
      program={program.data}
    />
  );
}

function ProgramEditor({ initial, program }: { initial: string; program: ProgramView | null }) {
  const navigate = useNavigate();
  const invalidate = useIncentiveInvalidation();
  const [text, setText] = useState(initial);
  const [syntaxError, setSyntaxError] = useState<string | null>(null);
  const isDraft = program === null || program.versions.at(-1)?.status === 'draft';
  const save = useMutation({
    mutationFn: (definition: unknown) =>
      program
        ? api.put<ProgramView>(`/programs/${encodeURIComponent(program.code)}`, definition)
        : api.post<ProgramView>('/programs', definition),
    onSuccess: async (saved) => {
      await invalidate();
      void navigate(`/programs/${encodeURIComponent(saved.code)}`);
    },
  });
  const problems: Problem[] = isApiError(save.error) ? save.error.problems : [];
  const submit = () => {
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (error) {
      setSyntaxError((error as Error).message);
      return;
    }
    setSyntaxError(null);
    save.mutate(definition);
  };
  return (
    <Stack gap="lg" data-testid="program-editor">
      <PageHeader
        title={program ? `Edit ${program.code} (draft)` : 'New program'}
        description="The program's definition as the API takes it: window, eligibility, qualifying sales, measure, tiers and benefit (see docs/incentives.md). It is saved as a draft; publish it from the program page."
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
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Textarea
            label="Definition (JSON)"
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            autosize
            minRows={18}
            maxRows={40}
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
            error={syntaxError ? `Not valid JSON: ${syntaxError}` : undefined}
            disabled={!isDraft}
          />
          {save.isError &&
            (problems.length > 0 ? (
              <Alert
                color="red"
                variant="light"
                role="alert"
                title={`The definition has ${problems.length} problem${problems.length === 1 ? '' : 's'}`}
                style={{ overflowWrap: 'anywhere' }}
              >
                <ProblemList problems={problems} />
              </Alert>
            ) : (
              <FormError error={save.error} />
            ))}
          <Group justify="space-between">
            <Text size="xs" c="dimmed">
              Amounts and tier values are decimal strings ("600.00"); dates YYYY-MM-DD, the end
              inclusive.
            </Text>
            <Button onClick={submit} loading={save.isPending} disabled={!isDraft}>
              Save draft
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
