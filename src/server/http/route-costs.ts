/**
 * What each API route costs the server, so one caller (a user or an API key) cannot take it from
 * the others. Every /api/v1 route is classified, here or by `config.cost` next to its `access`
 * (the route's own word wins); tests/route-costs.test.ts fails when a route is in neither.
 *
 * - `light`: an indexed read or a one-row write. Counts towards the caller's requests in flight.
 * - `costly`: scans the feed, computes a statement, a simulation or a roll-up, builds a document or
 *   an export, or fans out (to every dealer, to outbound HTTP). Also limited per minute (each
 *   route on its own) and counts towards the caller's costly requests in flight.
 * - `ingest`: a feed upload (streamed or batched rows). Counts towards the costly requests in
 *   flight, not the per-minute limit (integrations post often).
 * - `stream`: a long-lived event stream; counts towards the caller's open streams only.
 *
 * The limits: http/caller-limits.ts (in flight) and http/costly-routes.ts (per minute).
 */
export const ROUTE_COSTS_CLASSES = ['light', 'costly', 'ingest', 'stream'] as const;
export type RouteCost = (typeof ROUTE_COSTS_CLASSES)[number];

/** `METHOD /api/v1/...` → its cost. Add a new route here (or declare `config.cost` on it). */
export const ROUTE_COSTS: Record<string, RouteCost> = {
  // auth, accounts, audit
  'POST /api/v1/auth/login': 'light',
  'POST /api/v1/auth/logout': 'light',
  'GET /api/v1/auth/me': 'light',
  'GET /api/v1/users': 'light',
  'POST /api/v1/users': 'light',
  'PATCH /api/v1/users/:id': 'light',
  'GET /api/v1/api-keys': 'light',
  'POST /api/v1/api-keys': 'light',
  'POST /api/v1/api-keys/:id/revoke': 'light',
  'GET /api/v1/audit-log': 'light',
  // network, catalog
  'GET /api/v1/regions': 'light',
  'POST /api/v1/regions': 'light',
  'PATCH /api/v1/regions/:code': 'light',
  'GET /api/v1/dealer-groups': 'light',
  'POST /api/v1/dealer-groups': 'light',
  'PATCH /api/v1/dealer-groups/:code': 'light',
  'GET /api/v1/dealers': 'light',
  'GET /api/v1/dealers/:code': 'light',
  'POST /api/v1/dealers': 'light',
  'PATCH /api/v1/dealers/:code': 'light',
  'GET /api/v1/settings': 'light',
  'PUT /api/v1/settings': 'light',
  'GET /api/v1/model-lines': 'light',
  'POST /api/v1/model-lines': 'light',
  'PATCH /api/v1/model-lines/:code': 'light',
  'GET /api/v1/skus': 'light',
  'GET /api/v1/skus/:code': 'light',
  'POST /api/v1/skus': 'light',
  'PATCH /api/v1/skus/:code': 'light',
  'GET /api/v1/skus/:code/prices': 'light',
  'POST /api/v1/skus/:code/prices': 'light',
  'GET /api/v1/product-groups': 'light',
  'POST /api/v1/product-groups': 'light',
  // the actuals feed
  'POST /api/v1/transactions': 'ingest',
  // a network or region page counts and sorts millions of rows (8.6–13.3 s on the reference
  // network, BENCHMARKS.md, twentieth session's route sweep)
  'GET /api/v1/transactions': 'costly',
  'GET /api/v1/transactions/export': 'costly',
  'GET /api/v1/dealers/:code/home': 'light', // one dealer, kept in the home cache
  'GET /api/v1/dealers/:code/actuals/monthly': 'light',
  'GET /api/v1/actuals/regions': 'costly',
  'POST /api/v1/rdr': 'ingest',
  // agreements
  'GET /api/v1/agreements': 'light',
  'GET /api/v1/agreements/rollup': 'costly',
  'GET /api/v1/agreements/planning-help': 'costly',
  'GET /api/v1/agreements/:id/planning-help': 'costly',
  'GET /api/v1/agreements/export': 'costly',
  'POST /api/v1/agreements': 'light',
  'GET /api/v1/agreements/:id': 'light',
  'PUT /api/v1/agreements/:id': 'light',
  'POST /api/v1/agreements/:id/propose': 'light',
  'POST /api/v1/agreements/:id/accept': 'light',
  'POST /api/v1/agreements/:id/return': 'light',
  'POST /api/v1/agreements/:id/approve': 'light',
  'POST /api/v1/agreements/:id/reject': 'light',
  'POST /api/v1/agreements/:id/cancel': 'light',
  'POST /api/v1/agreements/:id/revisions': 'light',
  'POST /api/v1/agreements/:id/revisions/:revisionId/accept': 'light',
  'POST /api/v1/agreements/:id/revisions/:revisionId/approve': 'light',
  'POST /api/v1/agreements/:id/revisions/:revisionId/reject': 'light',
  'GET /api/v1/agreements/:id/versions': 'light',
  'GET /api/v1/agreements/:id/versions/:versionNo': 'light',
  'GET /api/v1/agreements/:id/progress': 'light', // one agreement's dealer, from the roll-up
  'PUT /api/v1/agreements/:id/expectations': 'light',
  'POST /api/v1/agreements/:id/renew': 'light',
  'GET /api/v1/notifications': 'light',
  // ledger, jobs
  'GET /api/v1/ledger/verify': 'costly',
  'GET /api/v1/ledger/entries': 'light',
  'GET /api/v1/jobs': 'light',
  'GET /api/v1/jobs/:id': 'light',
  // forecasts
  'POST /api/v1/forecasts/cycles': 'costly',
  'GET /api/v1/forecasts/cycles': 'light',
  'GET /api/v1/forecasts/cycles/:id': 'light',
  'POST /api/v1/forecasts/cycles/:id/:transition': 'costly',
  'GET /api/v1/forecasts/cycles/:id/dealers/:dealerCode': 'light',
  'PUT /api/v1/forecasts/cycles/:id/dealers/:dealerCode/cells': 'light',
  'POST /api/v1/forecasts/cycles/:id/dealers/:dealerCode/cells/override': 'light',
  'POST /api/v1/forecasts/cycles/:id/dealers/:dealerCode/cells/accept': 'light',
  'GET /api/v1/forecasts/cycles/:id/adjustments': 'light',
  'GET /api/v1/forecasts/cycles/:id/rollup': 'costly',
  'GET /api/v1/forecasts/cycles/:id/demand-plan': 'costly',
  'GET /api/v1/forecasts/accuracy': 'costly',
  'POST /api/v1/forecasts/cycles/:id/adjustments/accept': 'costly',
  'GET /api/v1/forecasts/cycles/:id/production-plan': 'costly',
  'GET /api/v1/settings/production-plants': 'light',
  'PUT /api/v1/settings/production-plants': 'light',
  // incentives: programs, statements, claims, disputes, payouts
  'POST /api/v1/programs': 'light',
  'GET /api/v1/programs': 'light',
  'GET /api/v1/programs/:code': 'light',
  'PUT /api/v1/programs/:code': 'light',
  'POST /api/v1/programs/:code/publish': 'light',
  'POST /api/v1/programs/:code/versions': 'light',
  'POST /api/v1/programs/:code/close': 'light',
  'GET /api/v1/programs/:code/statements': 'costly',
  'GET /api/v1/programs/:code/statements/:dealerCode': 'costly',
  'GET /api/v1/programs/:code/statements/:dealerCode/export': 'costly',
  'GET /api/v1/programs/:code/statements/:dealerCode/pdf': 'costly',
  'GET /api/v1/programs/:code/periods': 'light',
  'POST /api/v1/programs/:code/periods/close': 'costly',
  'POST /api/v1/programs/:code/periods/approve': 'costly',
  'GET /api/v1/programs/:code/periods/:period/settlement-preview': 'costly',
  'POST /api/v1/programs/:code/statements/:dealerCode/approve': 'costly',
  'GET /api/v1/programs/:code/accruals': 'costly',
  'GET /api/v1/programs/:code/accrual-journal': 'costly',
  'GET /api/v1/programs/:code/simulation': 'costly',
  'GET /api/v1/programs/:code/reconciliation': 'costly',
  'POST /api/v1/programs/recalculate': 'costly',
  'GET /api/v1/dealers/:code/incentives': 'costly',
  'POST /api/v1/dealers/:code/incentives/what-if': 'costly',
  'POST /api/v1/dealers/:code/incentives/what-if-all': 'costly',
  'POST /api/v1/programs/:code/claims': 'light',
  'GET /api/v1/programs/:code/claims': 'light',
  'POST /api/v1/claims/:id/decision': 'light',
  'GET /api/v1/disputes': 'light',
  'POST /api/v1/disputes': 'light',
  'GET /api/v1/disputes/:id': 'light',
  'POST /api/v1/disputes/:id/messages': 'light',
  'POST /api/v1/disputes/:id/resolve': 'light',
  'GET /api/v1/payouts': 'light',
  'POST /api/v1/payouts': 'costly',
  'GET /api/v1/payouts/preview': 'costly',
  'GET /api/v1/payouts/:code': 'light',
  'GET /api/v1/payouts/:code/export': 'costly',
  'GET /api/v1/payouts/:code/pain001': 'costly',
  'GET /api/v1/payouts/:code/journal': 'costly',
  'POST /api/v1/payouts/:code/paid': 'light',
  'GET /api/v1/dealers/:code/bank-account': 'light',
  'PUT /api/v1/dealers/:code/bank-account': 'light',
  'GET /api/v1/settings/gl-accounts': 'light',
  'PUT /api/v1/settings/gl-accounts': 'light',
  // the inbox reads every module live (tiers within reach through the incentive engine)
  'GET /api/v1/inbox': 'costly',
  // insights
  'GET /api/v1/insights/risks': 'costly',
  'GET /api/v1/insights/risks/:code': 'costly',
  'POST /api/v1/insights/risks/refresh': 'costly',
  'POST /api/v1/insights/risks/calibrate': 'costly', // starts a job (one at a time)
  'GET /api/v1/insights/dealers/:code/outlook': 'costly',
  'GET /api/v1/insights/interventions': 'light',
  'POST /api/v1/insights/interventions': 'light',
  'GET /api/v1/insights/interventions/value': 'costly',
  'GET /api/v1/insights/integrity': 'costly',
  'POST /api/v1/insights/integrity/scan': 'costly',
  'POST /api/v1/insights/integrity/:id/decision': 'costly', // a chargeback recomputes statements
  'GET /api/v1/insights/integrity/settings': 'light',
  'PUT /api/v1/insights/integrity/settings': 'light',
  'GET /api/v1/insights/program-risks': 'costly',
  'GET /api/v1/insights/dealers/:code/program-risks': 'costly',
  'GET /api/v1/insights/performance': 'costly',
  'GET /api/v1/insights/performance/dealers/:code': 'costly',
  'GET /api/v1/insights/performance/dealers/:code/export': 'costly',
  // live updates
  'GET /api/v1/events': 'stream',
  // webhooks (a ping or a replay is an outbound request)
  'GET /api/v1/webhooks': 'light',
  'POST /api/v1/webhooks': 'light',
  'GET /api/v1/webhooks/dead-letters': 'light',
  'GET /api/v1/webhooks/deliveries/:id': 'light',
  'POST /api/v1/webhooks/deliveries/:id/replay': 'costly',
  'GET /api/v1/webhooks/:id': 'light',
  'PATCH /api/v1/webhooks/:id': 'light',
  'DELETE /api/v1/webhooks/:id': 'light',
  'POST /api/v1/webhooks/:id/ping': 'costly',
  'POST /api/v1/webhooks/:id/rotate-secret': 'light',
  'GET /api/v1/webhooks/:id/deliveries': 'light',
  // availability and allocation
  'POST /api/v1/availability/pipeline': 'ingest',
  // 1.2–1.4 s for a region or the network on the reference network (the route sweep)
  'GET /api/v1/availability/vehicles': 'costly',
  'GET /api/v1/availability/vehicles/:vin': 'light',
  'GET /api/v1/availability/dealers/:code': 'light',
  'PATCH /api/v1/availability/dealers/:code/profile': 'light',
  'GET /api/v1/availability/supply-demand': 'costly',
  'GET /api/v1/allocation/settings': 'light',
  'PUT /api/v1/allocation/settings': 'light',
  'POST /api/v1/allocation/what-if': 'costly',
  'GET /api/v1/allocation/runs': 'light',
  'POST /api/v1/allocation/runs': 'costly',
  'GET /api/v1/allocation/runs/:code': 'light',
  'GET /api/v1/allocation/runs/:code/results': 'light',
  'POST /api/v1/allocation/runs/:code/overrides': 'light',
  'POST /api/v1/allocation/runs/:code/publish': 'costly',
  'POST /api/v1/allocation/runs/:code/decisions': 'light',
  'POST /api/v1/allocation/runs/:code/reallocate': 'costly',
  // sustainability
  'GET /api/v1/sustainability/regulations': 'light',
  'POST /api/v1/sustainability/regulations': 'light',
  'GET /api/v1/sustainability/vehicle-data': 'light',
  'PATCH /api/v1/sustainability/vehicle-data/:sku': 'light',
  'GET /api/v1/sustainability/ledger': 'costly',
  'GET /api/v1/sustainability/fleet': 'costly',
  'GET /api/v1/sustainability/zev': 'costly',
  'GET /api/v1/sustainability/dealers/:code': 'costly',
  'GET /api/v1/sustainability/programs': 'costly',
  'POST /api/v1/sustainability/what-if': 'costly',
  // connected vehicles
  'GET /api/v1/connected/consents': 'light',
  'POST /api/v1/connected/consents': 'light',
  'POST /api/v1/connected/consents/revoke': 'light',
  'POST /api/v1/connected/telematics': 'ingest',
  'GET /api/v1/connected/dealers/:code/opportunities': 'costly',
  'GET /api/v1/connected/summary': 'costly',
  // market
  'POST /api/v1/market/registrations': 'ingest',
  'GET /api/v1/market/registrations': 'light',
  'GET /api/v1/market/dealers/:code/areas': 'light',
  'PUT /api/v1/market/dealers/:code/areas': 'light',
  'GET /api/v1/market/effectiveness': 'costly',
};

/**
 * A route's cost: what it declares (`config.cost`), else the table's entry; undefined when neither
 * (tests/route-costs.test.ts fails on such an API route; the limits then treat it as light). A
 * HEAD route is its GET twin.
 */
export function routeCostOf(
  method: string,
  url: string,
  declared: RouteCost | undefined,
): RouteCost | undefined {
  return declared ?? ROUTE_COSTS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/** The routes limited per minute (the `costly` ones of the table). */
export const COSTLY_ROUTES: readonly string[] = Object.entries(ROUTE_COSTS)
  .filter(([, cost]) => cost === 'costly')
  .map(([route]) => route);
