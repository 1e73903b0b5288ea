import type { Queryable } from '../../db/db';
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookSubscription,
} from '../../../shared/schemas/webhooks';
import { messageId } from './signing';

/** The channel the outbox trigger NOTIFYs when it queued deliveries (migration 0022). */
export const WEBHOOKS_CHANNEL = 'forecourt_webhooks';

const SUBSCRIPTION_COLUMNS = `
  s.id, s.url, s.description, s.event_types as "eventTypes", g.code as "dealerGroupCode",
  g.name as "dealerGroupName", s.is_enabled as "isEnabled", s.disabled_reason as "disabledReason",
  s.created_by as "createdBy", to_json(s.created_at)#>>'{}' as "createdAt",
  case when s.previous_secret_until > now() then to_json(s.previous_secret_until)#>>'{}' end as "previousSecretUntil",
  (select count(*)::int from webhook_deliveries d where d.subscription_id = s.id and d.state = 'pending') as pending,
  (select count(*)::int from webhook_deliveries d where d.subscription_id = s.id and d.state = 'delivered') as delivered,
  (select count(*)::int from webhook_deliveries d where d.subscription_id = s.id and d.state = 'dead') as dead`;

const DELIVERY_COLUMNS = `
  d.id::int as id, d.subscription_id as "subscriptionId", s.url as "subscriptionUrl",
  d.outbox_id::text as "outboxId", o.event_type as "eventType", o.entity_type as "entityType",
  o.entity_id as "entityId", d.state, d.attempts,
  case when d.state = 'pending' then to_json(d.next_attempt_at)#>>'{}' end as "nextAttemptAt",
  d.last_status_code as "lastStatusCode", d.last_error as "lastError",
  to_json(d.delivered_at)#>>'{}' as "deliveredAt", to_json(d.created_at)#>>'{}' as "createdAt"`;

type DeliveryRow = Omit<WebhookDelivery, 'eventId'> & { outboxId: string };
const toDelivery = ({ outboxId, ...row }: DeliveryRow): WebhookDelivery => ({
  ...row,
  eventId: messageId(outboxId),
});

/** A delivery claimed for sending, with what it takes to send it. */
export type ClaimedDelivery = {
  id: number;
  attempts: number;
  subscriptionId: number;
  outboxId: string;
  eventType: string;
  payload: Record<string, unknown>;
  createdAt: string;
  url: string;
  secret: string;
  /** the secret before a rotation, while its grace window runs (signs beside `secret`) */
  previousSecret: string | null;
};

/** What one attempt came to, to be recorded. */
export type AttemptRecord = {
  deliveryId: number;
  subscriptionId: number;
  attempt: number;
  state: 'pending' | 'delivered' | 'dead';
  /** pending: milliseconds until the next attempt */
  delayMs: number;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  /** the receiver answered 410: disable the subscription */
  isGone: boolean;
};

export function createWebhooksRepository(db: Queryable) {
  return {
    async findSubscriptions(q: Queryable = db): Promise<WebhookSubscription[]> {
      const { rows } = await q.query<WebhookSubscription>(
        `select ${SUBSCRIPTION_COLUMNS} from webhook_subscriptions s
           left join dealer_groups g on g.id = s.dealer_group_id order by s.id`,
      );
      return rows;
    },

    async getSubscription(id: number, q: Queryable = db): Promise<WebhookSubscription | null> {
      const { rows } = await q.query<WebhookSubscription>(
        `select ${SUBSCRIPTION_COLUMNS} from webhook_subscriptions s
           left join dealer_groups g on g.id = s.dealer_group_id where s.id = $1`,
        [id],
      );
      return rows[0] ?? null;
    },

    async findDealerGroupId(code: string, q: Queryable = db): Promise<number | null> {
      const { rows } = await q.query<{ id: number }>(
        'select id from dealer_groups where code = $1',
        [code],
      );
      return rows[0]?.id ?? null;
    },

    async insertSubscription(
      q: Queryable,
      data: {
        url: string;
        description: string;
        eventTypes: string[];
        dealerGroupId: number | null;
        secret: string;
        createdBy: string;
      },
    ): Promise<number> {
      const { rows } = await q.query<{ id: number }>(
        `insert into webhook_subscriptions (url, description, event_types, dealer_group_id, secret, created_by)
         values ($1, $2, $3::text[], $4, $5, $6) returning id`,
        [
          data.url,
          data.description,
          data.eventTypes,
          data.dealerGroupId,
          data.secret,
          data.createdBy,
        ],
      );
      return rows[0]!.id;
    },

    async updateSubscription(
      q: Queryable,
      id: number,
      data: {
        url?: string;
        description?: string;
        eventTypes?: string[];
        dealerGroupId?: number | null;
        isEnabled?: boolean;
      },
    ): Promise<boolean> {
      const { rowCount } = await q.query(
        `update webhook_subscriptions set
           url = coalesce($2, url),
           description = coalesce($3, description),
           event_types = coalesce($4::text[], event_types),
           dealer_group_id = case when $5::boolean then $6::int else dealer_group_id end,
           is_enabled = coalesce($7, is_enabled),
           disabled_reason = case when $7::boolean is true then null
                                  when $7::boolean is false then 'disabled by an administrator'
                                  else disabled_reason end,
           updated_at = now()
         where id = $1`,
        [
          id,
          data.url ?? null,
          data.description ?? null,
          data.eventTypes ?? null,
          data.dealerGroupId !== undefined,
          data.dealerGroupId ?? null,
          data.isEnabled ?? null,
        ],
      );
      return rowCount > 0;
    },

    /**
     * A new secret: the current one becomes the previous one, signing beside the new until
     * `graceMs` from now (0: at once no longer). Returns false for an unknown subscription.
     */
    async rotateSecret(q: Queryable, id: number, secret: string, graceMs: number) {
      const { rows } = await q.query<{ until: string | null }>(
        `update webhook_subscriptions set
           previous_secret = case when $3::double precision > 0 then secret end,
           previous_secret_until = case when $3::double precision > 0
                                        then now() + make_interval(secs => $3::double precision / 1000) end,
           secret = $2, updated_at = now()
         where id = $1
         returning to_json(previous_secret_until)#>>'{}' as until`,
        [id, secret, graceMs],
      );
      return rows[0] ? { previousSecretUntil: rows[0].until } : null;
    },

    async deleteSubscription(q: Queryable, id: number): Promise<boolean> {
      const { rowCount } = await q.query('delete from webhook_subscriptions where id = $1', [id]);
      return rowCount > 0;
    },

    /** A ping: an outbox event for this subscription only, queued now. */
    async insertPing(q: Queryable, subscriptionId: number, payload: object) {
      const { rows } = await q.query<{ deliveryId: number; outboxId: string }>(
        `with o as (
           insert into outbox (event_type, dealer_id, entity_type, entity_id, payload)
           values ('webhook.ping', null, 'webhook_subscription', $3, $2::jsonb) returning id)
         insert into webhook_deliveries (subscription_id, outbox_id, entity_key)
         select $1, o.id, 'webhook_subscription:' || $3 from o
         returning id::int as "deliveryId", outbox_id::text as "outboxId"`,
        [subscriptionId, JSON.stringify(payload), String(subscriptionId)],
      );
      await q.query(`select pg_notify('${WEBHOOKS_CHANNEL}', '')`);
      return rows[0]!;
    },

    async findDeliveries(
      filter: WebhookDeliveryQuery & { subscriptionId?: number },
    ): Promise<{ items: WebhookDelivery[]; total: number }> {
      const params: unknown[] = [];
      const where: string[] = [];
      if (filter.subscriptionId !== undefined) {
        params.push(filter.subscriptionId);
        where.push(`d.subscription_id = $${params.length}`);
      }
      if (filter.state) {
        params.push(filter.state);
        where.push(`d.state = $${params.length}`);
      }
      const w = where.length ? `where ${where.join(' and ')}` : '';
      const total = await db.query<{ n: number }>(
        `select count(*)::int as n from webhook_deliveries d ${w}`,
        params,
      );
      params.push(filter.limit, filter.offset);
      const { rows } = await db.query<DeliveryRow>(
        `select ${DELIVERY_COLUMNS} from webhook_deliveries d
           join outbox o on o.id = d.outbox_id
           join webhook_subscriptions s on s.id = d.subscription_id
         ${w} order by d.id desc limit $${params.length - 1} offset $${params.length}`,
        params,
      );
      return { items: rows.map(toDelivery), total: total.rows[0]!.n };
    },

    async getDelivery(id: number) {
      const { rows } = await db.query<DeliveryRow & { payload: Record<string, unknown> }>(
        `select ${DELIVERY_COLUMNS}, o.payload from webhook_deliveries d
           join outbox o on o.id = d.outbox_id
           join webhook_subscriptions s on s.id = d.subscription_id
         where d.id = $1`,
        [id],
      );
      if (!rows[0]) return null;
      const { payload, ...row } = rows[0];
      const attempts = await db.query<WebhookAttempt>(
        `select attempt, status_code as "statusCode", duration_ms as "durationMs",
                response_body as "responseBody", error, to_json(created_at)#>>'{}' as at
           from webhook_attempts where delivery_id = $1 order by id`,
        [id],
      );
      return { ...toDelivery(row), payload, attemptLog: attempts.rows };
    },

    /** Sends a delivery again from its first attempt (any state). */
    async replay(id: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `update webhook_deliveries set state = 'pending', attempts = 0, next_attempt_at = now(),
                lease_until = null, last_error = null
          where id = $1`,
        [id],
      );
      if (rowCount > 0) await db.query(`select pg_notify('${WEBHOOKS_CHANNEL}', '')`);
      return rowCount > 0;
    },

    /**
     * Claims up to `limit` due deliveries for `leaseMs`: pending, due, of an enabled subscription,
     * not leased by another sender, and with no earlier pending delivery of the same entity to
     * the same subscription (per-entity order). Rows another sender is claiming are skipped.
     */
    async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
      const { rows } = await db.query<ClaimedDelivery>(
        `with due as (
           select d.id from webhook_deliveries d
             join webhook_subscriptions s on s.id = d.subscription_id and s.is_enabled
            where d.state = 'pending' and d.next_attempt_at <= now()
              and (d.lease_until is null or d.lease_until < now())
              and not exists (
                select 1 from webhook_deliveries e
                 where e.subscription_id = d.subscription_id and e.entity_key = d.entity_key
                   and e.state = 'pending' and e.outbox_id < d.outbox_id)
            order by d.next_attempt_at, d.id
            limit $1
            for update of d skip locked),
         claimed as (
           update webhook_deliveries d
              set lease_until = now() + make_interval(secs => $2::double precision / 1000),
                  attempts = d.attempts + 1
             from due where d.id = due.id
           returning d.id, d.attempts, d.subscription_id, d.outbox_id)
         select c.id::int as id, c.attempts, c.subscription_id as "subscriptionId",
                c.outbox_id::text as "outboxId", o.event_type as "eventType", o.payload,
                to_json(o.created_at)#>>'{}' as "createdAt", s.url, s.secret,
                case when s.previous_secret_until > now() then s.previous_secret end as "previousSecret"
           from claimed c
           join outbox o on o.id = c.outbox_id
           join webhook_subscriptions s on s.id = c.subscription_id
          order by c.outbox_id`,
        [limit, leaseMs],
      );
      return rows;
    },

    /** When the next pending delivery falls due (null: none is pending). */
    async nextDueInMs(): Promise<number | null> {
      const { rows } = await db.query<{ ms: number | null }>(
        `select (extract(epoch from min(greatest(d.next_attempt_at, coalesce(d.lease_until, d.next_attempt_at))) - now()) * 1000)::float8 as ms
           from webhook_deliveries d
           join webhook_subscriptions s on s.id = d.subscription_id and s.is_enabled
          where d.state = 'pending'`,
      );
      return rows[0]?.ms ?? null;
    },

    /** Records a round of attempts in one transaction. */
    async recordAttempts(q: Queryable, records: AttemptRecord[]): Promise<void> {
      if (records.length === 0) return;
      const json = JSON.stringify(records);
      await q.query(
        `insert into webhook_attempts (delivery_id, attempt, status_code, duration_ms, response_body, error)
         select r."deliveryId", r.attempt, r."statusCode", r."durationMs", r."responseBody", r.error
           from jsonb_to_recordset($1::jsonb) as r("deliveryId" bigint, attempt int, "statusCode" int,
                  "durationMs" int, "responseBody" text, error text)
          where exists (select 1 from webhook_deliveries d where d.id = r."deliveryId")`,
        [json],
      );
      await q.query(
        `update webhook_deliveries d set
           state = r.state, lease_until = null,
           last_status_code = r."statusCode", last_error = r.error,
           delivered_at = case when r.state = 'delivered' then now() else d.delivered_at end,
           next_attempt_at = case when r.state = 'pending'
                                  then now() + make_interval(secs => r."delayMs"::double precision / 1000)
                                  else d.next_attempt_at end
           from jsonb_to_recordset($1::jsonb) as r("deliveryId" bigint, state text, "delayMs" bigint,
                  "statusCode" int, error text)
          where d.id = r."deliveryId"`,
        [json],
      );
      const gone = records.filter((r) => r.isGone).map((r) => r.subscriptionId);
      if (gone.length)
        await q.query(
          `update webhook_subscriptions set is_enabled = false, updated_at = now(),
                  disabled_reason = 'the receiver answered 410 Gone'
            where id = any($1::int[])`,
          [gone],
        );
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
