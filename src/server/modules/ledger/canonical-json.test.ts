import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, entryHash, GENESIS_HASH, sha256Hex } from './canonical-json';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 'x' }], c: null }, e: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":"x","z":1}]},"b":1}',
    );
  });

  it('gives the same text for the same value whatever the key order', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())),
        (obj) => {
          const reversed = Object.fromEntries(Object.entries(obj).reverse());
          expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
          expect(JSON.parse(canonicalJson(obj))).toEqual(obj);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('chains hashes: changing any field or the previous hash changes the hash', () => {
    const entry = {
      entityType: 'agreement_version',
      entityId: 'AG-1/1',
      action: 'approve',
      payloadSha256: sha256Hex('x'),
      actor: 'user:1',
      recordedAt: '2026-01-01T00:00:00.000Z',
    };
    const h = entryHash(GENESIS_HASH, entry);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(GENESIS_HASH, { ...entry, action: 'accept' })).not.toBe(h);
    expect(entryHash(h, entry)).not.toBe(h);
    expect(entryHash(GENESIS_HASH, { ...entry })).toBe(h);
  });
});
