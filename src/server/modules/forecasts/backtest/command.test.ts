import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktestCommand, type CommandIo } from './command';

function captureIo(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isStderrTty: false,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

const directory = mkdtempSync(join(tmpdir(), 'forecast-backtest-'));
function csvFile(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

function longCsv(): string {
  const rows = ['series,period,quantity'];
  for (const id of ['north', 'south']) {
    for (let t = 0; t < 60; t += 1) {
      const year = 2019 + Math.floor(t / 12);
      const month = String((t % 12) + 1).padStart(2, '0');
      rows.push(`${id},${year}-${month},${(id === 'north' ? 40 : 25) + (t % 12) * 2 + (t % 5)}`);
    }
  }
  return rows.join('\n');
}

describe('runBacktestCommand', () => {
  it('prints a table per method', async () => {
    const io = captureIo();
    const input = csvFile('ok.csv', longCsv());
    const code = await runBacktestCommand(
      [
        '--input',
        input,
        '--horizon',
        '12',
        '--history',
        '36',
        '--origins',
        '1',
        '--methods',
        'seasonal-naive,theta',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(io.out).toMatch(/method\s+sMAPE\s+MASE\s+WAPE %/);
    expect(io.out).toMatch(/^seasonal-naive\s/m);
    expect(io.out).toMatch(/^theta\s/m);
    expect(io.out).toMatch(/2 series/);
  });

  it('prints JSON with --json', async () => {
    const io = captureIo();
    const input = csvFile('ok2.csv', longCsv());
    const code = await runBacktestCommand(
      [
        '--input',
        input,
        '--origins',
        '2',
        '--history',
        '24',
        '--step',
        '6',
        '--methods',
        'seasonal-naive',
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(io.out) as {
      windowCount: number;
      methods: { method: string; smape: number }[];
    };
    expect(report.windowCount).toBe(4);
    expect(report.methods[0]!.method).toBe('seasonal-naive');
  });

  it('exits 1 naming the row of a bad CSV', async () => {
    const io = captureIo();
    const input = csvFile('bad.csv', 'series,period,quantity\nA,2024-01,3\nA,2024-13,4\n');
    expect(await runBacktestCommand(['--input', input], io)).toBe(1);
    expect(io.err).toMatch(/row 2: period "2024-13"/);
    const dup = csvFile('dup.csv', 'series,period,quantity\nA,2024-01,3\nA,2024-01,4\n');
    expect(await runBacktestCommand(['--input', dup], io)).toBe(1);
    expect(io.err).toMatch(/row 2: duplicate/);
  });

  it('exits 2 on bad arguments and 1 on a missing file', async () => {
    const io = captureIo();
    expect(await runBacktestCommand(['--input', 'x.csv', '--horizon', 'twelve'], io)).toBe(2);
    expect(await runBacktestCommand(['--input', 'x.csv', '--methods', 'magic'], io)).toBe(2);
    expect(await runBacktestCommand([], io)).toBe(2);
    expect(await runBacktestCommand(['--input', 'x.csv', '--demo'], io)).toBe(2);
    expect(io.err).toMatch(/either --input <file> or --demo/);
    expect(await runBacktestCommand(['--input', join(directory, 'missing.csv')], io)).toBe(1);
  });

  it("reads the demo network's dealer totals with --demo and reports the 12-month total's errors", async () => {
    const io = captureIo();
    const code = await runBacktestCommand(
      [
        '--demo',
        '--demo-dealers',
        '4',
        '--demo-months',
        '40',
        '--demo-level',
        'dealer',
        '--history',
        '24',
        '--origins',
        '1',
        '--methods',
        'production-fast,seasonal-naive',
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    const report = JSON.parse(io.out) as {
      seriesCount: number;
      methods: { method: string; totalMase: number; meanTotalAbsPctError: number }[];
    };
    expect(report.seriesCount).toBe(4);
    for (const m of report.methods) {
      expect(m.totalMase).toBeGreaterThan(0);
      expect(m.meanTotalAbsPctError).toBeGreaterThan(0);
    }
  });
});
