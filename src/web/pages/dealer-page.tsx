/**
 * One dealer: its facts, monthly actuals by model line (chart and table), BEV share and recent
 * transactions. The dealer home for dealer users; the API answers 404 for a dealer outside the
 * actor's scope, and this page then shows nothing of it.
 */
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import {
  Anchor,
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Dealer } from '../../shared/schemas/network';
import { api, apiUrl, isApiError } from '../api';
import { NotFound } from '../components/not-found';
import { BevShareLine, ModelLineBars, topWithOther } from '../components/charts';
import { DealerFormModal } from '../components/dealer-form';
import { StatusBadge } from '../components/dealers-table';
import { ConfirmDialog, useSave } from '../components/form-kit';
import { IconList } from '../components/icons';
import { DownloadButton } from '../components/download-button';
import { Change, KpiCard } from '../components/kpi-card';
import { PageHeader, Section } from '../components/page-header';
import { DataTable, type Column } from '../components/data-table';
import { Empty, PageSkeleton, QueryError } from '../components/query-state';
import { TransactionsTable } from '../components/transactions-table';
import {
  formatChange,
  formatInt,
  formatMoney,
  formatMonth,
  formatMonthLong,
  formatPercent,
  percentChange,
  sumDecimals,
} from '../format';
import { useCurrency, useDealerGroups, useDealerHome, type DealerMonthlyActuals } from '../queries';
import type { DealerHome } from '../../shared/schemas/dealer-home';
import { isDealerUser, useCan, useMe } from '../session';
import { InboxCard } from '../components/inbox/inbox-card';
import { OutlookCard } from '../components/insights/outlook-card';
import { ProgramOutlookCard } from '../components/insights/program-risks';
import { CompactMoney } from '../components/compact-money';
import { Fact } from '../components/agreements/agreement-bits';

export function DealerPage() {
  const { code = '' } = useParams();
  // the dealer, its actuals and its newest transactions: one request, one answer
  const home = useDealerHome(code);
  if (home.isPending) return <PageSkeleton />;
  if (home.isError) {
    if (isApiError(home.error) && home.error.status === 404) return <DealerNotFound code={code} />;
    return <QueryError error={home.error} onRetry={() => void home.refetch()} />;
  }
  return <DealerView home={home.data} />;
}

function DealerNotFound({ code }: { code: string }) {
  const me = useMe();
  return (
    <NotFound
      testId="dealer-not-found"
      title="Dealer not found"
      description={
        isDealerUser(me)
          ? `There is no dealer ${code}, or it is not one of yours. You can only see your own dealership.`
          : `There is no dealer ${code}, or it is outside your scope.`
      }
      backTo="/"
      backLabel="Back to my home page"
    />
  );
}

function DealerFacts({ dealer }: { dealer: Dealer }) {
  const groups = useDealerGroups();
  const group = dealer.dealerGroupCode
    ? (groups.data?.find((g) => g.code === dealer.dealerGroupCode)?.name ?? dealer.dealerGroupCode)
    : null;
  return (
    <Paper withBorder p="md">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="md" verticalSpacing="sm">
        <Fact label="Region">{dealer.regionName}</Fact>
        <Fact label="Location">
          {[dealer.city, dealer.stateProvince, dealer.country].filter(Boolean).join(', ')}
        </Fact>
        <Fact label="Dealer group">{group ?? '–'}</Fact>
        <Fact label="ERP vendor id">{dealer.erpVendorId ?? '–'}</Fact>
        <Fact label="Status">
          <StatusBadge status={dealer.status} />
        </Fact>
      </SimpleGrid>
    </Paper>
  );
}

function sum(values: number[]): number {
  return values.reduce((s, v) => s + v, 0);
}

function DealerKpis({ actuals, currency }: { actuals: DealerMonthlyActuals; currency: string }) {
  const n = actuals.months.length;
  const quantities = actuals.totals.map((t) => t.quantity);
  const recent = sum(quantities.slice(Math.max(0, n - 12)));
  const prior = n >= 24 ? sum(quantities.slice(n - 24, n - 12)) : null;
  const change = prior === null ? null : percentChange(recent, prior);
  const revenue = sumDecimals(actuals.totals.slice(Math.max(0, n - 12)).map((t) => t.amount));
  const bevUnits = actuals.totals
    .slice(Math.max(0, n - 12))
    .reduce(
      (s, t, i) => s + ((actuals.bevShare[Math.max(0, n - 12) + i] ?? 0) / 100) * t.quantity,
      0,
    );
  const bevShare = recent > 0 ? (bevUnits / recent) * 100 : null;
  const best = actuals.modelLines
    .map((l) => ({ name: l.name, total: sum(l.quantities.slice(Math.max(0, n - 12))) }))
    .sort((a, b) => b.total - a.total)[0];
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }} spacing={{ base: 'xs', sm: 'md' }}>
      <KpiCard
        label="Deliveries, last 12 months"
        value={formatInt(recent)}
        hint={
          prior === null ? undefined : (
            <>
              <Change value={change} text={formatChange(change)} /> vs prior 12 months (
              {formatInt(prior)})
            </>
          )
        }
        testId="kpi-deliveries"
      />
      <KpiCard
        label="Revenue, last 12 months"
        value={<CompactMoney amount={revenue} currency={currency} />}
        hint={formatMoney(revenue, currency)}
      />
      <KpiCard
        label="BEV share, last 12 months"
        value={formatPercent(bevShare)}
        hint="battery-electric"
      />
      <KpiCard
        label="Best seller, last 12 months"
        value={
          <span style={{ fontSize: '0.8em' }}>{best && best.total > 0 ? best.name : '–'}</span>
        }
        hint={best && best.total > 0 ? `${formatInt(best.total)} delivered` : undefined}
      />
    </SimpleGrid>
  );
}

const TABLE_TOP = 8;

/** A model line's units per month, or a totals row: all lines' units, or revenue (`amounts`). */
type ActualsRow = {
  code: string;
  name: string;
  isDimmed?: boolean;
} & ({ quantities: number[]; amounts?: undefined } | { quantities?: undefined; amounts: string[] });

/** Model line × month, newest month scrolled into view, with totals. The top lines first; the
 * rest folded into "Other" until asked for. */
function ActualsTable({
  actuals,
  from,
  currency,
}: {
  actuals: DealerMonthlyActuals;
  from: number;
  currency: string;
}) {
  const [isExpanded, setExpanded] = useState(false);
  const months = actuals.months.slice(from);
  const totals = actuals.totals.slice(from);
  const ranked = actuals.modelLines
    .map((l) => ({ code: l.code, name: l.name, quantities: l.quantities.slice(from) }))
    .filter((l) => l.quantities.some((q) => q !== 0))
    .sort((a, b) => sum(b.quantities) - sum(a.quantities));
  const canFold = ranked.length > TABLE_TOP + 2;
  const rows: ActualsRow[] =
    canFold && !isExpanded
      ? [
          ...ranked.slice(0, TABLE_TOP),
          {
            code: '__other',
            name: `Other (${ranked.length - TABLE_TOP} lines)`,
            isDimmed: true,
            quantities: months.map((_, i) =>
              ranked.slice(TABLE_TOP).reduce((s, l) => s + (l.quantities[i] ?? 0), 0),
            ),
          },
        ]
      : ranked;
  const footerRows: ActualsRow[] = [
    { code: '__all', name: 'All model lines', quantities: totals.map((t) => t.quantity) },
    { code: '__revenue', name: 'Revenue', isDimmed: true, amounts: totals.map((t) => t.amount) },
  ];
  const money = (amount: string) => <CompactMoney amount={amount} currency={currency} />;
  const figure = (v: number, isTotal: boolean) => ({
    c: v === 0 && !isTotal ? 'dimmed' : v < 0 ? 'red.7' : undefined,
  });
  return (
    <Stack gap={6}>
      <DataTable
        testId="actuals-table"
        fz="sm"
        style={{ whiteSpace: 'nowrap' }}
        scrollLabel="Monthly actuals table, scrolls sideways"
        revealColumn="Total"
        rows={rows}
        footerRows={footerRows}
        rowKey={(l) => l.code}
        columns={[
          {
            header: 'Model line',
            isSticky: true,
            td: (l) => ({ c: l.isDimmed ? 'dimmed' : undefined }),
            cell: (l) => l.name,
          },
          ...months.map((m, i): Column<ActualsRow> => ({
            key: m,
            header: formatMonth(m),
            align: 'right',
            td: (l) =>
              l.amounts ? { c: 'dimmed' } : figure(l.quantities[i] ?? 0, l.code === '__all'),
            cell: (l) => (l.amounts ? money(l.amounts[i] ?? '0') : formatInt(l.quantities[i] ?? 0)),
          })),
          {
            header: 'Total',
            align: 'right',
            td: (l) => ({ c: l.amounts ? 'dimmed' : undefined, fw: l.amounts ? undefined : 600 }),
            cell: (l) => (l.amounts ? money(sumDecimals(l.amounts)) : formatInt(sum(l.quantities))),
          },
        ]}
      />
      <Group justify="space-between" gap="xs">
        <Text size="xs" c="dimmed">
          {months.length > 6 ? 'Scroll sideways for earlier months. ' : ''}Units net of unwinds.
        </Text>
        {canFold && (
          <Button variant="subtle" size="compact-sm" onClick={() => setExpanded((e) => !e)}>
            {isExpanded
              ? `Show the top ${TABLE_TOP} only`
              : `Show all ${ranked.length} model lines`}
          </Button>
        )}
      </Group>
    </Stack>
  );
}

function DeactivateModal({ dealer, onClose }: { dealer: Dealer; onClose: () => void }) {
  const isActive = dealer.status === 'active';
  const change = useSave({
    send: () =>
      api.patch<Dealer>(`/dealers/${encodeURIComponent(dealer.code)}`, {
        status: isActive ? 'inactive' : 'active',
      }),
    invalidates: [['dealer', dealer.code], ['dealers']],
    onSaved: onClose,
  });
  return (
    <ConfirmDialog
      onClose={onClose}
      title={isActive ? `Deactivate ${dealer.name}?` : `Reactivate ${dealer.name}?`}
      onConfirm={() => change.mutate()}
      confirmLabel={isActive ? 'Deactivate' : 'Reactivate'}
      color={isActive ? 'red' : 'blue'}
      isPending={change.isPending}
      error={change.error}
    >
      <Text size="sm">
        {isActive
          ? 'The dealer stays in history and reports, but is marked inactive and left out of active dealer counts.'
          : 'The dealer becomes active again.'}
      </Text>
    </ConfirmDialog>
  );
}

function DealerView({ home }: { home: DealerHome }) {
  const { dealer, actuals, recentTransactions: recent } = home;
  const me = useMe();
  const currency = useCurrency();
  const canWrite = useCan('network:write');
  const isPhone = useMediaQuery('(max-width: 48em)') ?? false;
  const [range, setRange] = useState<'12' | '24' | null>(null);
  const [dialog, setDialog] = useState<'edit' | 'status' | null>(null);

  const shownRange = range ?? (isPhone ? '12' : '24');
  const months = actuals.months;
  const from = Math.max(0, months.length - Number(shownRange));
  const lines = topWithOther(
    actuals.modelLines.map((l) => ({ ...l, quantities: l.quantities.slice(from) })),
    8,
  );
  const hasData = actuals.totals.some((t) => t.quantity !== 0);
  const isOwn = isDealerUser(me);

  return (
    <Stack gap="lg" data-testid="dealer-page" data-dealer-code={dealer.code}>
      <PageHeader
        above={
          !isOwn ? (
            <Anchor component={Link} to="/dealers" size="sm">
              ‹ Dealers
            </Anchor>
          ) : undefined
        }
        title={dealer.name}
        description={
          <Group gap={6}>
            <Badge variant="outline" color="gray" ff="monospace" size="sm">
              {dealer.code}
            </Badge>
            <span>
              {dealer.regionName}
              {months.length > 0 &&
                ` · ${formatMonthLong(months[from] ?? months[0]!)} – ${formatMonthLong(months[months.length - 1]!)}`}
            </span>
          </Group>
        }
        actions={
          canWrite ? (
            <>
              <Button variant="default" size="sm" onClick={() => setDialog('edit')}>
                Edit
              </Button>
              <Button
                variant="default"
                size="sm"
                color={dealer.status === 'active' ? 'red' : undefined}
                onClick={() => setDialog('status')}
              >
                {dealer.status === 'active' ? 'Deactivate' : 'Reactivate'}
              </Button>
            </>
          ) : undefined
        }
      />

      {isOwn && <InboxCard />}
      {isOwn && <OutlookCard dealerCode={dealer.code} />}
      {isOwn && <ProgramOutlookCard dealerCode={dealer.code} />}

      <DealerFacts dealer={dealer} />

      {!hasData ? (
        <Empty
          title="No sales recorded yet"
          description="Retail deliveries appear here as soon as the dealer management system or the ERP sends them."
        />
      ) : (
        <>
          <DealerKpis actuals={actuals} currency={currency} />

          <Section
            title="Deliveries by model line"
            description="Retail deliveries net of unwinds, per month"
            actions={
              <SegmentedControl
                size="xs"
                value={shownRange}
                onChange={(v) => setRange(v as '12' | '24')}
                data={[
                  { value: '12', label: '12 months' },
                  { value: '24', label: '24 months' },
                ]}
                aria-label="Months shown"
              />
            }
          >
            <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
              <ModelLineBars months={months.slice(from)} lines={lines} />
            </Paper>
            <ActualsTable actuals={actuals} from={from} currency={currency} />
          </Section>

          <Section
            title="BEV share"
            description="Battery-electric vehicles as a share of deliveries, per month"
          >
            <Paper withBorder p={{ base: 'xs', sm: 'md' }}>
              <BevShareLine months={months.slice(from)} shares={actuals.bevShare.slice(from)} />
            </Paper>
          </Section>
        </>
      )}

      <Section
        title="Recent transactions"
        description="The ten newest rows of the actuals feed"
        actions={
          <>
            <Button
              component={Link}
              to={`/transactions?dealer=${encodeURIComponent(dealer.code)}`}
              variant="light"
              size="xs"
              leftSection={<IconList size={14} />}
            >
              All transactions
            </Button>
            <DownloadButton
              href={apiUrl('/transactions/export', { dealer: dealer.code })}
              download={`transactions-${dealer.code}.csv`}
              size="xs"
            >
              Export CSV
            </DownloadButton>
          </>
        }
      >
        {recent.items.length === 0 ? (
          <Empty title="No transactions yet" />
        ) : (
          <TransactionsTable items={recent.items} showDealer={false} />
        )}
      </Section>

      {dialog === 'edit' && (
        <DealerFormModal dealer={dealer} isOpen onClose={() => setDialog(null)} />
      )}
      {dialog === 'status' && <DeactivateModal dealer={dealer} onClose={() => setDialog(null)} />}
    </Stack>
  );
}
