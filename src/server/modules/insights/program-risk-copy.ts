/**
 * Program tier risks as the COPY text of their write (program-risk-write.repository.ts `save`):
 * one CSV line per risk of COLUMNS, its tiers' probabilities (the history's point) and the hash
 * of the line (content_hash, migration 0068).
 *
 * With the stored rows' hashes (`storedHashes`, read with the run's other reads), a risk computed
 * to its stored row's hash goes as a short line: its key, window, expected and probabilities
 * (today's history point) and the hash, the other columns empty. The risk did not change, so
 * nothing else of it is written, and the database is spared most of the text: on a night
 * without new inputs, nearly every row (2.5 KB each, 78,400 on the reference network). The write
 * never writes a short line into a risk; if the stored row changed after the hashes were read
 * (a batch's refresh wrote it), the write asks for the full line (`refill`).
 */
import { csvField } from '../../db/db';
import type { ProgramTierRisk } from '../../../shared/schemas/program-risk';
import type { ProgramRiskWrite } from './program-risk.repository';
import { packTiers } from './program-risk-store';
import { riskContentHash, stageColumnLists } from './risk-content-hash';

/** Rows per chunk of the COPY of `save`. */
const COPY_ROWS = 500;

/** The written columns of program_tier_risks, in the order of `copyLine`. */
export const COLUMNS = `program_id, dealer_id, program_name, period, window_label, window_start, window_end, as_of,
  elapsed_months, term_months, measure, axis, measure_value, to_date, expected, lower80, upper80, tier_reached,
  currency, earned, shortfall_money, tiers, interventions`;

const COLUMN_NAMES = COLUMNS.split(',').map((c) => c.trim());

/** The columns an existing row takes from a new computation (all but its key and time). */
export const UPDATED = [
  ...COLUMN_NAMES.filter((c) => c !== 'program_id' && c !== 'dealer_id'),
  'calibration_id',
];

/**
 * The staged columns (COLUMNS, the JSON as text) and COLUMNS read from the stage `s` (its JSON
 * text cast to jsonb, for a changed row only).
 */
export const { stage: STAGE_COLUMNS, fromStage: FROM_STAGE } = stageColumnLists(
  COLUMNS,
  ['tiers', 'interventions'],
  's.',
);

export type RiskToWrite = ProgramRiskWrite & { programName: string };

/** A risk's key in `storedHashes`: program and dealer. */
export const tierRiskKey = (programId: number, dealerId: number) => `${programId}:${dealerId}`;

/**
 * Each tier's probability, as the history keeps it: what `(t->>'probability')::float8` reads
 * back from the written `tiers` (a JavaScript number prints as the shortest text that parses to
 * it, so the float8 is the same number; what JSON writes as null, null).
 */
function probabilitiesOf(tiers: unknown): string {
  const list = Array.isArray(tiers) ? (tiers as { probability?: unknown }[]) : [];
  const point = ({ probability: p }: { probability?: unknown }) =>
    typeof p === 'number' && Number.isFinite(p) ? String(p) : 'NULL';
  return `{${list.map(point).join(',')}}`;
}

/** The positions of a short line's columns in COLUMNS (the key, the window, today's point). */
const SHORT = {
  programId: COLUMN_NAMES.indexOf('program_id'),
  dealerId: COLUMN_NAMES.indexOf('dealer_id'),
  windowLabel: COLUMN_NAMES.indexOf('window_label'),
  expected: COLUMN_NAMES.indexOf('expected'),
};

/** An unchanged risk's line: its key, window and today's history point, the rest empty. */
function shortLine(x: RiskToWrite, probabilities: string): string {
  const columns: (string | number | null)[] = new Array(COLUMN_NAMES.length).fill(null);
  columns[SHORT.programId] = x.programId;
  columns[SHORT.dealerId] = x.dealerId;
  columns[SHORT.windowLabel] = x.windowLabel;
  columns[SHORT.expected] = x.expected;
  return [...columns, probabilities].map(csvField).join(',');
}

/**
 * One risk as a CSV line of COPY (numbers as JavaScript prints them, JSON as JSON.stringify),
 * then its tiers' probabilities (the history's point, `probabilitiesOf`), then the hash of its
 * content and calibration (content_hash, migration 0068, `riskContentHash`: an unchanged row is
 * not written); a short line when `stored` holds that hash for the risk, and then the full line
 * is never built.
 */
function copyLine(
  x: RiskToWrite,
  calibrationId: number | null,
  stored: ReadonlyMap<string, string> | undefined,
) {
  const probabilities = probabilitiesOf(x.tiers);
  const scalars = [
    x.programId,
    x.dealerId,
    x.programName,
    x.period,
    x.windowLabel,
    x.windowStart,
    x.windowEnd,
    x.asOf,
    x.elapsedMonths,
    x.termMonths,
    x.measure,
    x.axis,
    x.measureValue,
    x.toDate,
    x.expected,
    x.lower80,
    x.upper80,
    x.tierReached,
    x.currency,
    x.earned,
    x.shortfallMoney,
  ];
  // the drivers shared by the tiers once (program-risk-store.ts)
  const tiers = JSON.stringify(packTiers(x.tiers as ProgramTierRisk[]));
  const interventions = JSON.stringify(x.interventions);
  const hash = riskContentHash(
    [...scalars, probabilities, calibrationId ?? ''],
    [tiers, interventions],
  );
  if (stored?.get(tierRiskKey(x.programId, x.dealerId)) === hash)
    return `${shortLine(x, probabilities)},${hash}`;
  return `${[...scalars, tiers, interventions, probabilities].map(csvField).join(',')},${hash}`;
}

/** The COPY text of these risks, by chunks; short lines for the unchanged ones (`stored`). */
export function* copyText(
  rows: readonly RiskToWrite[],
  calibrationId: number | null,
  stored?: ReadonlyMap<string, string>,
) {
  for (let i = 0; i < rows.length; i += COPY_ROWS)
    yield `${rows
      .slice(i, i + COPY_ROWS)
      .map((x) => copyLine(x, calibrationId, stored))
      .join('\n')}\n`;
}
