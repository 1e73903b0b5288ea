/**
 * The row shapes of the incentive engine's SQL and the whole repository in one object (issue 19:
 * the SQL lives per concern, in programs.repository.ts, incentives-context.repository.ts,
 * statements.repository.ts and settlement-writes.repository.ts). Tenant queries take the
 * actor's scope (scopeSql on dealers d).
 */
import type { Queryable } from '../../db/db';
import type { ProgramDefinition } from '../../../shared/schemas/program';
import { createIncentivesContextRepository } from './incentives-context.repository';
import { createProgramsRepository } from './programs.repository';
import { createSettlementWritesRepository } from './settlement-writes.repository';
import { createStatementsRepository } from './statements.repository';

export type ProgramRow = {
  id: number;
  code: string;
  status: 'draft' | 'published' | 'closed';
  createdById: number | null;
  createdBy: string;
};

export type VersionRow = {
  programId: number;
  versionNo: number;
  effectiveFrom: string;
  status: 'draft' | 'published';
  definition: ProgramDefinition;
  sha256: string | null;
  warnings: { path: string; code: string; message: string }[];
  publishedBy: string | null;
  publishedAt: string | null;
};

export type DealerRow = {
  id: number;
  code: string;
  name: string;
  status: 'active' | 'inactive';
  regionPath: string;
  dealerGroupCode: string | null;
  erpVendorId: string | null;
};

export type SkuRow = {
  id: number;
  code: string;
  modelLineCode: string;
  powertrain: 'ICE' | 'HEV' | 'PHEV' | 'BEV';
  segment: string;
  msrp: string;
  /** WLTP CO2 g/km (an integer). */
  co2GPerKm: number;
};

export type TxRow = {
  id: string;
  dealerId: number;
  skuId: number;
  kind: string;
  vin: string | null;
  quantity: number;
  amount: string;
  currency: string;
  occurredOn: string;
  receivedOn: string | null;
  externalId: string | null;
  /** An unwind: the sale it reverses (its externalId), when the feed named it. */
  originalExternalId?: string | null;
  /** Its retail delivery report (or, for an unwind, that of the sale it reverses): sale rules. */
  saleCategory?: string | null;
  buyerType?: string | null;
};

import type { AgreementPlanRow } from './agreement-plans';
export type { AgreementPlanRow };

/** What to load for one program and settlement: dates, SKUs, kinds, claims. */
export type LoadSpec = {
  programId: number;
  dealerIds: number[] | null;
  from: string;
  cutoff: string;
  skuIds: number[];
  kinds: string[];
  requiresClaim: boolean;
  /** Only rows stored up to this transaction id (a closed period: the feed at its close). */
  maxFeedId?: string | null;
  /** Join each row's retail delivery report (the program has sale rules). */
  withSale?: boolean;
};

/** Every part of the incentive SQL (for the readers that take from several). */
export function createIncentivesRepository(db: Queryable) {
  return {
    ...createProgramsRepository(db),
    ...createIncentivesContextRepository(db),
    ...createStatementsRepository(db),
    ...createSettlementWritesRepository(db),
  };
}
