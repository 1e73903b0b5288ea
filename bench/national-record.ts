/**
 * The national bench's figures as they are measured: each is printed and written at once to
 * `bench/results/national-<start>.json` (the whole run so far), so a run that is stopped, or that
 * fails in a later step, keeps every figure it measured. The run's final result still goes to
 * `bench/results/national.json` (bench/run.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export type Recorder = {
  /** Sets `path` (dot separated) to `value`, prints it and saves the run so far. */
  record(path: string, value: unknown): void;
  /** The run so far. */
  readonly result: Record<string, unknown>;
  readonly file: string;
};

export function createRecorder(result: Record<string, unknown>): Recorder {
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = new URL(`national-${stamp}.json`, dir);
  const save = () => writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  save();
  return {
    result,
    file: file.pathname,
    record(path, value) {
      const keys = path.split('.');
      let at = result;
      for (const k of keys.slice(0, -1)) {
        const next = at[k];
        if (typeof next === 'object' && next !== null) at = next as Record<string, unknown>;
        else at = at[k] = {};
      }
      at[keys.at(-1)!] = value;
      console.log(
        `[national] figure ${path} (load ${loadavg()[0]!.toFixed(1)}): ${JSON.stringify(value)}`,
      );
      save();
    },
  };
}
