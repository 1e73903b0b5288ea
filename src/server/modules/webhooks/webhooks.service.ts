import { AppError } from '../../../shared/errors';
import type {
  WebhookCreate,
  WebhookDeliveryQuery,
  WebhookUpdate,
} from '../../../shared/schemas/webhooks';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { createDispatcher, type DispatcherConfig } from './dispatcher';
import { generateSecret, messageId } from './signing';
import { assertSafeTarget } from './url-safety';
import { createWebhooksRepository } from './webhooks.repository';

/**
 * Webhook subscriptions, their delivery log, replay and dead letters (administrators:
 * `webhooks:manage`), and this process's sender (dispatcher.ts). Events reach the outbox through
 * triggers (migration 0022), never through this service.
 */
export function createWebhooksService(deps: { db: Db; config: DispatcherConfig }) {
  const { db, config } = deps;
  const repo = createWebhooksRepository(db);
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
      const id = await repo.insertSubscription(db, {
        url: url.toString(),
        description: data.description,
        eventTypes: [...new Set(data.eventTypes)],
        dealerGroupId,
        secret,
        createdBy: actor.name,
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
      const found = await repo.updateSubscription(db, id, {
        url,
        description: data.description,
        eventTypes: data.eventTypes ? [...new Set(data.eventTypes)] : undefined,
        dealerGroupId,
        isEnabled: data.isEnabled,
      });
      if (!found) throw new AppError('NOT_FOUND', `No webhook subscription ${id}`);
      if (data.isEnabled) dispatcher.wake();
      return (await repo.getSubscription(id))!;
    },

    async deleteSubscription({ actor, id }: { actor: Actor; id: number }) {
      check(actor);
      if (!(await repo.deleteSubscription(db, id)))
        throw new AppError('NOT_FOUND', `No webhook subscription ${id}`);
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

    startDispatcher: () => dispatcher.start(),
    stopDispatcher: () => dispatcher.stop(),
    /** One sending round now, without the loop (tests). */
    dispatchRound: () => dispatcher.round(),
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
