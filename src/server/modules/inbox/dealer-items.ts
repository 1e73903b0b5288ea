/**
 * The inbox items of a dealer (or of each dealer of a dealer group): proposals to accept, the
 * forecast window closing, tiers within reach, disputes answered and claims decided.
 */
import { inWords } from '../../../shared/months';
import { hasPermission } from '../../../shared/permissions';
import type { InboxItem } from '../../../shared/schemas/inbox';
import type { Actor } from '../../auth/actor';
import type { IncentivesService } from '../incentives/incentives.service';
import type { createInboxRepository } from './inbox.repository';

/** A tier this close (in units) counts as "within reach". */
export const TIER_REACH_UNITS = 5;
/** Decided claims and disputes stay in the inbox this many days after the decision. */
export const RECENT_DAYS = 14;
/** At most this many dealers' progress is read for one inbox (a large group sees the first). */
const MAX_PROGRESS_DEALERS = 25;

type Repo = ReturnType<typeof createInboxRepository>;

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function dealerItems(input: {
  actor: Actor;
  repo: Repo;
  incentives: IncentivesService;
  today: string;
}): Promise<InboxItem[]> {
  const { actor, repo, today } = input;
  const scope = actor.scope;
  if (scope.kind !== 'dealers') return [];
  const can = (p: Parameters<typeof hasPermission>[1]) => hasPermission(actor.role, p);
  const items: InboxItem[] = [];
  const since = addDays(today, -RECENT_DAYS);

  if (can('agreements:read')) {
    const severity = can('agreements:accept') ? 'action' : 'info';
    const [proposed, amendments] = await Promise.all([
      repo.agreementsWaiting(scope, 'agreement', 'proposed', null),
      repo.agreementsWaiting(scope, 'amendment', 'proposed', null),
    ]);
    for (const a of proposed)
      items.push({
        kind: 'agreement_proposed',
        title: `Agreement ${a.code} waits for your acceptance`,
        detail: `${a.dealerName}: ${inWords(a.startMonth)} to ${inWords(a.endMonth)}, proposed on ${a.since}`,
        dueOn: null,
        severity,
        link: `/agreements/${a.id}`,
        dealerCode: a.dealerCode,
      });
    for (const a of amendments)
      items.push({
        kind: 'amendment_proposed',
        title: `An amendment of ${a.code} waits for your acceptance`,
        detail: `${a.dealerName}: proposed on ${a.since}`,
        dueOn: null,
        severity,
        link: `/agreements/${a.id}`,
        dealerCode: a.dealerCode,
      });
  }

  if (can('forecasts:adjust')) {
    for (const w of await repo.openForecastWindows(scope, today))
      items.push({
        kind: 'forecast_window',
        title: `Forecast window closes on ${w.adjustUntil}`,
        detail: `Forecast from ${inWords(w.cycleMonth)} for ${w.dealerName}: ${plural(w.adjusted, 'adjustment')} so far`,
        dueOn: w.adjustUntil,
        severity: 'action',
        link: `/forecasts/cycles/${w.cycleId}/dealers/${encodeURIComponent(w.dealerCode)}`,
        dealerCode: w.dealerCode,
      });
  }

  if (can('programs:read')) {
    for (const dealerCode of scope.dealerCodes.slice(0, MAX_PROGRESS_DEALERS)) {
      const progress = await input.incentives.getDealerIncentives({ actor, dealerCode });
      for (const p of progress.programs) {
        const units = p.needed?.units ?? null;
        if (units === null || units <= 0 || units > TIER_REACH_UNITS || p.window.end < today)
          continue;
        items.push({
          kind: 'tier_within_reach',
          title: `${plural(units, 'more unit')} reach the next tier of ${p.programName}`,
          detail: p.nextTierAdds
            ? `${p.message} (the tier adds ${p.nextTierAdds} ${p.currency}); window ends ${p.window.end}`
            : `${p.message}; window ends ${p.window.end}`,
          dueOn: p.window.end,
          severity: 'info',
          link: `/incentives?dealer=${encodeURIComponent(dealerCode)}`,
          dealerCode,
          count: units,
        });
      }
    }
  }

  if (can('statements:read')) {
    for (const d of await repo.disputes(scope, 'answered', since)) {
      const title =
        d.status === 'open'
          ? `The OEM answered dispute #${d.id}`
          : d.status === 'adjusted'
            ? `Dispute #${d.id} was settled with an adjustment`
            : `Dispute #${d.id} was rejected`;
      items.push({
        kind: 'dispute_answered',
        title,
        detail: `${d.programCode} ${d.period}, ${d.dealerCode}: ${d.status === 'open' ? 'answered' : 'decided'} on ${d.answeredOn ?? d.createdOn}`,
        dueOn: null,
        severity: d.status === 'open' && can('disputes:write') ? 'action' : 'info',
        link: `/incentives/disputes/${d.id}`,
        dealerCode: d.dealerCode,
      });
    }
    for (const c of await repo.decidedClaims(scope, since))
      items.push({
        kind: 'claim_decided',
        title: `${plural(c.n, 'claim')} ${c.status} in ${c.programCode}`,
        detail: `${c.dealerCode}: last decided on ${c.lastOn}`,
        dueOn: null,
        severity: 'info',
        link: `/incentives/claims?program=${encodeURIComponent(c.programCode)}`,
        dealerCode: c.dealerCode,
        count: c.n,
      });
  }
  return items;
}
