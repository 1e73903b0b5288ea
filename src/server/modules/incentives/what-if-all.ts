/**
 * What-if across all programs (issue 13): "5 more BEVs" tried on every program the dealer is in.
 * The programs are the dealer's own incentives list (published, in force, eligible, visible to
 * the caller); each is answered by the single-program what-if (the same engine calls), with one
 * template SKU taken from the catalog for all of them (of a model line still on sale when one
 * matches the filters).
 */
import { AppError } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type { WhatIfAllBody } from '../../../shared/schemas/incentives';
import type { Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { hasSaleEnded } from '../catalog/model-line-sale';
import { createIncentivesRepository } from './incentives.repository';
import type { createIncentivesService } from './incentives.service';

type Incentives = Pick<
  ReturnType<typeof createIncentivesService>,
  'getDealerIncentives' | 'whatIf'
>;

export function createWhatIfAll(deps: {
  db: Queryable;
  incentives: Incentives;
  /** Today (the services' clock): a model line whose end of sale is before it has ended. */
  today: () => string;
}) {
  return {
    async whatIfAll({
      actor,
      dealerCode,
      data,
    }: {
      actor: Actor;
      dealerCode: string;
      data: WhatIfAllBody;
    }) {
      // scope, permission and the program-visibility filter: the dealer's incentives list
      const list = await deps.incentives.getDealerIncentives({ actor, dealerCode });
      const repo = createIncentivesRepository(deps.db);
      const today = deps.today();
      const [skus, salesEnds] = await Promise.all([repo.findSkus(), repo.findModelLineSalesEnds()]);
      // The template: the first SKU (by code) that matches every filter given, of a model line
      // still on sale today (its planned end of sale not passed) when one matches: units of a
      // line that can no longer be sold are no plan. Only the SKUs of ended lines matching, the
      // first of them (the caller asked for exactly that line, SKU or powertrain).
      const rank = (s: { code: string; modelLineCode: string }) =>
        `${hasSaleEnded(salesEnds.get(s.modelLineCode), today) ? 1 : 0} ${s.code}`;
      const template = skus
        .filter(
          (s) =>
            (data.sku === undefined || s.code === data.sku) &&
            (data.modelLine === undefined || s.modelLineCode === data.modelLine) &&
            (data.powertrain === undefined || s.powertrain === data.powertrain),
        )
        .sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0))[0];
      if (!template) {
        const path = data.sku ? 'body.sku' : data.modelLine ? 'body.modelLine' : 'body.powertrain';
        const message = 'no SKU of the catalog matches sku, modelLine and powertrain';
        throw new AppError('VALIDATION_FAILED', `${path}: ${message}`, {
          problems: [{ path, code: 'unknown_code', message }],
        });
      }
      const programs = [];
      const totals = new Map<string, Dec>();
      for (const p of list.programs) {
        const r = await deps.incentives.whatIf({
          actor,
          dealerCode,
          data: {
            programCode: p.programCode,
            quantity: data.quantity,
            sku: template.code,
            ...(data.amountPerUnit !== undefined ? { amountPerUnit: data.amountPerUnit } : {}),
          },
        });
        programs.push({
          programCode: p.programCode,
          name: p.programName,
          currency: r.before.currency,
          period: r.before.period,
          before: r.before.earned,
          after: r.after.earned,
          added: r.addedEarned,
        });
        totals.set(
          r.before.currency,
          (totals.get(r.before.currency) ?? new Dec(0)).plus(r.addedEarned),
        );
      }
      return {
        dealerCode: list.dealerCode,
        template: {
          sku: template.code,
          modelLine: template.modelLineCode,
          powertrain: template.powertrain,
        },
        programs,
        totals: [...totals]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([currency, added]) => ({ currency, added: moneyString(added, currency) })),
      };
    },
  };
}
