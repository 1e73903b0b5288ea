/**
 * For every parameterised API route: parameters that point at dealer A's data (or, for shared
 * resources, at any existing one). tests/routes-guarded.test.ts fails when a route is missing here,
 * so each new route is walked by the isolation test. Extend it with every route you add.
 */
export const PARAMS_POINTING_AT_A: Record<string, Record<string, string>> = {
  '/api/v1/regions/:code': { code: 'US-W' },
  '/api/v1/dealer-groups/:code': { code: 'G1' },
  '/api/v1/dealers/:code': { code: 'DLR-ALPHA' },
  '/api/v1/dealers/:code/actuals/monthly': { code: 'DLR-ALPHA' },
  '/api/v1/dealers/:code/home': { code: 'DLR-ALPHA' },
  '/api/v1/model-lines/:code': { code: 'ML-AURA' },
  '/api/v1/skus/:code': { code: 'AURA-LX-ICE' },
  '/api/v1/skus/:code/prices': { code: 'AURA-LX-ICE' },
  '/api/v1/users/:id': { id: '__USER_A__' },
  '/api/v1/api-keys/:id': { id: '__KEY_A__' },
  '/api/v1/api-keys/:id/revoke': { id: '__KEY_A__' },
};

PARAMS_POINTING_AT_A['/api/v1/jobs/:id'] = { id: '1' };

/** Query strings that aim list routes at dealer A. */
export const QUERY_POINTING_AT_A: Record<string, string> = {
  '/api/v1/dealers': '?q=Alpha',
  '/api/v1/transactions': '?dealer=DLR-ALPHA',
  '/api/v1/transactions/export': '?dealer=DLR-ALPHA',
  '/api/v1/actuals/regions': '?region=US-W',
};

/** Strings that only dealer A's data contains. */
export const MARKERS_OF_A = ['DLR-ALPHA', 'Dealer Alpha Motors', 'ALPHA-EXT-', '1ALPHA0V1N0000001'];

/** Agreement routes point at dealer A's agreement (created by the walk's setup). */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/agreements/:id': { id: '__AGREEMENT_A__' },
  ...Object.fromEntries(
    ['propose', 'accept', 'return', 'approve', 'reject', 'cancel'].map((t) => [
      `/api/v1/agreements/:id/${t}`,
      { id: '__AGREEMENT_A__' },
    ]),
  ),
  '/api/v1/agreements/:id/revisions': { id: '__AGREEMENT_A__' },
  ...Object.fromEntries(
    ['accept', 'approve', 'reject'].map((d) => [
      `/api/v1/agreements/:id/revisions/:revisionId/${d}`,
      { id: '__AGREEMENT_A__', revisionId: '__REVISION_A__' },
    ]),
  ),
  '/api/v1/agreements/:id/versions': { id: '__AGREEMENT_A__' },
  '/api/v1/agreements/:id/versions/:versionNo': { id: '__AGREEMENT_A__', versionNo: '1' },
  '/api/v1/agreements/:id/progress': { id: '__AGREEMENT_A__' },
  '/api/v1/agreements/:id/renew': { id: '__AGREEMENT_A__' },
  '/api/v1/agreements/:id/expectations': { id: '__AGREEMENT_A__' },
  '/api/v1/agreements/:id/planning-help': { id: '__AGREEMENT_A__' },
});
Object.assign(QUERY_POINTING_AT_A, {
  '/api/v1/agreements': '?dealer=DLR-ALPHA',
  '/api/v1/agreements/export': '?dealer=DLR-ALPHA',
  '/api/v1/agreements/planning-help':
    '?dealerCode=DLR-ALPHA&startMonth=2026-01&months=12&target=model_line:ML-AURA',
  '/api/v1/agreements/rollup': '?by=region&dealer=DLR-ALPHA',
});
MARKERS_OF_A.push('"agreementCode":"AG-', 'AG-000001');

/** Forecast routes point at cycle 1 (created by the walk's setup) and dealer A's cells. */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/forecasts/cycles/:id': { id: '1' },
  '/api/v1/forecasts/cycles/:id/:transition': { id: '1', transition: 'lock' },
  '/api/v1/forecasts/cycles/:id/dealers/:dealerCode': { id: '1', dealerCode: 'DLR-ALPHA' },
  '/api/v1/forecasts/cycles/:id/dealers/:dealerCode/cells': { id: '1', dealerCode: 'DLR-ALPHA' },
  '/api/v1/forecasts/cycles/:id/dealers/:dealerCode/cells/override': {
    id: '1',
    dealerCode: 'DLR-ALPHA',
  },
  '/api/v1/forecasts/cycles/:id/dealers/:dealerCode/cells/accept': {
    id: '1',
    dealerCode: 'DLR-ALPHA',
  },
  '/api/v1/forecasts/cycles/:id/rollup': { id: '1' },
  '/api/v1/forecasts/cycles/:id/adjustments': { id: '1' },
  '/api/v1/forecasts/cycles/:id/adjustments/accept': { id: '1' },
  '/api/v1/forecasts/cycles/:id/demand-plan': { id: '1' },
});

/** Incentive routes point at program PRG-A (created by the walk's setup) and dealer A's statements. */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/programs/:code': { code: 'PRG-A' },
  '/api/v1/programs/:code/publish': { code: 'PRG-A' },
  '/api/v1/programs/:code/simulation': { code: 'PRG-A' },
  '/api/v1/programs/:code/versions': { code: 'PRG-A' },
  '/api/v1/programs/:code/close': { code: 'PRG-A' },
  '/api/v1/programs/:code/statements': { code: 'PRG-A' },
  '/api/v1/programs/:code/statements/:dealerCode': { code: 'PRG-A', dealerCode: 'DLR-ALPHA' },
  '/api/v1/programs/:code/statements/:dealerCode/export': {
    code: 'PRG-A',
    dealerCode: 'DLR-ALPHA',
  },
  '/api/v1/programs/:code/statements/:dealerCode/pdf': {
    code: 'PRG-A',
    dealerCode: 'DLR-ALPHA',
  },
  '/api/v1/programs/:code/statements/:dealerCode/approve': {
    code: 'PRG-A',
    dealerCode: 'DLR-ALPHA',
  },
  '/api/v1/programs/:code/periods': { code: 'PRG-A' },
  '/api/v1/programs/:code/periods/close': { code: 'PRG-A' },
  '/api/v1/programs/:code/periods/approve': { code: 'PRG-A' },
  '/api/v1/programs/:code/periods/:period/settlement-preview': { code: 'PRG-A', period: '2026-03' },
  '/api/v1/programs/:code/accruals': { code: 'PRG-A' },
  '/api/v1/programs/:code/reconciliation': { code: 'PRG-A' },
  '/api/v1/programs/:code/claims': { code: 'PRG-A' },
  '/api/v1/dealers/:code/incentives': { code: 'DLR-ALPHA' },
  '/api/v1/dealers/:code/incentives/what-if': { code: 'DLR-ALPHA' },
  '/api/v1/dealers/:code/incentives/what-if-all': { code: 'DLR-ALPHA' },
  '/api/v1/claims/:id/decision': { id: '1' },
  '/api/v1/disputes/:id': { id: '1' },
  '/api/v1/disputes/:id/messages': { id: '1' },
  '/api/v1/disputes/:id/resolve': { id: '1' },
  '/api/v1/payouts/:code': { code: 'PAY-X' },
  '/api/v1/payouts/:code/export': { code: 'PAY-X' },
  '/api/v1/payouts/:code/paid': { code: 'PAY-X' },
});
Object.assign(QUERY_POINTING_AT_A, { '/api/v1/programs/:code/statements': '?period=2026-03' });
Object.assign(QUERY_POINTING_AT_A, { '/api/v1/programs/:code/reconciliation': '?period=2026-03' });

/** Availability routes point at dealer A's vehicle and the published run A has units in. */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/availability/vehicles/:vin': { vin: '1ALPHA0V1N0000001' },
  '/api/v1/availability/dealers/:code': { code: 'DLR-ALPHA' },
  '/api/v1/availability/dealers/:code/profile': { code: 'DLR-ALPHA' },
  ...Object.fromEntries(
    ['', '/results', '/overrides', '/publish', '/decisions', '/reallocate'].map((p) => [
      `/api/v1/allocation/runs/:code${p}`,
      { code: '__ALLOCATION_RUN__' },
    ]),
  ),
});
Object.assign(QUERY_POINTING_AT_A, {
  '/api/v1/availability/vehicles': '?dealer=DLR-ALPHA',
  '/api/v1/allocation/runs': '?modelLine=ML-AURA',
});

/** Routes that stream without end (server-sent events): the walk reads their first moment only. */
export const STREAMING_ROUTES = new Set(['/api/v1/events']);

/** Webhook routes (administrators only): subscription 1 and delivery 1 (need not exist). */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/webhooks/:id': { id: '1' },
  '/api/v1/webhooks/:id/ping': { id: '1' },
  '/api/v1/webhooks/:id/rotate-secret': { id: '1' },
  '/api/v1/webhooks/:id/deliveries': { id: '1' },
  '/api/v1/webhooks/deliveries/:id': { id: '1' },
  '/api/v1/webhooks/deliveries/:id/replay': { id: '1' },
});
/** Integration files (issue 15): bank details of dealer A, payout files and GL journals. */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/dealers/:code/bank-account': { code: 'DLR-ALPHA' },
  '/api/v1/payouts/:code/pain001': { code: 'PAY-X' },
  '/api/v1/payouts/:code/journal': { code: 'PAY-X' },
  '/api/v1/programs/:code/accrual-journal': { code: 'PRG-A' },
  '/api/v1/forecasts/cycles/:id/production-plan': { id: '1' },
});
Object.assign(QUERY_POINTING_AT_A, {
  '/api/v1/programs/:code/accrual-journal': '?month=2026-03',
});
/** Sustainability and connected vehicles (issue 17). */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/sustainability/dealers/:code': { code: 'DLR-ALPHA' },
  '/api/v1/sustainability/vehicle-data/:sku': { sku: 'AURA-EX-BEV' },
  '/api/v1/connected/dealers/:code/opportunities': { code: 'DLR-ALPHA' },
});
Object.assign(QUERY_POINTING_AT_A, {
  '/api/v1/sustainability/dealers/:code': '?market=US-ZEV',
  '/api/v1/sustainability/ledger': '?market=US-ZEV&dealer=DLR-ALPHA',
  '/api/v1/sustainability/fleet': '?market=EU',
  '/api/v1/sustainability/zev': '?market=US-ZEV',
  '/api/v1/sustainability/programs': '?market=EU',
  '/api/v1/connected/consents': '?dealer=DLR-ALPHA',
});
/** Insights (issue 14): A's agreement risk and outlook; the board and interventions aimed at A. */
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/insights/risks/:code': { code: 'AG-000001' },
  '/api/v1/insights/dealers/:code/outlook': { code: 'DLR-ALPHA' },
});
Object.assign(QUERY_POINTING_AT_A, {
  '/api/v1/insights/risks': '?dealer=DLR-ALPHA',
  '/api/v1/insights/interventions': '?dealer=DLR-ALPHA',
});
// Program tier risks (issue 14 §1): A's programs, and the list aimed at A.
PARAMS_POINTING_AT_A['/api/v1/insights/dealers/:code/program-risks'] = { code: 'DLR-ALPHA' };
QUERY_POINTING_AT_A['/api/v1/insights/program-risks'] = '?dealer=DLR-ALPHA';
PARAMS_POINTING_AT_A['/api/v1/insights/integrity/:id/decision'] = { id: '1' };
Object.assign(QUERY_POINTING_AT_A, { '/api/v1/insights/integrity': '?status=open' });

// Issue 14 §2–3: the market, dealers' areas, high performers and their decomposition.
Object.assign(PARAMS_POINTING_AT_A, {
  '/api/v1/market/dealers/:code/areas': { code: 'DLR-ALPHA' },
  '/api/v1/insights/performance/dealers/:code': { code: 'DLR-ALPHA' },
  '/api/v1/insights/performance/dealers/:code/export': { code: 'DLR-ALPHA' },
});
Object.assign(QUERY_POINTING_AT_A, {
  '/api/v1/market/effectiveness': '?dealer=DLR-ALPHA',
  '/api/v1/market/registrations': '?dealer=DLR-ALPHA',
  '/api/v1/insights/performance': '?from=2026-01&to=2026-03',
});
