import { z } from 'zod';
import { page } from './common';
import { dealerMonthlyActualsSchema, dealerSchema } from './network';
import { transactionSchema } from './transactions';

/** The most recent transactions the dealer home shows. */
export const DEALER_HOME_RECENT = 10;

/**
 * What the dealer home shows, in one answer: the dealer, its monthly actuals by model line (retail
 * deliveries net of unwinds, the last 24 months) and its newest transactions. The same parts as
 * `GET /dealers/{code}`, `GET /dealers/{code}/actuals/monthly` and
 * `GET /transactions?dealer={code}&limit=10`, which stay for API clients.
 */
export const dealerHomeSchema = z
  .object({
    dealer: dealerSchema,
    actuals: dealerMonthlyActualsSchema,
    recentTransactions: page(transactionSchema),
  })
  .meta({ id: 'DealerHome' });
export type DealerHome = z.infer<typeof dealerHomeSchema>;
