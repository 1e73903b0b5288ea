/**
 * A promise awaited later: its rejection is handled now (never an unhandled rejection while the
 * caller is busy elsewhere) and surfaces where it is awaited (the program risks' overlapped
 * writes, risk-refresh.ts's read-ahead).
 */
export const observed = <T>(p: Promise<T>): Promise<T> => {
  p.catch(() => undefined);
  return p;
};
