/**
 * The database port. Two engines speak the same PostgreSQL dialect behind it: PGlite (embedded,
 * in process) and a PostgreSQL server through node-postgres. Repositories receive a `Queryable`
 * (the pool or a transaction) and only write SQL. Every call runs with the role and scope of the
 * work in progress (scope.ts: the request's actor, or the system), which row-level security applies.
 */
export type Row = Record<string, unknown>;

export type QueryResult<T> = { rows: T[]; rowCount: number };

export type Queryable = {
  query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters. */
  exec(sql: string): Promise<void>;
  /** COPY ... FROM STDIN with the given CSV chunks (each chunk whole lines). */
  copyFrom(sql: string, chunks: AsyncIterable<string> | Iterable<string>): Promise<void>;
  /**
   * COPY ... TO STDOUT: the output as it streams (PGlite gives it in one piece). Read it to the
   * end: stopping early discards the connection.
   */
  copyTo(sql: string): AsyncIterable<Uint8Array>;
};

export type Db = Queryable & {
  readonly engine: 'pglite' | 'postgres';
  /** the server's URL (PostgreSQL only): for what keeps connections of its own (the job queue) */
  readonly connectionString?: string;
  /** Runs `fn` in one database transaction; rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * LISTEN on `channel`: `onMessage` gets the payload of every NOTIFY on it (from any process on
   * the same database) once the NOTIFY's transaction commits. Resolves when listening; the result
   * stops it. `close()` stops every listener. `onState(false)`: the listening connection was lost
   * (NOTIFYs sent meanwhile are missed); `onState(true)`: listening again.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onState?: (isListening: boolean) => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
};

/**
 * Quotes a value for a CSV COPY line (PostgreSQL CSV format; empty unquoted = NULL). Quotes are
 * doubled by split and join: on JSON text (a quote every few characters) a global regular
 * expression replace took three to four times as long, and the nightly risk run quotes
 * hundreds of megabytes of it.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (value === '') return '""';
  return /[",\n\r]/.test(value) ? `"${value.split('"').join('""')}"` : value;
}
