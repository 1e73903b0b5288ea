/**
 * The inbox items of OEM staff: forecast adjustments to review, agreements at risk and disputes
 * ageing (regional managers), and settlement work (periods past cut-off and grace to close,
 * statements to approve, batches to build and to mark paid, agreements to approve: four eyes).
 */
import { moneyString } from '../../../shared/money';
import { inWords } from '../../../shared/months';
import { hasPermission, type Permission } from '../../../shared/permissions';
import { AT_RISK_BELOW_PCT } from '../../../shared/schemas/agreements';
import type { InboxItem } from '../../../shared/schemas/inbox';
import type { Actor } from '../../auth/actor';
import type { AgreementsService } from '../agreements/agreements.service';
import { listSettlementPeriods } from '../incentives/calc/periods';
import { addDays } from './dealer-items';
import type { createInboxRepository } from './inbox.repository';

/** An open dispute older than this many days is "ageing". */
export const DISPUTE_AGEING_DAYS = 7;
/** The worst agreements at risk listed one by one. */
const MAX_AT_RISK = 10;

type Repo = ReturnType<typeof createInboxRepository>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function oemItems(input: {
  actor: Actor;
  repo: Repo;
  agreements: AgreementsService;
  today: string;
}): Promise<InboxItem[]> {
  const { actor, repo, today } = input;
  const scope = actor.scope;
  if (scope.kind === 'dealers') return [];
  const can = (p: Permission) => hasPermission(actor.role, p);
  const isChannel = actor.role === 'channel_manager';
  const items: InboxItem[] = [];
  const userId = actor.kind === 'user' && actor.id > 0 ? actor.id : null;

  if (can('forecasts:review')) {
    for (const c of await repo.pendingForecastReviews(scope))
      items.push({
        kind: 'forecast_review',
        title: `${plural(c.cells, 'forecast adjustment')} to review`,
        detail: `Forecast from ${inWords(c.cycleMonth)}: ${plural(c.dealers, 'dealer')}; ${c.status === 'adjusting' ? `dealers adjust until ${c.adjustUntil}` : 'the dealer window is closed'}`,
        dueOn: null,
        severity: 'action',
        link: `/forecasts/review?cycle=${c.cycleId}`,
        dealerCode: null,
        count: c.cells,
      });
  }

  if (actor.role === 'regional_manager' || (scope.kind === 'region' && can('agreements:read'))) {
    const { items: active } = await input.agreements.findAgreements({
      actor,
      filter: { status: 'active', sort: 'projection', order: 'asc', limit: 1000, offset: 0 },
    });
    const atRisk = active.filter(
      (a) => a.projectedAttainmentPct !== null && a.projectedAttainmentPct < AT_RISK_BELOW_PCT,
    );
    for (const a of atRisk.slice(0, MAX_AT_RISK))
      items.push({
        kind: 'agreement_at_risk',
        title: `${a.code} (${a.dealerName}) is on pace for ${Math.round(a.projectedAttainmentPct!)} % of plan`,
        detail: `${a.actualToDate} of ${a.plannedToDate} units planned to date; the run rate ends the term at ${a.projectedTotal ?? '?'} of ${a.plannedTotal}`,
        dueOn: null,
        severity: 'action',
        link: `/agreements/${a.id}`,
        dealerCode: a.dealerCode,
      });
  }

  if (can('disputes:resolve')) {
    const ageing = await repo.disputes(scope, 'ageing', addDays(today, -DISPUTE_AGEING_DAYS));
    const oldest = ageing[0];
    if (oldest)
      items.push({
        kind: 'dispute_ageing',
        title: `${plural(ageing.length, 'dispute')} open for more than ${DISPUTE_AGEING_DAYS} days`,
        detail: `Oldest: #${oldest.id}, ${oldest.dealerCode}, ${oldest.programCode} ${oldest.period}, raised on ${oldest.createdOn}`,
        dueOn: null,
        severity: 'action',
        link: ageing.length === 1 ? `/incentives/disputes/${oldest.id}` : '/incentives/disputes',
        dealerCode: ageing.length === 1 ? oldest.dealerCode : null,
        count: ageing.length,
      });
  }

  if (can('payouts:manage') || isChannel) {
    const severity = can('payouts:manage') ? 'action' : 'info';
    const [programs, closed, fy] = await Promise.all([
      repo.publishedPrograms(),
      repo.closedPeriods(),
      repo.fiscalStart(),
    ]);
    const isClosed = new Set(closed.map((c) => `${c.programId}/${c.period}`));
    for (const p of programs) {
      const due = listSettlementPeriods({ program: p.definition, fiscalYearStartMonth: fy }).filter(
        (s) => s.graceUntil < today && !isClosed.has(`${p.id}/${s.period}`),
      );
      const first = due[0];
      if (!first) continue;
      items.push({
        kind: 'period_to_close',
        title: `${p.definition.name}: ${plural(due.length, 'period')} past cut-off to close`,
        detail: `${first.period}: cut-off ${first.cutoff}, late rows accepted until ${first.graceUntil}`,
        dueOn: first.graceUntil,
        severity,
        link: `/programs/${encodeURIComponent(p.code)}?period=${encodeURIComponent(first.period)}`,
        dealerCode: null,
        count: due.length,
      });
    }
  }

  if (can('programs:approve') || isChannel) {
    const severity = can('programs:approve') ? 'action' : 'info';
    for (const g of await repo.statementGroups(scope, 'closed', false))
      items.push({
        kind: 'statements_to_approve',
        title: `${plural(g.n, 'statement')} of ${g.programCode}, ${inWords(g.period)}, to approve`,
        detail: `${moneyString(g.amountDue, g.currency)} ${g.currency} due in total`,
        dueOn: null,
        severity,
        link: `/programs/${encodeURIComponent(g.programCode)}?period=${encodeURIComponent(g.period)}`,
        dealerCode: null,
        count: g.n,
      });
  }

  if (can('payouts:manage')) {
    for (const g of await repo.statementGroups(scope, 'approved', true))
      items.push({
        kind: 'batch_to_build',
        title: `${plural(g.n, 'approved statement')} of ${g.programCode}, ${inWords(g.period)}, to pay`,
        detail: `${moneyString(g.amountDue, g.currency)} ${g.currency}: build a payout batch`,
        dueOn: null,
        severity: 'action',
        link: '/incentives/payouts',
        dealerCode: null,
        count: g.n,
      });
    for (const b of await repo.unpaidBatches(scope))
      items.push({
        kind: 'batch_to_pay',
        title: `Payout batch ${b.code} exported, not marked paid`,
        detail: `${plural(b.payments, 'payment')}, built on ${b.createdOn}: mark it paid once the bank has paid`,
        dueOn: null,
        severity: 'action',
        link: `/incentives/payouts?batch=${encodeURIComponent(b.code)}`,
        dealerCode: null,
        count: b.payments,
      });
  }

  if (can('agreements:approve')) {
    const [accepted, amendments] = await Promise.all([
      repo.agreementsWaiting(scope, 'agreement', 'accepted', userId),
      repo.agreementsWaiting(scope, 'amendment', 'accepted', userId),
    ]);
    for (const a of accepted)
      items.push({
        kind: 'agreement_to_approve',
        title: `${a.code} accepted by ${a.dealerName}: approve it`,
        detail: `${inWords(a.startMonth)} to ${inWords(a.endMonth)}, accepted on ${a.since}`,
        dueOn: null,
        severity: 'action',
        link: `/agreements/${a.id}`,
        dealerCode: a.dealerCode,
      });
    for (const a of amendments)
      items.push({
        kind: 'amendment_to_approve',
        title: `The amendment of ${a.code} accepted by ${a.dealerName}: approve it`,
        detail: `Accepted on ${a.since}`,
        dueOn: null,
        severity: 'action',
        link: `/agreements/${a.id}`,
        dealerCode: a.dealerCode,
      });
  }
  return items;
}
