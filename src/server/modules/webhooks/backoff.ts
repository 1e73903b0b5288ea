/**
 * The retry schedule. After failed attempt n (1-based) the next waits
 * `min(base × 4^(n−1), 24 h)`; with the default base of 15 s and 10 attempts the waits are
 * 15 s, 1 min, 4 min, 16 min, 64 min, ~4.3 h, ~17 h, 24 h, 24 h: the last attempt comes about
 * 2.95 days after the first. After the last attempt the delivery is dead (the dead-letter list).
 */
export const DEFAULT_RETRY_BASE_MS = 15_000;
export const DEFAULT_MAX_ATTEMPTS = 10;
export const MAX_RETRY_DELAY_MS = 24 * 60 * 60 * 1000;

/** Milliseconds to wait after failed attempt `attempt` (1-based). */
export function retryDelayMs(attempt: number, baseMs = DEFAULT_RETRY_BASE_MS): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be ≥ 1');
  return Math.min(baseMs * 4 ** (attempt - 1), MAX_RETRY_DELAY_MS);
}

/** The waits between the attempts of a whole schedule (one fewer than the attempts). */
export function retrySchedule(
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
  baseMs = DEFAULT_RETRY_BASE_MS,
): number[] {
  return Array.from({ length: maxAttempts - 1 }, (_, i) => retryDelayMs(i + 1, baseMs));
}

export type AttemptOutcome = 'delivered' | 'gone' | 'failed';

/** 2xx is delivered; 410 Gone disables the subscription; anything else (or no answer) retries. */
export function outcomeOf(statusCode: number | null): AttemptOutcome {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 410) return 'gone';
  return 'failed';
}
