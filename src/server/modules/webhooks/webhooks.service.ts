import { AppError } from '../../../shared/errors';
import type {
  WebhookCreate,
  WebhookDeliveryQuery,
  WebhookUpdate,
} from '../../../shared/schemas/webhooks';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { recordAudit } from '../audit/audit.repository';
import type { JobsService } from '../jobs/jobs.service';
import { createDispatcher, type DispatcherConfig } from './dispatcher';
import { createRetention, type RetentionConfig } from './retention';
import { generateSecret, messageId } from './signing';
import { assertSafeTarget } from './url-safety';
import { createWebhooksRepository } from './webhooks.repository';

/**
 * Webhook subscriptions, their delivery log, replay and dead letters (administrators:
 * `webhooks:manage`), and this process's sender (dispatcher.ts). Events reach the outbox through
 * triggers (migration 0022), never through this service.
 */
export function createWebhooksService(deps: {
  db: Db;
  config: DispatcherConfig;
  /** the purge job is defined with it (absent: no purge job, e.g. a test's second service) */
  jobs?: JobsService;
  retention?: RetentionConfig;
}) {
  const { db, config } = deps;
  const repo = createWebhooksRepository(db);
  const retention = createRetention({
    db,
    jobs: deps.jobs,
    config: deps.retention ?? { deliveredDays: 30, deadDays: 90 },
  });
  const dispatcher = createDispatcher({
    db,
    repo,
    config,
    onError: (error) =>
      process.emitWarning(`webhook sender: ${(error as Error).message ?? String(error)}`),
  });

  const check = (actor: Actor) => requirePermission(actor, 'webhooks:manage');

  async function groupIdOf(code: string | null | undefined): Promise<number | null | undefined> {
    if (code === undefined) return undefined;
    if (code === null) return null;
    const id = await repo.findDealerGroupId(code);
    if (id === null)
      throw new AppError('VALIDATION_FAILED', `No dealer group ${code}`, {
        problems: [
          { path: 'body.dealerGroupCode', code: 'unknown', message: 'no such dealer group' },
        ],
      });
    return id;
  }

  /** An audit entry of a subscription change: never its secret, nor the URL's query string. */
  async function audit(
    tx: Queryable,
    actor: Actor,
    kind: `webhook_subscription.${'created' | 'updated' | 'enabled' | 'disabled' | 'secret_rotated' | 'deleted'}`,
    id: number,
    details: Record<string, unknown> = {},
  ) {
    const sub = await repo.getSubscription(id, tx);
    await recordAudit(tx, {
      kind,
      actor,
      details: {
        subscriptionId: id,
        ...(sub
          ? {
              url: withoutQuery(sub.url),
              eventTypes: sub.eventTypes.join(' '),
              dealerGroupCode: sub.dealerGroupCode,
            }
          : {}),
        ...details,
      },
    });
  }

  async function getSubscription({ actor, id }: { actor: Actor; id: number }) {
    check(actor);
    const found = await repo.getSubscription(id);
    if (!found) throw new AppError('NOT_FOUND', `No webhook subscription ${id}`);
    return found;
  }

  return {
    findSubscriptions: async ({ actor }: { actor: Actor }) => {
      check(actor);
      return { items: await repo.findSubscriptions() };
    },

    getSubscription,

    /** Creates a subscription; the answer carries its secret, which is never shown again. */
    async createSubscription({ actor, data }: { actor: Actor; data: WebhookCreate }) {
      check(actor);
      const url = await assertSafeTarget(data.url, { allowPrivate: config.allowPrivate });
      const dealerGroupId = (await groupIdOf(data.dealerGroupCode)) ?? null;
      const secret = generateSecret();
      const id = await db.transaction(async (tx) => {
        const created = await repo.insertSubscription(tx, {
          url: url.toString(),
          description: data.description,
          eventTypes: [...new Set(data.eventTypes)],
          dealerGroupId,
          secret,
          createdBy: actor.name,
        });
        await audit(tx, actor, 'webhook_subscription.created', created);
        return created;
      });
      return { ...(await repo.getSubscription(id))!, secret };
    },

    async updateSubscription({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: WebhookUpdate;
    }) {
      check(actor);
      const url =
        data.url === undefined
          ? undefined
          : (await assertSafeTarget(data.url, { allowPrivate: config.allowPrivate })).toString();
      const dealerGroupId = await groupIdOf(data.dealerGroupCode);
      await db.transaction(async (tx) => {
        const before = await repo.getSubscription(id, tx);
        if (!before) throw new AppError('NOT_FOUND', `No webhook subscription ${id}`);
        await repo.updateSubscription(tx, id, {
          url,
          description: data.description,
          eventTypes: data.eventTypes ? [...new Set(data.eventTypes)] : undefined,
          dealerGroupId,
          isEnabled: data.isEnabled,
        });
        const after = (await repo.getSubscription(id, tx))!;
        const changed = (['url', 'description', 'eventTypes', 'dealerGroupCode'] as const).filter(
          (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
        );
        if (changed.length > 0)
          await audit(tx, actor, 'webhook_subscription.updated', id, {
            changed: changed.join(' '),
            ...(changed.includes('url') ? { previousUrl: withoutQuery(before.url) } : {}),
          });
        if (before.isEnabled !== after.isEnabled)
          await audit(
            tx,
            actor,
            after.isEnabled ? 'webhook_subscription.enabled' : 'webhook_subscription.disabled',
            id,
          );
      });
      if (data.isEnabled) dispatcher.wake();
      return (await repo.getSubscription(id))!;
    },

    /**
     * A new secret, shown this once. The previous one keeps signing beside it (a second
     * signature in webhook-signature) for `graceHours`, so receivers can switch without losing
     * an event; after that only the new one signs.
     */
    async rotateSecret({
      actor,
      id,
      graceHours,
    }: {
      actor: Actor;
      id: number;
      graceHours: number;
    }) {
      check(actor);
      const secret = generateSecret();
      const until = await db.transaction(async (tx) => {
        const rotated = await repo.rotateSecret(tx, id, secret, graceHours * 3_600_000);
        if (!rotated) throw new AppError('NOT_FOUND', `No webhook subscription ${id}`);
        await audit(tx, actor, 'webhook_subscription.secret_rotated', id, {
          previousSecretUntil: rotated.previousSecretUntil,
        });
        return rotated.previousSecretUntil;
      });
      return { ...(await repo.getSubscription(id))!, previousSecretUntil: until, secret };
    },

    async deleteSubscription({ actor, id }: { actor: Actor; id: number }) {
      check(actor);
      await db.transaction(async (tx) => {
        const before = await repo.getSubscription(id, tx);
        if (!before) throw new AppError('NOT_FOUND', `No webhook subscription ${id}`);
        await audit(tx, actor, 'webhook_subscription.deleted', id);
        await repo.deleteSubscription(tx, id);
      });
      return { ok: true as const };
    },

    /** Queues a `webhook.ping` for one subscription (sent like any event, logged like any). */
    async pingSubscription({ actor, id }: { actor: Actor; id: number }) {
      const subscription = await getSubscription({ actor, id });
      if (!subscription.isEnabled)
        throw new AppError('CONFLICT', 'The subscription is disabled: enable it first');
      const { deliveryId, outboxId } = await db.transaction((tx) =>
        repo.insertPing(tx, id, { version: 1, subscriptionId: id, links: {} }),
      );
      dispatcher.wake();
      return { deliveryId, eventId: messageId(outboxId) };
    },

    async findDeliveries({
      actor,
      subscriptionId,
      filter,
    }: {
      actor: Actor;
      subscriptionId?: number;
      filter: WebhookDeliveryQuery;
    }) {
      if (subscriptionId !== undefined) await getSubscription({ actor, id: subscriptionId });
      check(actor);
      const { items, total } = await repo.findDeliveries({ ...filter, subscriptionId });
      return { items, total, limit: filter.limit, offset: filter.offset };
    },

    async getDelivery({ actor, id }: { actor: Actor; id: number }) {
      check(actor);
      const found = await repo.getDelivery(id);
      if (!found) throw new AppError('NOT_FOUND', `No webhook delivery ${id}`);
      return found;
    },

    /** Sends a delivery again from its first attempt, whatever its state. */
    async replayDelivery({ actor, id }: { actor: Actor; id: number }) {
      check(actor);
      if (!(await repo.replay(id))) throw new AppError('NOT_FOUND', `No webhook delivery ${id}`);
      dispatcher.wake();
      return (await repo.getDelivery(id))!;
    },

    /** Deletes delivered and dead deliveries past their retention, and outbox rows left bare. */
    purge: () => retention.purge(),
    /** Starts the daily purge job (at `hourUtc`); returns a stop function. */
    scheduleRetention: (options?: { hourUtc?: number }) => retention.schedule(options),

    startDispatcher: () => dispatcher.start(),
    stopDispatcher: () => dispatcher.stop(),
    /** One sending round now, without the loop (tests). */
    dispatchRound: () => dispatcher.round(),
  };
}

/** A URL as the audit log keeps it: without its query string (it may carry a token). */
function withoutQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at < 0 ? url : url.slice(0, at);
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
