/** Outline icons of the incentive screens (24×24, stroke = currentColor). */
import { makeIcon } from '../icons';

export const IconGift = makeIcon([
  'M3 8h18v4h-18z',
  'M12 8v13',
  'M19 12v7a2 2 0 0 1-2 2h-10a2 2 0 0 1-2-2v-7',
  'M7.5 8a2.5 2.5 0 0 1 0-5c1.5 0 3.5 2 4.5 5c1-3 3-5 4.5-5a2.5 2.5 0 0 1 0 5',
]);

export const IconTrophy = makeIcon([
  'M8 21h8',
  'M12 17v4',
  'M7 4h10',
  'M17 4v8a5 5 0 0 1-10 0v-8',
  'M5 9a2 2 0 1 1 0-4h2',
  'M19 9a2 2 0 1 0 0-4h-2',
]);
