/** Display names for the API's codes. Typed against the shared unions, so a new code fails to compile here. */
import type { TransactionKind } from '../shared/schemas/transactions';
import type { Powertrain } from '../shared/schemas/catalog';

export const KIND_LABELS: Record<TransactionKind, string> = {
  wholesale_order: 'Wholesale order',
  invoice: 'Invoice',
  retail_delivery: 'Retail delivery',
  registration: 'Registration',
  unwind: 'Unwind',
};

/** For narrow table cells. */
export const KIND_SHORT_LABELS: Record<TransactionKind, string> = {
  wholesale_order: 'Order',
  invoice: 'Invoice',
  retail_delivery: 'Delivery',
  registration: 'Registration',
  unwind: 'Unwind',
};

export const KIND_OPTIONS = (Object.keys(KIND_LABELS) as TransactionKind[]).map((value) => ({
  value,
  label: KIND_LABELS[value],
}));

export const POWERTRAIN_LABELS: Record<Powertrain, string> = {
  ICE: 'Combustion (ICE)',
  HEV: 'Hybrid (HEV)',
  PHEV: 'Plug-in hybrid (PHEV)',
  BEV: 'Battery electric (BEV)',
  FCEV: 'Fuel cell (FCEV)',
};

export const POWERTRAIN_COLORS: Record<Powertrain, string> = {
  ICE: 'gray',
  HEV: 'cyan',
  PHEV: 'indigo',
  BEV: 'teal',
  FCEV: 'grape',
};

export const POWERTRAIN_OPTIONS = (Object.keys(POWERTRAIN_LABELS) as Powertrain[]).map((value) => ({
  value,
  label: POWERTRAIN_LABELS[value],
}));

/** The status of a model line or SKU. */
export const CATALOG_STATUS_OPTIONS = [
  { value: 'active', label: 'Active' },
  { value: 'discontinued', label: 'Discontinued' },
];
