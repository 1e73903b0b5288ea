/**
 * `npm start` on an empty data folder to serving the demo (after `npm install`): spawns the real
 * start script with a fresh DATA_DIR and waits until /api/v1/auth/login accepts the demo admin.
 *
 *   npm run bench -- startup --runs 3
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, machine, median } from './lib';

export async function runStartupBench(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string', default: '3' } } });
  const seconds: number[] = [];
  for (let run = 0; run < Number(values.runs); run++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'forecourt-start-'));
    const port = 3980 + run;
    const env = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    } as Record<string, string>;
    delete env.DATABASE_URL;
    const started = performance.now();
    const child = spawn('npm', ['start'], { env, stdio: 'ignore', detached: true });
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'admin@forecourt.test', password: 'forecourt-demo' }),
        });
        if (res.status === 200) break;
      } catch {
        /* not serving yet */
      }
      if (performance.now() - started > 300_000)
        throw new Error('npm start did not serve within 5 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const s = (performance.now() - started) / 1000;
    seconds.push(s);
    console.log(`  run ${run + 1}: serving the demo after ${fmt(s, 1)} s`);
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    rmSync(dataDir, { recursive: true, force: true });
  }
  const result = {
    bench: 'startup',
    machine: machine(),
    medianSeconds: Number(median(seconds).toFixed(1)),
    runs: seconds.map((s) => Number(s.toFixed(1))),
  };
  console.log(JSON.stringify(result, null, 2));
  return result;
}
