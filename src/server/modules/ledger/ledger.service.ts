/**
 * The tamper-evident ledger: an append-only hash chain over every approved version of an
 * agreement or program and every acceptance, approval and payout. Anyone can verify it: recompute
 * each hash from the previous one and the entry, and each payload hash from the stored document.
 */
import type { Db, Queryable } from '../../db/db';
import { systemDb } from '../../db/scope';
import { scopeSql, type Actor } from '../../auth/actor';
import {
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  sha256Hex,
  type LedgerEntryFields,
} from './canonical-json';

/** Serialises appends (one chain) inside the caller's transaction. */
const LEDGER_LOCK = 727_002;

export type LedgerEntry = LedgerEntryFields & { seq: number; prevHash: string; hash: string };

export type VerifyResult = {
  ok: boolean;
  entries: number;
  headHash: string;
  firstBroken: {
    seq: number;
    entityType: string;
    entityId: string;
    action: string;
    reason: string;
  } | null;
};

/**
 * A document loader: given an entry, the canonical text its payload hash must match (null when
 * the document is gone), or several documents that must each match (e.g. the stored version and
 * the live rows the application reads), each named for the report.
 */
export type PayloadSource = (
  tx: Queryable,
  entry: LedgerEntry,
) => Promise<string | null | undefined | LedgerDocument[]>;

export type LedgerDocument = { what: string; text: string | null | undefined };

const ENTRY_SELECT = `select seq, entity_type as "entityType", entity_id as "entityId", action,
  payload_sha256 as "payloadSha256", actor,
  to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "recordedAt",
  prev_hash as "prevHash", hash from ledger_entries`;

export function createLedgerService(deps: { db: Db }) {
  // The chain is one for the whole network: verify reads every entry and document as the system
  // (row-level security would hide other dealers' documents and make them look missing); what a
  // reader outside the network scope is told of a broken entry is withheld (verifyFor).
  const chainDb = systemDb(deps.db);
  const payloadSources = new Map<string, PayloadSource>();
  /**
   * The verification running now, shared by every caller that asks meanwhile: a whole-chain
   * check reads every entry and document (about 30 s for the reference network's 8,000
   * entries, BENCHMARKS.md, twentieth session), and its answer is the same for every reader but
   * for what verifyFor withholds, so callers that arrive during a run wait for it instead of each
   * starting one (one at a time per process, however many users ask). A call after a run has
   * finished starts a new one: an alteration made since is found.
   */
  let running: Promise<VerifyResult> | undefined;

  return {
    /** Registers where the documents of an entity type live, so verify can re-hash them. */
    registerPayloadSource(entityType: string, source: PayloadSource) {
      payloadSources.set(entityType, source);
    },

    /** Appends an entry inside the caller's transaction. `payload` is hashed as canonical JSON. */
    async append(
      tx: Queryable,
      input: {
        entityType: string;
        entityId: string;
        action: string;
        payload: unknown;
        actor: string;
      },
    ): Promise<LedgerEntry> {
      await tx.query('select pg_advisory_xact_lock($1)', [LEDGER_LOCK]);
      const { rows } = await tx.query<{ hash: string }>(
        'select hash from ledger_entries order by seq desc limit 1',
      );
      const prevHash = rows[0]?.hash ?? GENESIS_HASH;
      // Millisecond precision, as the database stores and returns it.
      const fields: LedgerEntryFields = {
        entityType: input.entityType,
        entityId: input.entityId,
        action: input.action,
        payloadSha256: sha256Hex(canonicalJson(input.payload)),
        actor: input.actor,
        recordedAt: new Date().toISOString(),
      };
      const hash = entryHash(prevHash, fields);
      const inserted = await tx.query<{ seq: number }>(
        `insert into ledger_entries (entity_type, entity_id, action, payload_sha256, actor, recorded_at, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning seq`,
        [
          fields.entityType,
          fields.entityId,
          fields.action,
          fields.payloadSha256,
          fields.actor,
          fields.recordedAt,
          prevHash,
          hash,
        ],
      );
      return { ...fields, seq: inserted.rows[0]!.seq, prevHash, hash };
    },

    /** Entries in the actor's scope: a dealer sees the entries of its own agreements. */
    async findEntries({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: { entityType?: string; entityId?: string };
    }): Promise<LedgerEntry[]> {
      const params: unknown[] = [filter.entityType ?? null, filter.entityId ?? null];
      const visible =
        actor.scope.kind === 'network'
          ? 'true'
          : `split_part(entity_id, '/', 1) in (select a.code from agreements a join dealers d on d.id = a.dealer_id where ${scopeSql(actor.scope, 'd', params)})`;
      const { rows } = await deps.db.query<LedgerEntry>(
        `${ENTRY_SELECT} where ($1::text is null or entity_type = $1) and ($2::text is null or starts_with(entity_id, $2)) and ${visible} order by seq`,
        params,
      );
      return rows;
    },

    /** Walks the whole chain in order; points at the first entry that does not check out. */
    /** Verifies for an actor: outside the network scope the broken entry's identity is withheld. */
    async verifyFor({ actor }: { actor: Actor }): Promise<VerifyResult> {
      if (!running) {
        const run = this.verify();
        running = run;
        void run.then(
          () => (running = undefined),
          () => (running = undefined),
        );
      }
      // the shared result is copied, never changed: other callers read it too
      const result = { ...(await running) };
      if (result.firstBroken && actor.scope.kind !== 'network') {
        result.firstBroken = {
          ...result.firstBroken,
          entityType: 'withheld',
          entityId: 'withheld',
          reason: 'an entry or a document it records does not check out (details for the OEM)',
        };
      }
      return result;
    },

    async verify(): Promise<VerifyResult> {
      let prev = GENESIS_HASH;
      let count = 0;
      let afterSeq = 0;
      for (;;) {
        const { rows } = await chainDb.query<LedgerEntry>(
          `${ENTRY_SELECT} where seq > $1 order by seq limit 5000`,
          [afterSeq],
        );
        if (rows.length === 0) break;
        for (const e of rows) {
          const broken = (reason: string): VerifyResult => ({
            ok: false,
            entries: count,
            headHash: prev,
            firstBroken: {
              seq: e.seq,
              entityType: e.entityType,
              entityId: e.entityId,
              action: e.action,
              reason,
            },
          });
          if (e.prevHash !== prev)
            return broken(
              'its previous-hash does not match the entry before it (an entry was removed, inserted or altered)',
            );
          const fields: LedgerEntryFields = {
            entityType: e.entityType,
            entityId: e.entityId,
            action: e.action,
            payloadSha256: e.payloadSha256,
            actor: e.actor,
            recordedAt: e.recordedAt,
          };
          if (entryHash(prev, fields) !== e.hash)
            return broken('its hash does not match its contents (the entry was altered)');
          const source = payloadSources.get(e.entityType);
          if (source) {
            const found = await source(chainDb, e);
            const documents = Array.isArray(found)
              ? found
              : [{ what: 'the document it records', text: found }];
            for (const { what, text } of documents) {
              if (text === null || text === undefined) return broken(`${what} is missing`);
              if (sha256Hex(text) !== e.payloadSha256)
                return broken(`${what} was altered after it was recorded`);
            }
          }
          prev = e.hash;
          count += 1;
          afterSeq = e.seq;
        }
      }
      return { ok: true, entries: count, headHash: prev, firstBroken: null };
    },
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;
