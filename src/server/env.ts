/**
 * The one place that reads process.env. Everything else receives an `Env` object.
 */
import { z } from 'zod';

const booleanString = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/**
 * Whom to believe about the client (X-Forwarded-For, X-Forwarded-Proto): `true` every proxy,
 * `false` none (the default), or a comma-separated list of proxy addresses / CIDR ranges.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v): boolean | string[] => {
    const value = (v ?? '').trim();
    if (value === '' || value === 'false' || value === '0') return false;
    if (value === 'true' || value === '1') return true;
    return value
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  /** a streaming replica of DATABASE_URL for heavy reads (db/read-replica.ts) */
  DATABASE_READ_URL: z.string().url().optional(),
  TEST_DATABASE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  /** how long an API process keeps a signed-in actor (modules/auth/credential-cache.ts); 0: off */
  ACTOR_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
  COOKIE_SECURE: booleanString,
  BODY_LIMIT_MB: z.coerce.number().positive().default(10),
  INGEST_LIMIT_MB: z.coerce.number().positive().default(1024),
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(10),
  LOGIN_ACCOUNT_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  LOGIN_ACCOUNT_WINDOW_MINUTES: z.coerce.number().int().positive().default(15),
  TRUST_PROXY: trustProxy,
  COSTLY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** requests one user or API key may have in progress at once, per process (http/caller-limits.ts) */
  REQUEST_CONCURRENCY_PER_CALLER: z.coerce.number().int().positive().default(32),
  /** of those, costly ones and feed uploads (http/route-costs.ts) */
  COSTLY_CONCURRENCY_PER_CALLER: z.coerce.number().int().positive().default(6),
  /** live event streams (GET /api/v1/events) one user or API key may keep open, per process */
  LIVE_STREAMS_PER_CALLER: z.coerce.number().int().positive().default(8),
  /** the longest one statement of a request may run (PostgreSQL server; 0: no limit). Jobs: none */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** API processes (node:cluster); more than 1 needs DATABASE_URL. */
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  DEMO_SEED: z.coerce.number().int().default(42),
  DEMO_DEALERS: z.coerce.number().int().min(0).default(150),
  DEMO_MONTHS: z.coerce.number().int().min(1).max(120).default(36),
  /**
   * insights (risk-refresh.ts): on a PostgreSQL server, run the program tier risks beside the
   * agreements' risks (1) or after them (0, the default: on 2 cores the database is the
   * bottleneck and side by side was slower, nightly 94.4 s vs 85.8 s; BENCHMARKS.md); PGlite
   * always runs them in turn
   */
  INSIGHTS_OVERLAP: z
    .enum(['1', '0', 'true', 'false'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  REQUIRE_BROWSER: booleanString,
  CI: booleanString,
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  /** webhooks (docs/integration.md): allow private, loopback and link-local targets (tests) */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanString,
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** the first retry's wait; each next one is 4× longer, capped at a day */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(15_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(10),
  /** deliveries one process sends at once */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** days delivered deliveries (and outbox rows no delivery needs) are kept (webhooks.purge) */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** days dead letters are kept after their last attempt */
  WEBHOOK_DEAD_LETTER_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
});

export type Env = z.infer<typeof envSchema>;

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration in the environment:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The process environment, parsed once. */
export function loadEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
