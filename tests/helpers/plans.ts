/**
 * Query plans in tests: a Queryable that also runs each matching statement under EXPLAIN
 * (ANALYZE, FORMAT JSON) and keeps its plan, and readers of the plans' nodes. Checked as
 * behaviour (what a plan reads and how often), never as time.
 */
import type { Queryable } from '../../src/server/db/db';

export type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Loops'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
};

/** Every node of a plan that scans `relation`, with its loops. */
export function scansOf(node: PlanNode, relation: string): number[] {
  const own = node['Relation Name'] === relation ? [node['Actual Loops'] ?? 0] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => scansOf(child, relation))];
}

/** The Nested Loop joins of a plan with a scan of `relation` below them. */
export function nestedLoopsOver(node: PlanNode, relation: string): number {
  const own = node['Node Type'] === 'Nested Loop' && scansOf(node, relation).length > 0 ? 1 : 0;
  return own + (node.Plans ?? []).reduce((n, child) => n + nestedLoopsOver(child, relation), 0);
}

/** The output rows of the innermost aggregates over `relation` (no aggregate over it below). */
export function innerAggregatesOver(node: PlanNode, relation: string): number[] {
  const below = (node.Plans ?? []).flatMap((child) => innerAggregatesOver(child, relation));
  if (below.length > 0) return below;
  return node['Node Type'] === 'Aggregate' && scansOf(node, relation).length > 0
    ? [node['Actual Rows'] ?? 0]
    : [];
}

/**
 * `tx` that first runs every statement matching `which` under EXPLAIN ANALYZE and pushes its plan
 * to `plans`, then runs it as asked (its result is the caller's).
 */
export function explaining(tx: Queryable, which: RegExp, plans: PlanNode[]): Queryable {
  return {
    ...tx,
    async query<T>(sql: string, params?: unknown[]) {
      if (which.test(sql)) {
        const { rows } = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `explain (analyze, format json) ${sql}`,
          params,
        );
        plans.push(rows[0]!['QUERY PLAN'][0].Plan);
      }
      return tx.query<T>(sql, params);
    },
  };
}
