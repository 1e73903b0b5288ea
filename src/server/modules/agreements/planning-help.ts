/**
 * Planning help for the agreement editor and for the dealer reviewing a proposal: per line target
 * and per period of a term, the prior year's actual units, a history-based suggestion, the locked
 * forecast consensus, and a suggested quantity (consensus where present, else history). All
 * figures are integers; the SQL lives in agreements.repository.ts.
 */
import { AppError, type Problem } from '../../../shared/errors';
import { addMonths, monthFromIndex, monthIndex, monthRange } from '../../../shared/months';
import { TARGET_KINDS } from '../../../shared/schemas/agreements';
import type { PlanningHelp } from '../../../shared/schemas/planning-help';
import type { Queryable } from '../../db/db';
import type { Period } from './agreement-periods';
import { createAgreementsRepository } from './agreements.repository';

type TargetKind = (typeof TARGET_KINDS)[number];
export type PlanningTarget = { kind: TargetKind; code: string };

export const PLANNING_FORMULA =
  'history = round(priorYear × factor), factor = recent12 / previous12 (the line’s units in the 12 complete months before the anchor month, over the 12 months before those), rounded to 0.01 and capped to 0.50–2.00, 1.00 when previous12 is 0; suggested = consensus when a locked forecast cycle covers every month of the period, else history';

/** Parses "model_line:ML-AURA,sku:X" into targets; problems name `query.target[i]`. */
export function parseTargets(raw: string, path = 'query.target'): PlanningTarget[] {
  const problems: Problem[] = [];
  const targets: PlanningTarget[] = [];
  raw.split(',').forEach((part, i) => {
    const [kind, code, ...rest] = part.trim().split(':');
    if (!kind || !code || rest.length || !(TARGET_KINDS as readonly string[]).includes(kind)) {
      problems.push({
        path: `${path}[${i}]`,
        code: 'invalid_target',
        message: `"${part}" is not KIND:CODE with KIND one of ${TARGET_KINDS.join(', ')}`,
      });
      return;
    }
    targets.push({ kind: kind as TargetKind, code });
  });
  if (targets.length > 200)
    problems.push({ path, code: 'too_many', message: 'at most 200 targets' });
  if (problems.length) throw invalidProblems(problems);
  return targets;
}

function invalidProblems(problems: Problem[]): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.path}: ${p.message}`).join('; '),
    { problems },
  );
}

/** round(a / b) half-up for non-negative integers. */
function divHalfUp(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

/** The trend factor in hundredths: recent / previous, rounded, capped to 50–200 (100 without history). */
export function trendHundredths(recent12: number, previous12: number): number {
  if (previous12 <= 0) return 100;
  return Math.min(200, Math.max(50, divHalfUp(100 * Math.max(0, recent12), previous12)));
}

/** A decimal string with 3 decimals ("12.345") as an integer count of thousandths. */
function thousandths(value: string): number {
  const [whole, frac = ''] = value.split('.');
  const sign = whole!.startsWith('-') ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3)));
}

export async function buildPlanningHelp(
  db: Queryable,
  input: {
    dealerId: number;
    dealerCode: string;
    periods: Period[];
    countedKinds: string[];
    targets: PlanningTarget[];
    currentMonth: string;
    path?: string;
  },
): Promise<PlanningHelp> {
  const repo = createAgreementsRepository(db);
  const path = input.path ?? 'query.target';
  const first = input.periods[0]!.firstMonth;
  const last = input.periods.at(-1)!.lastMonth;
  // The trend is read up to the month before the anchor: the term start or, if it lies in the
  // future, the current month (whose actuals are still coming in).
  const anchor = monthIndex(first) < monthIndex(input.currentMonth) ? first : input.currentMonth;
  const resolved = [];
  const problems: Problem[] = [];
  for (const [i, t] of input.targets.entries()) {
    const r = await repo.resolveTarget(t.kind, t.code);
    if (!r)
      problems.push({
        path: `${path}[${i}]`,
        code: 'unknown_product',
        message: `${t.kind.replace('_', ' ')} ${t.code} does not exist`,
      });
    else resolved.push({ ...t, ...r });
  }
  if (problems.length) throw invalidProblems(problems);

  const lines = [];
  for (const t of resolved) {
    const from = Math.min(monthIndex(anchor) - 24, monthIndex(first) - 12);
    const to = Math.max(monthIndex(anchor) - 1, monthIndex(last) - 12);
    const units = t.skuIds.length
      ? await repo.findUnitsByMonth(
          input.dealerId,
          t.skuIds,
          input.countedKinds,
          monthFromIndex(from),
          monthFromIndex(to),
        )
      : new Map<string, number>();
    const sum = (months: string[]) => months.reduce((s, m) => s + (units.get(m) ?? 0), 0);
    const recent12 = sum(monthRange(addMonths(anchor, -12), addMonths(anchor, -1)));
    const previous12 = sum(monthRange(addMonths(anchor, -24), addMonths(anchor, -13)));
    const factor = trendHundredths(recent12, previous12);
    const consensusByMonth =
      t.kind === 'model_line'
        ? await repo.findConsensusByMonth(input.dealerId, t.code, first, last)
        : new Map<string, string>();
    const periods = input.periods.map((p) => {
      const months = monthRange(p.firstMonth, p.lastMonth);
      const priorMonths = months.map((m) => addMonths(m, -12));
      // the prior year counts only when all its months are complete
      const priorYear =
        monthIndex(priorMonths.at(-1)!) < monthIndex(input.currentMonth) ? sum(priorMonths) : null;
      const history = priorYear === null ? null : divHalfUp(priorYear * factor, 100);
      const consensus = months.every((m) => consensusByMonth.has(m))
        ? divHalfUp(
            months.reduce((s, m) => s + Math.max(0, thousandths(consensusByMonth.get(m)!)), 0),
            1000,
          )
        : null;
      const basis =
        consensus !== null ? 'consensus' : history !== null ? 'history' : ('none' as const);
      return {
        period: p.label,
        priorYear,
        history,
        consensus,
        suggested: consensus ?? history ?? 0,
        basis: basis as 'consensus' | 'history' | 'none',
      };
    });
    const total = (k: 'priorYear' | 'history' | 'consensus') =>
      periods.some((p) => p[k] === null) ? null : periods.reduce((s, p) => s + p[k]!, 0);
    lines.push({
      target: { kind: t.kind, code: t.code, label: t.label },
      trend: {
        recent12,
        previous12,
        factor: `${Math.floor(factor / 100)}.${String(factor % 100).padStart(2, '0')}`,
        anchorMonth: anchor,
      },
      periods,
      totals: {
        priorYear: total('priorYear'),
        history: total('history'),
        consensus: total('consensus'),
        suggested: periods.reduce((s, p) => s + p.suggested, 0),
      },
    });
  }
  return {
    dealerCode: input.dealerCode,
    periods: input.periods.map((p) => p.label),
    formula: PLANNING_FORMULA,
    lines,
  };
}
