/**
 * Connected vehicles with consent (issue 17). The consent registry is append-only: a grant or a
 * revocation is a new row and a ledger entry in the same transaction. The telematics feed takes
 * a reading only under a consent valid for its signal's purpose (else the whole batch is refused,
 * each bad reading named by its row); a revocation stops intake and deletes that purpose's
 * readings, and the opportunities derived from them (computed at read time) go with them.
 * Dealers see their own vehicles; OEM actors see aggregates only.
 */
import { AppError, notFound, type Problem } from '../../../shared/errors';
import {
  CONSENT_PURPOSES,
  OPPORTUNITY_KINDS,
  TELEMATICS_SIGNALS,
  type ConsentPurpose,
  type TelematicsSignal,
} from '../../../shared/schemas/connected';
import type { Actor } from '../../auth/actor';
import { csvField, type Db } from '../../db/db';
import { assertScopeCovers, systemDb } from '../../db/scope';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import type { NetworkService } from '../network/network.service';
import { createConnectedRepository } from './connected.repository';
import { deriveOpportunities } from './opportunities';

function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

function inScope(actor: Actor, dealerId: number, regionPath?: string): boolean {
  if (actor.scope.kind === 'network') return true;
  if (actor.scope.kind === 'dealers') return actor.scope.dealerIds.includes(dealerId);
  return regionPath !== undefined && regionPath.startsWith(actor.scope.path);
}

export function createConnectedService(deps: {
  db: Db;
  network: NetworkService;
  ledger: LedgerService;
  today: () => string;
}) {
  const repo = createConnectedRepository(deps.db);
  const system = createConnectedRepository(systemDb(deps.db));

  deps.ledger.registerPayloadSource('connected_consent', async (db, entry) => {
    const doc = await createConnectedRepository(db).consentDocument(Number(entry.entityId));
    return doc ? canonicalJson(doc) : null;
  });

  /** The VIN's selling dealer, if the actor may act for it (else 404: another dealer's car). */
  async function dealerOfVin(actor: Actor, vin: string) {
    const dealer = await system.sellingDealer(vin);
    if (!dealer) throw notFound('Vehicle', vin);
    // the network service answers only dealers in the actor's scope
    await deps.network.getDealerRef({ actor, code: dealer.code }).catch(() => {
      throw notFound('Vehicle', vin);
    });
    return dealer;
  }

  return {
    async grantConsent({
      actor,
      data,
    }: {
      actor: Actor;
      data: {
        vin: string;
        ownerRef: string;
        purpose: ConsentPurpose;
        grantedOn: string;
        expiresOn: string;
        source: string;
        contractEndsOn: string | null;
      };
    }) {
      const problems: Problem[] = [];
      if (data.expiresOn < data.grantedOn)
        problems.push({
          path: 'body.expiresOn',
          code: 'before_grant',
          message: 'expires before it is granted',
        });
      if (data.contractEndsOn && data.purpose !== 'lease_end_offers')
        problems.push({
          path: 'body.contractEndsOn',
          code: 'not_lease',
          message: 'only a lease_end_offers consent carries the contract end',
        });
      if (problems.length > 0)
        throw new AppError('VALIDATION_FAILED', 'The consent is not valid', { problems });
      const dealer = await dealerOfVin(actor, data.vin);
      const id = await deps.db.transaction(async (tx) => {
        const r = createConnectedRepository(tx);
        const newId = await r.insertEntry({
          ...data,
          dealerId: dealer.id,
          action: 'grant',
          recordedBy: actorLabel(actor),
        });
        await deps.ledger.append(tx, {
          entityType: 'connected_consent',
          entityId: String(newId),
          action: 'grant',
          payload: await r.consentDocument(newId),
          actor: actorLabel(actor),
        });
        return newId;
      });
      return (await repo.getEntry(id))!;
    },

    async revokeConsent({
      actor,
      data,
    }: {
      actor: Actor;
      data: { vin: string; ownerRef: string; purpose: ConsentPurpose; source: string };
    }) {
      const latest = await repo.latestEntry(actor.scope, data.vin, data.ownerRef, data.purpose);
      if (!latest) throw notFound('Consent', `${data.vin}/${data.ownerRef}/${data.purpose}`);
      if (latest.action === 'revoke')
        throw new AppError('CONFLICT', 'This consent is already revoked', { consentId: latest.id });
      const result = await deps.db.transaction(async (tx) => {
        const r = createConnectedRepository(tx);
        const id = await r.insertEntry({
          ...data,
          dealerId: latest.dealerId,
          action: 'revoke',
          grantedOn: null,
          expiresOn: null,
          contractEndsOn: null,
          recordedBy: actorLabel(actor),
        });
        await deps.ledger.append(tx, {
          entityType: 'connected_consent',
          entityId: String(id),
          action: 'revoke',
          payload: await r.consentDocument(id),
          actor: actorLabel(actor),
        });
        const deletedSignals = await r.deleteSignals(data.vin, data.purpose);
        return { id, deletedSignals };
      });
      return { entry: (await repo.getEntry(result.id))!, deletedSignals: result.deletedSignals };
    },

    async findConsents({
      actor,
      dealer,
      vin,
      limit,
    }: {
      actor: Actor;
      dealer?: string;
      vin?: string;
      limit: number;
    }) {
      const dealerId = dealer
        ? (await deps.network.getDealerRef({ actor, code: dealer })).id
        : undefined;
      return { items: await repo.findEntries(actor.scope, { dealerId, vin, limit }) };
    },

    /** The telematics feed: every reading under a valid consent, or none (row-located problems). */
    async ingestTelematics({
      actor,
      readings,
    }: {
      actor: Actor;
      readings: { vin: string; signal: string; value: number; observedAt: string }[];
    }) {
      const today = deps.today();
      // Like the actuals feed: the checks filter by the actor's scope explicitly, the rows go in by
      // COPY as the system (PostgreSQL refuses COPY FROM into a table with row-level security),
      // and the database confirms the actor's scope covers every dealer written to.
      // The signal and value are checked here, row by row; the consent of every reading is one
      // join in SQL (the readings staged by COPY), as the actuals feed checks its rows' keys.
      const problems: Problem[] = [];
      const lines: string[] = [];
      for (let i = 0; i < readings.length; i++) {
        const x = readings[i]!;
        const spec = TELEMATICS_SIGNALS[x.signal as TelematicsSignal] as
          { purpose: ConsentPurpose } | undefined;
        if (!spec) {
          const location = /location|latitude|longitude|position/i.test(x.signal);
          problems.push({
            path: `body.readings.${i}`,
            row: i + 1,
            field: 'signal',
            code: location ? 'location_refused' : 'unknown_signal',
            message: location ? 'location is never collected' : `unknown signal ${x.signal}`,
          });
          continue;
        }
        if (Math.abs(x.value) >= 1e11) {
          problems.push({
            path: `body.readings.${i}`,
            row: i + 1,
            field: 'value',
            code: 'out_of_range',
            message: 'value out of range',
          });
          continue;
        }
        lines.push(
          `${i + 1},${csvField(x.vin)},${spec.purpose},${x.signal},${x.value},${csvField(x.observedAt)},${csvField(x.observedAt.slice(0, 10))}\n`,
        );
      }
      // Like the actuals feed: the consents are filtered by the actor's scope explicitly, the rows
      // go in as the system (PostgreSQL refuses COPY FROM into a table with row-level security),
      // and the database confirms the actor's scope covers every dealer written to.
      return systemDb(deps.db).transaction(async (tx) => {
        const r = createConnectedRepository(tx);
        await r.stageReadings(lines);
        const refuse = async () => {
          for (const x of await r.readingsWithoutConsent(actor.scope, today))
            problems.push({
              path: `body.readings.${x.row - 1}`,
              row: x.row,
              field: 'vin',
              code: 'no_consent',
              message: `no valid ${x.purpose} consent for ${x.vin}`,
            });
          problems.sort((p, q) => p.row! - q.row!);
          return new AppError(
            'VALIDATION_FAILED',
            `${problems.length} reading(s) refused; nothing was stored`,
            { problems: problems.slice(0, 1000), problemCount: problems.length },
          );
        };
        if (problems.length > 0) throw await refuse();
        const written = await r.insertConsentedReadings(actor.scope, today);
        const accepted = written.reduce((n, w) => n + w.n, 0);
        if (accepted < lines.length) throw await refuse();
        await assertScopeCovers(
          tx,
          actor.scope,
          written.map((w) => w.dealerId),
        );
        return { accepted };
      });
    },

    /** A dealer's opportunities: its own consented vehicles only (OEM actors: the summary). */
    async findOpportunities({
      actor,
      dealerCode,
      batteryThreshold,
    }: {
      actor: Actor;
      dealerCode: string;
      batteryThreshold: number;
    }) {
      const ref = await deps.network.getDealerRef({ actor, code: dealerCode });
      if (actor.scope.kind !== 'dealers' || !inScope(actor, ref.id))
        throw new AppError(
          'FORBIDDEN',
          'Vehicle-level data is for the dealer; the OEM sees aggregates (GET /connected/summary)',
        );
      const today = deps.today();
      const [consents, readings] = await Promise.all([
        repo.validConsents(actor.scope, today, ref.id),
        repo.latestSignals(actor.scope, ref.id),
      ]);
      return {
        dealerCode,
        items: deriveOpportunities({ consents, readings, today, batteryThreshold }),
      };
    },

    /** Aggregates in the reader's scope: consented vehicles, readings and opportunities by kind. */
    async getSummary({ actor }: { actor: Actor }) {
      const today = deps.today();
      const [consents, readings, counts] = await Promise.all([
        repo.validConsents(actor.scope, today),
        repo.latestSignals(actor.scope),
        repo.signalCounts(actor.scope),
      ]);
      const opportunities = deriveOpportunities({
        consents,
        readings,
        today,
        batteryThreshold: 85,
      });
      return {
        vehicles: new Set(consents.map((c) => c.vin)).size,
        consents: CONSENT_PURPOSES.map((purpose) => ({
          purpose,
          active: new Set(consents.filter((c) => c.purpose === purpose).map((c) => c.vin)).size,
        })),
        signals: CONSENT_PURPOSES.map((purpose) => ({
          purpose,
          count: counts.find((c) => c.purpose === purpose)?.count ?? 0,
        })),
        opportunities: OPPORTUNITY_KINDS.map((kind) => ({
          kind,
          count: opportunities.filter((o) => o.kind === kind).length,
        })),
        byDealerCount: new Set(consents.map((c) => c.dealerId)).size,
      };
    },
  };
}

export type ConnectedService = ReturnType<typeof createConnectedService>;
