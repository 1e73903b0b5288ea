import { SYSTEM_ACTOR, type Actor } from '../../src/server/auth/actor';
import type { Services } from '../../src/server/services';

/** Channel manager and finance actors for service-level setup (the drafter and the approver differ). */
export const DRAFTER: Actor = { ...SYSTEM_ACTOR, id: -1, name: 'drafter', role: 'channel_manager' };
export const APPROVER: Actor = { ...SYSTEM_ACTOR, id: -2, name: 'approver', role: 'oem_admin' };
export const DEALER_A: Actor = {
  kind: 'user',
  id: -3,
  name: 'dealer A',
  role: 'dealer_principal',
  scope: { kind: 'dealers', dealerIds: [], dealerCodes: ['DLR-ALPHA'], label: 'DLR-ALPHA' },
  csrfToken: null,
};

/** Drafts, proposes, accepts and approves an agreement for dealer A through the services. */
export async function activeAgreementForA(
  services: Services,
  lines = [
    {
      target: { kind: 'model_line' as const, code: 'ML-AURA' },
      total: 120,
      spread: 'even' as const,
    },
  ],
) {
  const ids = await services.db.query<{ id: number }>(
    `select id from dealers where code = 'DLR-ALPHA'`,
  );
  const dealer: Actor = {
    ...DEALER_A,
    scope: {
      kind: 'dealers',
      dealerIds: [ids.rows[0]!.id],
      dealerCodes: ['DLR-ALPHA'],
      label: 'DLR-ALPHA',
    },
  };
  let a = await services.agreements.createAgreement({
    actor: DRAFTER,
    data: {
      dealerCode: 'DLR-ALPHA',
      startMonth: '2026-01',
      months: 12,
      frequency: 'monthly',
      countedKinds: ['retail_delivery', 'unwind'],
      lines,
    },
  });
  a = await services.agreements.transition({
    actor: DRAFTER,
    id: a.id,
    transition: 'propose',
    version: a.version,
  });
  a = await services.agreements.transition({
    actor: dealer,
    id: a.id,
    transition: 'accept',
    version: a.version,
  });
  a = await services.agreements.transition({
    actor: APPROVER,
    id: a.id,
    transition: 'approve',
    version: a.version,
  });
  return a;
}
