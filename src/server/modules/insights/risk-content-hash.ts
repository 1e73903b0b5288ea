/**
 * The hash of a stored risk's content (content_hash of commitment_risks and program_tier_risks,
 * migration 0068): MD5 of the row's COPY text as a refresh writes it, as a uuid's 32 hex digits.
 * Equal text, equal hash: a staged row whose hash is the stored one's is unchanged and not
 * written (insights.repository.ts `applyStage`, program-risk.repository.ts `upsertRows`). Not a
 * security measure: a collision would leave a changed risk as it was until its next change.
 */
import { createHash } from 'node:crypto';

export function contentHash(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/**
 * The column lists of a risk table's stage: `stage` creates it (its JSON columns held as text,
 * so an unchanged row's JSON is never parsed), `fromStage` reads it back (the JSON text cast to
 * jsonb, for the changed rows only), each column prefixed with `alias` if given.
 */
export function stageColumnLists(
  columns: string,
  jsonColumns: readonly string[],
  alias = '',
): { stage: string; fromStage: string } {
  const names = columns.split(',').map((c) => c.trim());
  const isJson = (c: string) => jsonColumns.includes(c);
  return {
    stage: names.map((c) => (isJson(c) ? `${c}::text as ${c}` : c)).join(', '),
    fromStage: names.map((c) => (isJson(c) ? `${alias}${c}::jsonb` : `${alias}${c}`)).join(', '),
  };
}
