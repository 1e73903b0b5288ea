import { describe, expect, it } from 'vitest';
import {
  agreementTerms,
  plannedIn,
  versionInForce,
  type AgreementPlanRow,
} from './agreement-plans';
import {
  diffSnapshots,
  snapshotHash,
  type SnapshotDocument,
  type SnapshotLine,
} from './statement-snapshot';

const line = (over: Partial<SnapshotLine>): SnapshotLine => ({
  kind: 'benefit',
  transactionId: '1',
  date: '2026-03-01',
  quantity: 1,
  basis: '1',
  rate: '100',
  tierFrom: '0',
  parts: null,
  amount: '100.00',
  explanation: '1 unit at 100',
  ...over,
});

const doc = (lines: SnapshotLine[], over: Partial<SnapshotDocument> = {}): SnapshotDocument => ({
  programCode: 'P',
  programVersion: 1,
  dealerCode: 'D',
  period: '2026-03',
  window: { label: '2026-03', start: '2026-03-01', end: '2026-03-31' },
  cutoff: '2026-03-31',
  currency: 'USD',
  eligible: true,
  ineligibleReasons: [],
  measureValue: String(lines.length),
  measureNote: null,
  tierReached: '0',
  tierValue: '100',
  capApplied: false,
  lineCount: lines.length,
  earned: '0.00',
  previouslySettled: '0',
  amountDue: '0.00',
  lines,
  ...over,
});

describe('statement snapshots', () => {
  it('hashes the same document the same whatever the key order', () => {
    const a = doc([line({})]);
    const b = Object.fromEntries(Object.entries(a).reverse()) as SnapshotDocument;
    expect(snapshotHash(b)).toBe(snapshotHash(a));
    expect(snapshotHash(doc([line({ amount: '100.01' })]))).not.toBe(snapshotHash(a));
  });

  it('tells added, removed, changed and reworded lines apart, with the totals', () => {
    const before = doc(
      [
        line({ transactionId: '1' }),
        line({ transactionId: '2' }),
        line({ transactionId: '3' }),
        line({ kind: 'cap', transactionId: null, amount: '-50.00' }),
      ],
      { earned: '250.00', amountDue: '250.00' },
    );
    const after = doc(
      [
        line({ transactionId: '1', explanation: 'reworded' }),
        line({ transactionId: '2', amount: '150.00', rate: '150' }),
        line({ transactionId: '4' }),
        line({ kind: 'cap', transactionId: null, amount: '-60.00' }),
      ],
      { earned: '290.00', amountDue: '290.00', programVersion: 2 },
    );
    const d = diffSnapshots(before, after);
    expect(d.added.map((l) => l.transactionId)).toEqual(['4']);
    expect(d.removed.map((l) => l.transactionId)).toEqual(['3']);
    expect(d.changed.map((c) => [c.key, c.before.amount, c.after.amount])).toEqual([
      ['benefit:2', '100.00', '150.00'],
      ['cap#1', '-50.00', '-60.00'],
    ]);
    expect(d.reworded).toBe(1);
    expect(d.totals.before).toMatchObject({ programVersion: 1, earned: '250.00' });
    expect(d.totals.after).toMatchObject({ programVersion: 2, earned: '290.00' });
  });
});

describe('the plan of a window', () => {
  const plan: AgreementPlanRow = {
    dealerId: 1,
    code: 'AG-1',
    status: 'expired',
    startMonth: '2026-01',
    months: 12,
    frequency: 'quarterly',
    versions: [
      { versionNo: 1, effectiveMonth: '2026-01', plannedByPeriod: [30, 30, 30, 30] },
      { versionNo: 2, effectiveMonth: '2026-06', plannedByPeriod: [60, 60, 60, 60] },
    ],
  };
  const q = (n: number) => {
    const start = `2026-${String(n * 3 - 2).padStart(2, '0')}-01`;
    return { start, end: `2026-${String(n * 3).padStart(2, '0')}-28` };
  };

  it('takes the version in force at the window start, whatever the status now', () => {
    expect([1, 2, 3, 4].map((n) => versionInForce(plan, q(n).start)?.versionNo)).toEqual([
      1, 1, 2, 2,
    ]);
    expect([1, 2, 3, 4].map((n) => plannedIn([plan], q(n)))).toEqual([30, 30, 60, 60]);
    expect(agreementTerms([plan], q(4))).toEqual({ hasActiveAgreement: true, planned: 60 });
  });

  it('pays nothing on a cancelled agreement and says why', () => {
    const terms = agreementTerms([{ ...plan, status: 'cancelled' }], q(1));
    expect(terms).toMatchObject({ hasActiveAgreement: false, planned: null });
    expect(terms.agreementNote).toMatch(/AG-1 was cancelled/);
  });
});
