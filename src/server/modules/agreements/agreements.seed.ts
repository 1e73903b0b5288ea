/**
 * Bulk creation of demo agreements: one approved agreement per active dealer for the fiscal year
 * around `today`, its lines on the dealer's best-selling model lines, planned from the same months
 * of the year before: each dealer's commitment is its year before × the square root of its own trend ×
 * a stretch drawn for the dealer from the seed (`commitmentFactor`), so the network holds a mix of
 * easy, fair and hard commitments as a real one does. Set-based SQL plus one pass in JS for the
 * canonical versions and the ledger chain, so 4,000 dealers take seconds (the benchmark network),
 * not minutes.
 */
import type { Db, Queryable } from '../../db/db';
import { addMonths, monthIndex } from '../../../shared/months';
import { canonicalJson, entryHash, GENESIS_HASH, sha256Hex } from '../ledger/canonical-json';
import { termPeriods } from './agreement-periods';
import type { AgreementTerms } from '../../../shared/schemas/agreements';
import { refreshSummaries } from './agreements.repository';
import { Random } from '../demo/random';

export type SeedAgreementsOptions = {
  today: string;
  maxLines: number;
  /** the stretch's range around the dealer's own trend (default 0.92–1.08: ±8 %) */
  stretch?: readonly [number, number];
  /** the demo's seed: the dealers' stretches are drawn from it (default 42) */
  seed?: number;
};

/**
 * A dealer's commitment over its year before the term: the square root of its own trend (the 12 months
 * before the term over the 12 before those, 0.85–1.2, 1 without two years of history) times its
 * stretch. Before this, every month was planned at max(month, 0.6 × the line's average) × 1.06,
 * which on a line selling one or two units a month asked 20–30 % more than the year before: on the
 * demo 13 of a region's 14 agreements were below 50 % and none likely (docs/insights.md).
 */
export function commitmentFactor(input: {
  lastYear: number;
  yearBefore: number;
  stretch: number;
}): number {
  const trend =
    input.yearBefore > 0 ? Math.min(1.2, Math.max(0.85, input.lastYear / input.yearBefore)) : 1;
  return Math.sqrt(trend) * input.stretch;
}

/**
 * A line's monthly plan: `total` units over the months in the shape of the year before, smoothed
 * towards the line's average by a quarter (a month with no sale still gets some), rounded by the
 * largest remainder so the months add up to `total` exactly.
 */
export function apportion(prior: readonly number[], total: number): number[] {
  const avg = prior.reduce((a, b) => a + b, 0) / prior.length;
  const weights = prior.map((q) => 0.75 * q + 0.25 * avg);
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0 || total <= 0) return prior.map(() => 0);
  const exact = weights.map((w) => (w / sum) * total);
  const planned = exact.map(Math.floor);
  let rest = total - planned.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => ({ i, r: e - Math.floor(e) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    planned[i]! += 1;
    rest -= 1;
  }
  return planned;
}

/** The first month of the fiscal year that contains `today`. */
export function fiscalYearStart(today: string, fiscalYearStartMonth: number): string {
  const month = today.slice(0, 7);
  const m = Number(month.slice(5, 7));
  const back = (m - fiscalYearStartMonth + 12) % 12;
  return addMonths(month, -back);
}

export async function seedAgreements(db: Db, options: SeedAgreementsOptions): Promise<number> {
  return db.transaction((tx) => seedIn(tx, options));
}

async function seedIn(tx: Queryable, options: SeedAgreementsOptions): Promise<number> {
  const fy = (await tx.query<{ m: number }>('select fiscal_year_start_month as m from settings'))
    .rows[0]!.m;
  const start = fiscalYearStart(options.today, fy);
  const months = 12;
  const periods = termPeriods({
    startMonth: start,
    months,
    frequency: 'monthly',
    fiscalYearStartMonth: fy,
  });
  const history = await tx.query<{
    dealer_id: number;
    dealer_code: string;
    model_line_id: number;
    ml_code: string;
    ml_name: string;
    month: string;
    q: number;
  }>(
    `with sales as (
       select a.dealer_id, s.model_line_id, to_char(a.month, 'YYYY-MM') as month, sum(a.quantity)::int as q
       from monthly_actuals a join skus s on s.id = a.sku_id join dealers d on d.id = a.dealer_id
       where d.status = 'active' and a.kind in ('retail_delivery', 'unwind')
         and a.month >= ($1::date - interval '12 months') and a.month < $1::date
       group by 1, 2, 3
     ), totals as (
       select sales.*, sum(q) over (partition by dealer_id, model_line_id) as total from sales
     ), ranked as (
       -- window functions only: no join between two CTEs, whose missing statistics can make the
       -- planner pick a nested loop (minutes on the reference network)
       select totals.*, dense_rank() over (partition by dealer_id order by total desc, model_line_id) as rn
       from totals where total > 0
     )
     select r.dealer_id, d.code as dealer_code, r.model_line_id, m.code as ml_code, m.name as ml_name, r.month, r.q
     from ranked r join dealers d on d.id = r.dealer_id join model_lines m on m.id = r.model_line_id
     where r.rn <= $2
     order by d.code, r.rn, r.month`,
    [`${start}-01`, options.maxLines],
  );
  type Line = { modelLineId: number; code: string; name: string; prior: number[] };
  const dealers = new Map<number, { code: string; lines: Map<number, Line> }>();
  const startIndex = monthIndex(start);
  for (const r of history.rows) {
    let d = dealers.get(r.dealer_id);
    if (!d) dealers.set(r.dealer_id, (d = { code: r.dealer_code, lines: new Map() }));
    let line = d.lines.get(r.model_line_id);
    if (!line)
      d.lines.set(
        r.model_line_id,
        (line = {
          modelLineId: r.model_line_id,
          code: r.ml_code,
          name: r.ml_name,
          prior: Array(12).fill(0),
        }),
      );
    const offset = monthIndex(r.month) - (startIndex - 12);
    if (offset >= 0 && offset < 12) line.prior[offset] = r.q;
  }
  if (dealers.size === 0) return 0;
  // each dealer's trend: its counted sales in the 12 months before the term and the 12 before those
  // (none without a whole year before: a network or a dealer younger than two years)
  const trends = await tx.query<{ dealer_id: number; last_year: number; year_before: number }>(
    `select a.dealer_id,
            coalesce(sum(a.quantity) filter (where a.month >= ($1::date - interval '12 months')), 0)::int as last_year,
            case when count(distinct a.month) filter (where a.month < ($1::date - interval '12 months')) = 12
                 then coalesce(sum(a.quantity) filter (where a.month < ($1::date - interval '12 months')), 0)::int
                 else 0 end as year_before
     from monthly_actuals a join dealers d on d.id = a.dealer_id
     where d.status = 'active' and a.kind in ('retail_delivery', 'unwind')
       and a.month >= ($1::date - interval '24 months') and a.month < $1::date
     group by 1`,
    [`${start}-01`],
  );
  const trendOf = new Map(trends.rows.map((r) => [r.dealer_id, r]));
  const [low, high] = options.stretch ?? [0.92, 1.08];
  const seed = options.seed ?? 42;

  // agreements
  const dealerIds = [...dealers.keys()];
  const created = await tx.query<{ id: number; dealer_id: number }>(
    `insert into agreements (code, dealer_id, start_month, months, frequency, status, approved_version, row_version)
     select 'pending-' || d, d, $2::date, $3, 'monthly', case when $2::date <= $4::date then 'active' else 'approved' end, 1, 4
     from unnest($1::int[]) d returning id, dealer_id`,
    [dealerIds, `${start}-01`, months, `${options.today.slice(0, 7)}-01`],
  );
  await tx.query(
    `update agreements set code = 'AG-' || lpad(id::text, 6, '0') where code like 'pending-%'`,
  );
  const agreementOf = new Map(created.rows.map((r) => [r.dealer_id, r.id]));

  const lineRows: {
    a: number[];
    n: number[];
    ml: number[];
    code: string[];
    label: string[];
    planned: string[];
  } = { a: [], n: [], ml: [], code: [], label: [], planned: [] };
  const versions: { a: number[]; terms: string[]; canonical: string[]; sha: string[] } = {
    a: [],
    terms: [],
    canonical: [],
    sha: [],
  };
  const ledger: {
    type: string[];
    id: string[];
    action: string[];
    payload: string[];
    actor: string[];
    at: string[];
    prev: string[];
    hash: string[];
  } = { type: [], id: [], action: [], payload: [], actor: [], at: [], prev: [], hash: [] };
  let prev =
    (await tx.query<{ hash: string }>('select hash from ledger_entries order by seq desc limit 1'))
      .rows[0]?.hash ?? GENESIS_HASH;
  const plannedByPeriod = new Map<number, number[]>();
  for (const [dealerId, d] of dealers) {
    const agreementId = agreementOf.get(dealerId)!;
    const code = `AG-${String(agreementId).padStart(6, '0')}`;
    const trend = trendOf.get(dealerId);
    const factor = commitmentFactor({
      lastYear: trend?.last_year ?? 0,
      yearBefore: trend?.year_before ?? 0,
      stretch: new Random(seed, 'agreement-stretch', d.code).uniform(low, high),
    });
    const lines = [...d.lines.values()].map((l, i) => {
      const total = Math.max(1, Math.round(l.prior.reduce((a, b) => a + b, 0) * factor));
      return { lineNo: i + 1, line: l, planned: apportion(l.prior, total) };
    });
    for (const l of lines) {
      lineRows.a.push(agreementId);
      lineRows.n.push(l.lineNo);
      lineRows.ml.push(l.line.modelLineId);
      lineRows.code.push(l.line.code);
      lineRows.label.push(l.line.name);
      lineRows.planned.push(`{${l.planned.join(',')}}`);
    }
    plannedByPeriod.set(
      agreementId,
      periods.map((_, i) => lines.reduce((s, l) => s + l.planned[i]!, 0)),
    );
    const terms: AgreementTerms = {
      code,
      dealerCode: d.code,
      startMonth: start,
      months,
      frequency: 'monthly',
      countedKinds: ['retail_delivery', 'unwind'],
      periods: periods.map((p) => p.label),
      lines: lines.map((l) => ({
        lineNo: l.lineNo,
        target: { kind: 'model_line' as const, code: l.line.code, label: l.line.name },
        plannedQuantities: l.planned,
        plannedRevenue: null,
      })),
    };
    const canonical = canonicalJson(terms);
    const sha = sha256Hex(canonical);
    versions.a.push(agreementId);
    versions.terms.push(canonical);
    versions.canonical.push(canonical);
    versions.sha.push(sha);
    const at = new Date().toISOString();
    for (const [type, action, payload] of [
      [
        'agreement_acceptance',
        'accept',
        { agreement: code, termsSha256: sha, acceptedBy: `demo:${d.code}` },
      ],
      ['agreement_version', 'approve', terms],
    ] as const) {
      const fields = {
        entityType: type,
        entityId: type === 'agreement_version' ? `${code}/v1` : code,
        action,
        payloadSha256: sha256Hex(canonicalJson(payload)),
        actor: 'system:demo',
        recordedAt: at,
      };
      const hash = entryHash(prev, fields);
      ledger.type.push(fields.entityType);
      ledger.id.push(fields.entityId);
      ledger.action.push(fields.action);
      ledger.payload.push(fields.payloadSha256);
      ledger.actor.push(fields.actor);
      ledger.at.push(fields.recordedAt);
      ledger.prev.push(prev);
      ledger.hash.push(hash);
      prev = hash;
    }
  }
  await tx.query(
    `insert into agreement_lines (agreement_id, dealer_id, line_no, target_kind, target_code, target_label, planned_quantities)
     select u.a, g.dealer_id, u.n, 'model_line', u.c, u.l, u.p::int[]
     from unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[]) as u(a, n, c, l, p) join agreements g on g.id = u.a`,
    [lineRows.a, lineRows.n, lineRows.code, lineRows.label, lineRows.planned],
  );
  await tx.query(
    `insert into agreement_line_skus (agreement_id, dealer_id, line_no, sku_id)
     select u.a, g.dealer_id, u.n, s.id from unnest($1::int[], $2::int[], $3::int[]) as u(a, n, ml)
     join agreements g on g.id = u.a join skus s on s.model_line_id = u.ml`,
    [lineRows.a, lineRows.n, lineRows.ml],
  );
  await tx.query(
    `update agreements a set planned_by_period = u.p::int[] from unnest($1::int[], $2::text[]) as u(id, p) where a.id = u.id`,
    [[...plannedByPeriod.keys()], [...plannedByPeriod.values()].map((p) => `{${p.join(',')}}`)],
  );
  await tx.query(
    `insert into agreement_versions (agreement_id, dealer_id, version_no, terms, canonical, sha256, effective_month)
     select u.a, g.dealer_id, 1, u.t::jsonb, u.c, u.s, g.start_month
     from unnest($1::int[], $2::text[], $3::text[], $4::text[]) as u(a, t, c, s) join agreements g on g.id = u.a`,
    [versions.a, versions.terms, versions.canonical, versions.sha],
  );
  await tx.query(
    `insert into ledger_entries (entity_type, entity_id, action, payload_sha256, actor, recorded_at, prev_hash, hash)
     select t, i, a, p, ac, at, pr, h
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[]) with ordinality as u(t, i, a, p, ac, at, pr, h, o)
     order by o`,
    [
      ledger.type,
      ledger.id,
      ledger.action,
      ledger.payload,
      ledger.actor,
      ledger.at,
      ledger.prev,
      ledger.hash,
    ],
  );
  await tx.query(
    `insert into agreement_events (agreement_id, dealer_id, action, from_status, to_status, actor)
     select id, dealer_id, 'seeded', null, status, 'system:demo' from agreements where id = any($1::int[])`,
    [[...agreementOf.values()]],
  );
  // live actuals of every seeded agreement, set-based
  await tx.query(
    `insert into agreement_line_actuals (agreement_id, dealer_id, line_no, period_index, quantity, revenue)
     select a.id, a.dealer_id, ls.line_no,
            ((extract(year from m.month)::int * 12 + extract(month from m.month)::int) - (extract(year from a.start_month)::int * 12 + extract(month from a.start_month)::int)),
            sum(m.quantity)::int, sum(m.amount)
     from agreements a
     join agreement_line_skus ls on ls.agreement_id = a.id and ls.dealer_id = a.dealer_id
     join monthly_actuals m on m.dealer_id = a.dealer_id and m.sku_id = ls.sku_id and m.kind = any(a.counted_kinds)
       and m.month >= a.start_month and m.month < (a.start_month + make_interval(months => a.months))::date
     where a.id = any($1::int[])
     group by 1, 2, 3, 4`,
    [[...agreementOf.values()]],
  );
  await tx.query(
    `insert into agreement_period_actuals (agreement_id, dealer_id, period_index, quantity, revenue)
     select agreement_id, dealer_id, period_index, sum(quantity)::int, sum(revenue) from agreement_line_actuals where agreement_id = any($1::int[]) group by 1, 2, 3`,
    [[...agreementOf.values()]],
  );
  await refreshSummaries(tx, [...agreementOf.values()]);
  return dealers.size;
}
