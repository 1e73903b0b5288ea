/**
 * Benchmark plumbing: fresh databases, the server as a child process (so its memory can be read),
 * medians, and the machine description for BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Db } from '../src/server/db/db';
import { migrate } from '../src/server/db/migrate';
import { openPglite } from '../src/server/db/pglite';
import { openPostgres } from '../src/server/db/postgres';

export type BenchEngine = 'postgres' | 'pglite';

export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'cpu'} × ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export type BenchDatabase = {
  engine: BenchEngine;
  db: Db;
  url?: string;
  dataDir?: string;
  drop: () => Promise<void>;
  reopen: () => Promise<Db>;
};

/** A new, migrated database: a fresh database on the server, or a PGlite data folder. */
export async function createBenchDatabase(engine: BenchEngine): Promise<BenchDatabase> {
  if (engine === 'pglite') {
    // the server keeps its PGlite files in DATA_DIR/pglite (bootstrap.ts): the same place here
    const dataDir = mkdtempSync(join(tmpdir(), 'forecourt-bench-'));
    const files = join(dataDir, 'pglite');
    const db = await openPglite(files);
    await migrate(db);
    return { engine, db, dataDir, drop: async () => undefined, reopen: () => openPglite(files) };
  }
  const name = `forecourt_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const db = await openPostgres(url.toString(), 8);
  await migrate(db);
  return {
    engine,
    db,
    url: url.toString(),
    reopen: () => openPostgres(url.toString(), 8),
    drop: () => dropDatabase(url.toString()),
  };
}

/** Drops a bench database on the server, given its URL. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const a = new pg.Client({ connectionString: SERVER_URL });
  await a.connect();
  await a.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await a.end();
}

/** An existing, already seeded database on the server (kept: `drop` does nothing). */
export async function reuseBenchDatabase(url: string): Promise<BenchDatabase> {
  const db = await openPostgres(url, 8);
  await migrate(db);
  return {
    engine: 'postgres',
    db,
    url,
    reopen: () => openPostgres(url, 8),
    drop: async () => undefined,
  };
}

export type ServerProcess = {
  child: ChildProcess;
  url: string;
  pid: number;
  stop: () => Promise<void>;
};

/** Starts `src/server/main.ts` as a child process against the given database. */
export async function startServer(options: {
  databaseUrl?: string;
  dataDir?: string;
  port: number;
  extraEnv?: Record<string, string>;
}): Promise<ServerProcess> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(options.port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DEMO_DEALERS: '0',
    NODE_ENV: 'production',
    // a load test drives many connections as one user or key: the per-caller caps would refuse them
    REQUEST_CONCURRENCY_PER_CALLER: '100000',
    COSTLY_CONCURRENCY_PER_CALLER: '100000',
    ...(options.extraEnv ?? {}),
  };
  delete env.DATABASE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (options.dataDir) env.DATA_DIR = options.dataDir;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${options.port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Resident memory of a process in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/**
 * CPU seconds (user + system) used so far by every process of a command name on this machine
 * and by their children that ended (Linux /proc; `postgres`: the local database server, whose
 * postmaster collects the time of every backend that exited). A difference of two readings is
 * the server's work in between for all its clients, not only the bench's: keep other clients of
 * the server quiet while measuring.
 */
export function cpuSecondsOf(command: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== command) continue;
      // fields after the command's closing parenthesis: state is the 3rd, utime the 14th
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, and cutime, cstime (the ended children's, waited for)
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      /* exited */
    }
  }
  return ticks / 100; // USER_HZ
}

/** Samples a process's RSS every `ms` until stopped; returns the peak. */
export function sampleRss(pid: number, ms = 50) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      /* exited */
    }
  }, ms);
  return { stop: () => (clearInterval(timer), peak) };
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** One load run's figures (autocannon): requests a second and latency in ms. */
export type LoadRun = {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
};

/**
 * `connections` clients sending GETs for `seconds`, each set up once: its path (or the paths a page
 * reads, sent in turn) and its cookie.
 */
export async function loadTest(
  url: string,
  connections: number,
  seconds: number,
  setup: (index: number) => { path: string | string[]; cookie?: string },
): Promise<LoadRun> {
  const { default: autocannon } = await import('autocannon');
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        setupClient: (client) => {
          const { path, cookie } = setup(next++ % connections);
          client.setHeaders(cookie ? { cookie } : {});
          const paths = typeof path === 'string' ? [path] : path;
          client.setRequests(paths.map((p) => ({ method: 'GET', path: p })));
        },
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          max: result.latency.max,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      },
    );
  });
}
