/**
 * The attention inbox (issue 13): what needs the reader today, computed live from the tables
 * each capability already keeps (no state of its own), in the reader's scope. Dealer items in
 * dealer-items.ts, OEM items in oem-items.ts; the bell in the web app shows the same list.
 */
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import type { Inbox, InboxItem, InboxKind } from '../../../shared/schemas/inbox';
import type { AgreementsService } from '../agreements/agreements.service';
import type { IncentivesService } from '../incentives/incentives.service';
import { dealerItems } from './dealer-items';
import { createInboxRepository } from './inbox.repository';
import { oemItems } from './oem-items';

type Deps = {
  db: Db;
  agreements: AgreementsService;
  incentives: IncentivesService;
  today: () => string;
};

/** Actions first, then by due date (undated last), keeping each builder's order otherwise. */
function byUrgency(a: InboxItem, b: InboxItem): number {
  if (a.severity !== b.severity) return a.severity === 'action' ? -1 : 1;
  if (a.dueOn !== b.dueOn) {
    if (a.dueOn === null) return 1;
    if (b.dueOn === null) return -1;
    return a.dueOn < b.dueOn ? -1 : 1;
  }
  return 0;
}

export function createInboxService(deps: Deps) {
  return {
    async getInbox({ actor }: { actor: Actor }): Promise<Inbox> {
      requirePermission(actor, 'network:read');
      const today = deps.today();
      const repo = createInboxRepository(deps.db);
      const items =
        actor.scope.kind === 'dealers'
          ? await dealerItems({ actor, repo, incentives: deps.incentives, today })
          : await oemItems({ actor, repo, agreements: deps.agreements, today });
      items.sort(byUrgency);
      const isGroup = actor.scope.kind === 'dealers' && actor.scope.dealerIds.length > 1;
      let groupTotals: Inbox['groupTotals'] = null;
      if (isGroup) {
        const totals = new Map<InboxKind, number>();
        for (const i of items) totals.set(i.kind, (totals.get(i.kind) ?? 0) + (i.count ?? 1));
        groupTotals = [...totals].map(([kind, count]) => ({ kind, count }));
      }
      return {
        asOf: today,
        count: items.filter((i) => i.severity === 'action').length,
        items,
        groupTotals,
      };
    },
  };
}

export type InboxService = ReturnType<typeof createInboxService>;
