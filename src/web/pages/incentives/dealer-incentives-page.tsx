/**
 * Incentive progress of one dealer: every program it is eligible for now, with earned to date,
 * tier reached, what the next tier needs and adds, progress across the window, and a what-if.
 * A dealer user sees its own dealer (a group principal picks one of its dealers); OEM users pick
 * any dealer in their scope (?dealer=CODE).
 */
import { useSearchParams } from 'react-router-dom';
import { Group, Select, SimpleGrid, Stack, Text } from '@mantine/core';
import { PageHeader, Section } from '../../components/page-header';
import { Empty, PageSkeleton, QueryError } from '../../components/query-state';
import { DealerPicker } from '../../components/scope-picker';
import { ProgramProgressCard, WhatIfForm } from '../../components/incentives/dealer-progress';
import { WhatIfAllForm } from '../../components/incentives/what-if-all';
import { IncentiveTabs } from '../../components/incentives/incentive-tabs';
import { useDealerIncentives } from '../../components/incentives/incentive-queries';
import { formatAmount } from '../../components/incentives/incentive-labels';
import { formatDate, sumDecimals } from '../../format';
import { isApiError } from '../../api';
import { isDealerUser, useCan, useMe } from '../../session';

export function DealerIncentivesPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const own = me.scope.dealerCodes ?? [];
  const isDealer = isDealerUser(me);
  const chosen = params.get('dealer');
  const dealerCode = isDealer
    ? chosen && own.includes(chosen)
      ? chosen
      : (own[0] ?? null)
    : chosen;
  const pick = (code: string | null) => setParams(code ? { dealer: code } : {}, { replace: true });

  const picker = isDealer ? (
    own.length > 1 ? (
      <Select
        label="Dealer"
        data={own}
        value={dealerCode}
        onChange={pick}
        allowDeselect={false}
        maw={320}
      />
    ) : null
  ) : (
    <div style={{ maxWidth: 380 }}>
      <DealerPicker value={dealerCode} onChange={pick} />
    </div>
  );

  return (
    <Stack gap="lg" data-testid="incentives-page">
      <div>
        <PageHeader
          title={isDealer ? 'My incentives' : 'Dealer incentives'}
          description={
            isDealer
              ? 'What you have earned so far in each program, and what the next tier needs'
              : "A dealer's progress in every program it is eligible for, as the dealer sees it"
          }
        />
        <IncentiveTabs />
        {picker}
      </div>
      {dealerCode ? (
        <DealerProgress dealerCode={dealerCode} />
      ) : (
        <Empty
          title="Choose a dealer"
          description="Type a dealer code or name to see its programs, progress and a what-if."
        />
      )}
    </Stack>
  );
}

function DealerProgress({ dealerCode }: { dealerCode: string }) {
  const canReadStatements = useCan('statements:read');
  const incentives = useDealerIncentives(dealerCode);
  if (incentives.isPending) return <PageSkeleton />;
  if (incentives.isError) {
    if (isApiError(incentives.error) && incentives.error.status === 404)
      return (
        <Empty title="Dealer not found" description="There is no such dealer in your scope." />
      );
    return <QueryError error={incentives.error} onRetry={() => void incentives.refetch()} />;
  }
  const { programs, asOf } = incentives.data;
  if (programs.length === 0) {
    return (
      <Empty
        title="No running programs"
        description="When the OEM publishes a program your dealership is eligible for, your progress appears here."
      />
    );
  }
  const currencies = [...new Set(programs.map((p) => p.currency))];
  const total =
    currencies.length === 1
      ? formatAmount(sumDecimals(programs.map((p) => p.earned)), currencies[0]!)
      : null;
  return (
    <Stack gap="lg">
      <Group gap="xs" data-testid="incentives-summary">
        <Text size="sm">
          {programs.length} programs · earned to date{' '}
          <Text span fw={700}>
            {total ?? 'in several currencies'}
          </Text>
        </Text>
        <Text size="sm" c="dimmed">
          as of {formatDate(asOf)}
        </Text>
      </Group>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md" data-testid="program-progress-list">
        {programs.map((p) => (
          <ProgramProgressCard
            key={p.programCode}
            progress={p}
            dealerCode={dealerCode}
            canReadStatements={canReadStatements}
          />
        ))}
      </SimpleGrid>
      <Section
        title="What if I sell more…"
        description="Try more deliveries on every program at once: what each adds, and the total"
      >
        <WhatIfAllForm dealerCode={dealerCode} />
      </Section>
      <Section
        title="What if?"
        description="Try more (or fewer) deliveries of a model line this period: the same calculation as your statement"
      >
        <WhatIfForm dealerCode={dealerCode} programs={programs} />
      </Section>
    </Stack>
  );
}
