/**
 * The hash of a stored risk's content (content_hash of commitment_risks and program_tier_risks,
 * migration 0068), as a uuid's 32 hex digits. Equal content, equal hash: a staged row whose hash
 * is the stored one's is unchanged and not written (risk-write.repository.ts `applyStage`,
 * program-risk-write.repository.ts `upsertRows`). Not a security measure: a collision would leave a
 * changed risk as it was until its next change.
 */
import * as crypto from 'node:crypto';
import { csvField } from '../../db/db';

/** Node's one-shot hash (Node ≥ 20.12), a third faster on a risk's text than a Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string })
  .hash;

export function contentHash(text: string): string {
  return oneShot
    ? oneShot('md5', text, 'hex')
    : crypto.createHash('md5').update(text).digest('hex');
}

/**
 * The hash of a risk's columns: MD5 of its scalar columns as a CSV line, then each JSON column's
 * text after its length (`,123:[…]`), so that different columns never make the same text. The
 * JSON is hashed as JSON.stringify wrote it, not quoted for CSV: on a night without new inputs
 * nearly every risk is unchanged, and its quoted COPY line (most of it JSON, a quote every few
 * characters) is then never built (risk-write.repository.ts `riskCopyText`, program-risk-copy.ts).
 */
export function riskContentHash(
  scalars: readonly (string | number | null | undefined)[],
  json: readonly string[],
): string {
  let text = scalars.map(csvField).join(',');
  for (const j of json) text += `,${j.length}:${j}`;
  return contentHash(text);
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
