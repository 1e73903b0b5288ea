/** Outline icons of the forecast screens (24×24, stroke = currentColor). */
import { makeIcon } from '../icons';

/** A rising line with a dashed continuation: forecasts. */
export const IconTrendUp = makeIcon(['M3 17l6-6 4 4 8-8', 'M14 7h7v7']);
/** A checklist: the regional review. */
export const IconChecklist = makeIcon([
  'M9.6 18h-5.6a1 1 0 0 1-1-1v-12a1 1 0 0 1 1-1h12a1 1 0 0 1 1 1v6',
  'M14 19l2 2 4-4',
  'M7 8h6',
  'M7 12h4',
]);
/** A target: accuracy. */
export const IconTarget = makeIcon([
  'M11 12a1 1 0 1 0 2 0a1 1 0 1 0-2 0',
  'M7 12a5 5 0 1 0 10 0a5 5 0 1 0-10 0',
  'M3 12a9 9 0 1 0 18 0a9 9 0 1 0-18 0',
]);
