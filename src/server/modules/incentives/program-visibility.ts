/**
 * Which incentive programs a dealer may see. A program restricted to named dealers, dealer groups
 * or regions (its `eligibility` lists) is visible to a dealer-scoped actor (a dealer's users and
 * keys, a dealer group's users) only when one of its published versions names one of the actor's
 * dealers; drafts never are. Everything under /programs goes through here: the list, one program,
 * statements, periods, progress, what-if, claims and disputes. A program a dealer may not see is
 * NOT_FOUND, as if it did not exist. OEM actors (network and region scopes) see every program.
 *
 * Targeting is the eligibility lists only: an inactive dealer or one without an active agreement
 * still sees a program that names it (and is told why it earns nothing). A dealer with a closed
 * statement of a program (closed, approved or paid) keeps seeing that program after the lists stop
 * naming it (it moved to another region or group, or a later version narrowed the lists): money
 * put up for review stays visible, and disputable, to the dealer it concerns. Before, its own
 * approved statement became a 404, and a closed one not yet approved still did.
 *
 * What a dealer sees of a visible program: no budget (the program total is OEM-internal: the
 * definition's `budget` is null, a statement list's budget figures are its own totals without
 * the program's budget), and of the eligibility lists only its own dealers and groups.
 */
import { notFound } from '../../../shared/errors';
import type { ProgramEligibility } from '../../../shared/schemas/program';
import type { Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';

export type ViewerDealer = { code: string; groupCode: string | null; regionCodes: string[] };
type Targeting = Pick<ProgramEligibility, 'regions' | 'dealerGroups' | 'dealers'>;

/** Whether the eligibility lists name this dealer (every non-empty list must match). */
export function isTargeted(eligibility: Targeting, dealer: ViewerDealer): boolean {
  return (
    (eligibility.regions.length === 0 ||
      dealer.regionCodes.some((r) => eligibility.regions.includes(r))) &&
    (eligibility.dealerGroups.length === 0 ||
      (dealer.groupCode !== null && eligibility.dealerGroups.includes(dealer.groupCode))) &&
    (eligibility.dealers.length === 0 || eligibility.dealers.includes(dealer.code))
  );
}

export function createProgramVisibility(db: Queryable) {
  /** The actor's dealers, or null for OEM actors (who see every program). */
  async function viewers(actor: Actor, dealerCode?: string): Promise<ViewerDealer[] | null> {
    if (actor.scope.kind !== 'dealers') return null;
    const { rows } = await db.query<{ code: string; groupCode: string | null; path: string }>(
      `select d.code, g.code as "groupCode", r.path from dealers d
       join regions r on r.id = d.region_id left join dealer_groups g on g.id = d.dealer_group_id
       where d.id = any($1::int[]) and ($2::text is null or d.code = $2)`,
      [actor.scope.dealerIds, dealerCode ?? null],
    );
    // a region's path is the codes from the root down: '/US/US-W/'
    return rows.map((r) => ({ ...r, regionCodes: r.path.split('/').filter(Boolean) }));
  }

  /** Targeting lists of the published versions of programs that are not drafts, by code. */
  async function targetings(code: string | null): Promise<Map<string, Targeting[]>> {
    const { rows } = await db.query<{ code: string; eligibility: Partial<Targeting> | null }>(
      `select p.code, v.definition->'eligibility' as eligibility
       from programs p join program_versions v on v.program_id = p.id
       where p.status <> 'draft' and v.status = 'published' and ($1::text is null or p.code = $1)`,
      [code],
    );
    const out = new Map<string, Targeting[]>();
    for (const r of rows) {
      const e = r.eligibility ?? {};
      const list = out.get(r.code) ?? [];
      list.push({
        regions: e.regions ?? [],
        dealerGroups: e.dealerGroups ?? [],
        dealers: e.dealers ?? [],
      });
      out.set(r.code, list);
    }
    return out;
  }

  /**
   * Codes of the programs in which one of the dealers has a closed statement: closed (not yet
   * approved), approved or paid; every stored statement is one of these.
   */
  async function settledFor(dealers: ViewerDealer[], code: string | null): Promise<Set<string>> {
    if (dealers.length === 0) return new Set();
    const { rows } = await db.query<{ code: string }>(
      `select distinct p.code from incentive_statements s
       join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
       where d.code = any($1::text[]) and s.status in ('closed', 'approved', 'paid')
         and ($2::text is null or p.code = $2)`,
      [dealers.map((d) => d.code), code],
    );
    return new Set(rows.map((r) => r.code));
  }

  const seenBy = (lists: Targeting[] | undefined, dealers: ViewerDealer[]) =>
    (lists ?? []).some((e) => dealers.some((d) => isTargeted(e, d)));

  return {
    /** The codes of the programs the actor may see; null: every program (OEM actors). */
    async visibleCodes(actor: Actor): Promise<Set<string> | null> {
      const dealers = await viewers(actor);
      if (!dealers) return null;
      const [all, settled] = await Promise.all([targetings(null), settledFor(dealers, null)]);
      return new Set(
        [...all].filter(([c, lists]) => seenBy(lists, dealers) || settled.has(c)).map(([c]) => c),
      );
    },

    /**
     * Throws NOT_FOUND unless the actor may see the program; with `dealerCode`, unless the
     * program names that dealer (a group user asking about one of its dealers).
     */
    async requireVisible(actor: Actor, code: string, dealerCode?: string): Promise<void> {
      if (actor.scope.kind !== 'dealers') return;
      const [dealers, lists] = await Promise.all([viewers(actor, dealerCode), targetings(code)]);
      if (!dealers) throw notFound('Program', code);
      if (seenBy(lists.get(code), dealers)) return;
      // only published programs (the lists): never a draft, whatever was stored
      if (lists.has(code) && (await settledFor(dealers, code)).has(code)) return;
      throw notFound('Program', code);
    },

    /** A program definition as a dealer-scoped actor sees it (no budget, only its own names). */
    async redactDefinition<T extends Record<string, unknown>>(actor: Actor, definition: T) {
      const dealers = await viewers(actor);
      if (!dealers) return definition;
      const e = definition.eligibility as Partial<ProgramEligibility> | undefined;
      const codes = new Set(dealers.map((d) => d.code));
      const groups = new Set(dealers.flatMap((d) => (d.groupCode ? [d.groupCode] : [])));
      return {
        ...definition,
        budget: null,
        ...(e && {
          eligibility: {
            ...e,
            dealers: (e.dealers ?? []).filter((c) => codes.has(c)),
            dealerGroups: (e.dealerGroups ?? []).filter((g) => groups.has(g)),
          },
        }),
      };
    },
  };
}

export type ProgramVisibility = ReturnType<typeof createProgramVisibility>;
