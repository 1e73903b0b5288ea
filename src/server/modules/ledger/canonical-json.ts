/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, arrays in order,
 * strings and numbers as JSON.stringify writes them (integers only in what we hash; money is a
 * decimal string). The same value always gives the same text, so its SHA-256 identifies it.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const GENESIS_HASH = '0'.repeat(64);

export type LedgerEntryFields = {
  entityType: string;
  entityId: string;
  action: string;
  payloadSha256: string;
  actor: string;
  recordedAt: string;
};

/** An entry's hash covers the previous entry's hash and the entry's own fields. */
export function entryHash(prevHash: string, entry: LedgerEntryFields): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(entry)}`);
}
