/**
 * Scopes for the tests that compare a scoped read with the network's: the first sub-region (by
 * path) that holds dealers, as a regional manager's scope, and its dealers.
 */
import type { Scope } from '../../src/server/auth/actor';
import type { Queryable } from '../../src/server/db/db';

export async function firstRegionWithDealers(
  db: Queryable,
  options: { activeOnly?: boolean } = {},
): Promise<{ scope: Scope & { kind: 'region' }; dealers: { id: number; code: string }[] }> {
  const { rows: regions } = await db.query<{ id: number; code: string; path: string }>(
    `select r.id, r.code, r.path from regions r
      where r.parent_id is not null and exists (select 1 from dealers d join regions x
        on x.id = d.region_id where starts_with(x.path, r.path))
      order by r.path limit 1`,
  );
  const region = regions[0]!;
  const { rows: dealers } = await db.query<{ id: number; code: string }>(
    `select d.id, d.code from dealers d join regions r on r.id = d.region_id
      where starts_with(r.path, $1) ${options.activeOnly ? "and d.status = 'active'" : ''}
      order by d.code`,
    [region.path],
  );
  return {
    scope: { kind: 'region', regionId: region.id, regionCode: region.code, path: region.path },
    dealers,
  };
}
