/** Display names and colours for the forecast cycle's codes. */
import type {
  AdjustReason,
  CycleStatus,
  CycleTransition,
  ForecastStep,
} from '../../../shared/schemas/forecasts';
import { formatMonthLong } from '../../format';

export const REASON_LABELS: Record<AdjustReason, string> = {
  local_demand: 'Local demand',
  fleet_deal: 'Fleet deal',
  ev_adoption: 'EV adoption',
  competitor: 'Competitor activity',
  supply: 'Supply / allocation',
  other: 'Other',
};

export function reasonLabel(reason: string | null): string {
  if (!reason) return '–';
  return REASON_LABELS[reason as AdjustReason] ?? reason;
}

export const STATUS_LABELS: Record<CycleStatus, string> = {
  open: 'Building',
  adjusting: 'Adjusting',
  review: 'In review',
  locked: 'Locked',
  published: 'Published',
};

export const STATUS_COLORS: Record<CycleStatus, string> = {
  open: 'gray',
  adjusting: 'blue',
  review: 'orange',
  locked: 'teal',
  published: 'green',
};

export const TRANSITION_LABELS: Record<CycleTransition, string> = {
  'close-window': 'Close adjustment window',
  lock: 'Lock consensus',
  publish: 'Publish',
};

export const TRANSITION_DESCRIPTIONS: Record<CycleTransition, string> = {
  'close-window':
    'Dealers can no longer adjust their cells. Regional managers keep reviewing (accept or override) until the cycle is locked.',
  lock: 'The consensus of every cell is frozen as this cycle’s snapshot: no adjustment, override or acceptance changes it afterwards. The demand plan becomes available. This cannot be undone.',
  publish:
    'The locked consensus is published to production planning. Accuracy is measured against it as actuals arrive.',
};

/** Which transitions a cycle in `status` allows (the server checks again). */
export function allowedTransitions(status: CycleStatus): CycleTransition[] {
  if (status === 'adjusting') return ['close-window', 'lock'];
  if (status === 'review') return ['lock'];
  if (status === 'locked') return ['publish'];
  return [];
}

export const STEP_LABELS: Record<ForecastStep, string> = {
  spreadsheet: 'Spreadsheet method',
  baseline: 'Statistical baseline',
  adjusted: 'Dealer-adjusted',
  consensus: 'Consensus',
};

export const STEP_COLORS: Record<ForecastStep, string> = {
  spreadsheet: 'gray.5',
  baseline: 'blue.6',
  adjusted: 'orange.6',
  consensus: 'teal.6',
};

export function cycleTitle(cycle: { cycleMonth: string }): string {
  return `${formatMonthLong(cycle.cycleMonth)} cycle`;
}

/** Edits name their actor as `user:<id>:<name>` (or `key:…`); people read the name. */
export function actorName(actor: string | null): string {
  if (!actor) return '–';
  const parts = actor.split(':');
  return parts.length >= 3 ? parts.slice(2).join(':') : actor;
}

/** The colour of a cell's review: overridden, accepted, else `otherwise` (still to review). */
export function reviewColor(status: string, otherwise: string): string {
  return status === 'overridden' ? 'grape' : status === 'accepted' ? 'teal' : otherwise;
}
