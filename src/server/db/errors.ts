import { AppError } from '../../shared/errors';

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

/**
 * Runs an insert and turns a unique-key violation into a 409 ALREADY_EXISTS; with `path` (the
 * body field that holds the key, e.g. `body.code`) the answer names it, so a form shows it there.
 */
export async function translateUnique<T>(
  what: string,
  key: string,
  work: () => Promise<T>,
  path?: string,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) {
      const message = `${what} ${key} already exists`;
      throw new AppError('ALREADY_EXISTS', message, {
        what,
        key,
        ...(path ? { problems: [{ path, code: 'already_exists', message }] } : {}),
      });
    }
    throw error;
  }
}

/** The connection under a transaction or a COPY was lost (the server ended it): nothing committed. */
export class ConnectionLostError extends Error {
  readonly code = 'CONNECTION_LOST';

  constructor(cause: unknown) {
    super(`The database connection was lost: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
    this.name = 'ConnectionLostError';
  }
}

/**
 * A lost database connection: the adapter saw it (ConnectionLostError), the server ended it (a
 * terminated backend, a shutdown or failover: SQLSTATE 57P01–57P03, class 08), or node-postgres
 * found it ended.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if ('severity' in error && typeof code === 'string' && /^(08...|57P0[123])$/.test(code))
    return true;
  return (
    typeof message === 'string' &&
    /^(Connection terminated|Client has encountered a connection error)/.test(message)
  );
}

/**
 * A statement the server cancelled (SQLSTATE 57014): the request's statement timeout
 * (DATABASE_STATEMENT_TIMEOUT_MS, db/scope.ts) or an operator's pg_cancel_backend.
 */
export function isStatementCancelled(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'severity' in error &&
    (error as { code?: unknown }).code === '57014'
  );
}
