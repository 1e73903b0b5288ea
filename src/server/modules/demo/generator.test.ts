import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_PARAMETERS,
  demoWindow,
  generateNetwork,
  generateTransactionBatches,
  generateTransactions,
  vinCheckDigit,
  type DemoNetwork,
  type DemoOptions,
  type DemoTransaction,
} from './generator';
import { STATES } from './geography-data';

const TINY: DemoOptions = { seed: 3, dealers: 20, months: 6, endMonth: '2026-10', modelLines: 8 };
/** A mid-size network for the network checks. */
const MID: DemoOptions = { seed: 7, dealers: 300, months: 36, endMonth: '2026-10' };
/** The mid-size sample the statistical checks stream through (≈ 320,000 rows). */
const STATS: DemoOptions = { ...MID, dealers: 200 };

function take<T>(iterable: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const x of iterable) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
function isRealDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
const dayNumber = (value: string) => Date.parse(`${value}T00:00:00Z`) / 86_400_000;

/** Every real date from `first` to `last`, inclusive, mapped to its day number. */
function daysBetween(first: string, last: string): Map<string, number> {
  const days = new Map<string, number>();
  for (let n = dayNumber(first); n <= dayNumber(last); n++) {
    days.set(new Date(n * 86_400_000).toISOString().slice(0, 10), n);
  }
  return days;
}

describe('generateNetwork', () => {
  it('is deterministic and depends on the seed', () => {
    expect(JSON.stringify(generateNetwork(MID))).toBe(JSON.stringify(generateNetwork(MID)));
    const other = generateNetwork({ ...MID, seed: 8 });
    expect(other.dealers.map((d) => d.name)).not.toEqual(
      generateNetwork(MID).dealers.map((d) => d.name),
    );
  });

  it('builds the reference catalog: 40 model lines, 160 SKUs, varied segments and powertrains', () => {
    const network = generateNetwork(MID);
    expect(network.currency).toBe('USD');
    expect(network.fiscalYearStartMonth).toBe(DEMO_PARAMETERS.fiscalYearStartMonth);
    expect(network.modelLines).toHaveLength(40);
    expect(network.skus).toHaveLength(160);
    expect(new Set(network.modelLines.map((l) => l.segment)).size).toBeGreaterThanOrEqual(8);
    const lineCodes = new Set(network.modelLines.map((l) => l.code));
    for (const l of network.modelLines) expect(l.code).toMatch(/^ML-[A-Z0-9]+$/);
    const byLine = new Map<string, Set<string>>();
    for (const s of network.skus) {
      expect(s.code).toMatch(/^[A-Z0-9]+-[A-Z]+-(ICE|HEV|PHEV|BEV)$/);
      expect(lineCodes.has(s.modelLineCode)).toBe(true);
      expect(s.msrp).toMatch(/^\d+\.\d{2}$/);
      expect(Number(s.msrp)).toBeGreaterThan(15_000);
      expect(Number(s.msrp)).toBeLessThan(150_000);
      expect(isRealDate(s.launchDate)).toBe(true);
      if (s.powertrain === 'BEV') expect(s.co2GramsPerKm).toBe(0);
      else expect(s.co2GramsPerKm).toBeGreaterThan(0);
      byLine.set(s.modelLineCode, (byLine.get(s.modelLineCode) ?? new Set()).add(s.powertrain));
    }
    const mixes = [...byLine.values()].map((set) => [...set].sort().join('+'));
    expect(mixes).toContain('BEV');
    expect(mixes).toContain('HEV+ICE');
    expect(mixes.some((m) => m.includes('PHEV'))).toBe(true);
    const window = demoWindow(MID);
    expect(network.skus.some((s) => s.launchDate >= window.firstDay)).toBe(true);
    expect(network.skus.some((s) => s.status === 'discontinued')).toBe(true);
  });

  it('builds a region tree, dealers with unique codes, a few groups and a few closures', () => {
    const network = generateNetwork(MID);
    const roots = network.regions.filter((r) => r.parentCode === null);
    expect(roots.map((r) => r.code)).toEqual(['US']);
    const regionCodes = new Set(network.regions.map((r) => r.code));
    expect(regionCodes.size).toBe(network.regions.length);
    expect(network.regions.length - 1).toBeGreaterThanOrEqual(5);
    for (const r of network.regions)
      if (r.parentCode) expect(regionCodes.has(r.parentCode)).toBe(true);

    const stateRegion = new Map(STATES.map((s) => [s.code, `US-${s.region}`]));
    expect(new Set(network.dealers.map((d) => d.code)).size).toBe(300);
    expect(network.dealers[0]!.code).toBe('D00001');
    for (const d of network.dealers) {
      expect(d.code).toMatch(/^D\d{5}$/);
      expect(d.regionCode).toBe(stateRegion.get(d.stateProvince));
      expect(d.country).toBe('US');
      expect(d.city.length).toBeGreaterThan(2);
      expect(d.name.length).toBeGreaterThan(3);
    }
    expect(new Set(network.dealers.map((d) => d.name)).size).toBe(300);
    expect(new Set(network.dealers.map((d) => d.sizeClass))).toEqual(
      new Set(['rural', 'small', 'medium', 'large', 'metro']),
    );

    const groupCodes = new Set(network.dealerGroups.map((g) => g.code));
    expect(groupCodes.size).toBe(network.dealerGroups.length);
    for (const g of network.dealerGroups) expect(g.code).toMatch(/^G\d{3}$/);
    const grouped = network.dealers.filter((d) => d.dealerGroupCode !== null);
    expect(grouped.length / 300).toBeGreaterThanOrEqual(0.05);
    expect(grouped.length / 300).toBeLessThanOrEqual(0.1);
    for (const code of groupCodes) {
      const members = grouped.filter((d) => d.dealerGroupCode === code).length;
      expect(members).toBeGreaterThanOrEqual(3);
      expect(members).toBeLessThanOrEqual(25);
    }
    const inactive = network.dealers.filter((d) => d.status === 'inactive').length;
    expect(inactive).toBeGreaterThanOrEqual(1);
    expect(inactive).toBeLessThanOrEqual(15);
  });

  it('supports small catalogs and tiny networks, and rejects bad options', () => {
    const small = generateNetwork(TINY);
    expect(small.modelLines).toHaveLength(8);
    expect(small.skus).toHaveLength(32);
    expect(small.skus.some((s) => s.powertrain === 'BEV')).toBe(true);
    expect(generateNetwork({ ...TINY, dealers: 1, modelLines: 1 }).skus).toHaveLength(4);
    expect(() => generateNetwork({ ...TINY, endMonth: '2026-13' })).toThrow(/endMonth/);
    expect(() => generateNetwork({ ...TINY, dealers: 0 })).toThrow(/dealers/);
    expect(() => generateNetwork({ ...TINY, months: 1.5 })).toThrow(/months/);
    expect(() => generateNetwork({ ...TINY, modelLines: 0 })).toThrow(/modelLines/);
  });
});

describe('generateTransactions (small networks)', () => {
  it('is deterministic: same seed gives the same rows, another seed other rows', () => {
    const options: DemoOptions = { ...MID, dealers: 100 };
    const rows = (o: DemoOptions) =>
      JSON.stringify(take(generateTransactions(generateNetwork(o), o), 3000));
    const a = rows(options);
    expect(rows(options)).toBe(a);
    expect(rows({ ...options, seed: 8 })).not.toBe(a);
  });

  it('gives the same rows in batches, and accepts an equal copy of the network', () => {
    const network = generateNetwork(TINY);
    const rows = [...generateTransactions(network, TINY)];
    expect(rows.length).toBeGreaterThan(500);
    const batches = [...generateTransactionBatches(network, TINY, 97)];
    expect(batches.every((b) => b.length <= 97)).toBe(true);
    expect(JSON.stringify(batches.flat())).toBe(JSON.stringify(rows));
    const copy = JSON.parse(JSON.stringify(network)) as DemoNetwork;
    expect(JSON.stringify(take(generateTransactions(copy, TINY), 500))).toBe(
      JSON.stringify(rows.slice(0, 500)),
    );
  });

  it('refuses a network that does not match the options', () => {
    const network = generateNetwork(TINY);
    expect(() => generateTransactions(network, { ...TINY, dealers: 21 })).toThrow(/does not match/);
  });

  it('emits a registration a few days after each delivery when asked', () => {
    const options = { ...TINY, includeRegistrations: true };
    const rows = [...generateTransactions(generateNetwork(options), options)];
    const deliveries = new Map(
      rows.filter((r) => r.kind === 'retail_delivery').map((r) => [r.vin!, r]),
    );
    const registrations = rows.filter((r) => r.kind === 'registration');
    expect(registrations.length).toBeGreaterThan(deliveries.size * 0.85);
    const bad = registrations.filter((reg) => {
      const delivery = deliveries.get(reg.vin!);
      if (!delivery) return true;
      const days = dayNumber(reg.occurredOn) - dayNumber(delivery.occurredOn);
      return (
        days < DEMO_PARAMETERS.registrations.minDays ||
        days > DEMO_PARAMETERS.registrations.maxDays ||
        reg.externalId !== `REG-${reg.vin}` ||
        reg.dealerCode !== delivery.dealerCode ||
        reg.amount !== '0.00' ||
        reg.quantity !== 1
      );
    });
    expect(bad).toEqual([]);
    // Without the flag there are none, and the other rows are unchanged in kind and count.
    expect(
      [...generateTransactions(generateNetwork(TINY), TINY)].some((r) => r.kind === 'registration'),
    ).toBe(false);
  });
});

describe('generateTransactions: integrity of every row (60 dealers × 24 months)', () => {
  const options: DemoOptions = { seed: 11, dealers: 60, months: 24, endMonth: '2026-10' };
  const problems: string[] = [];
  const counts = { retail_delivery: 0, unwind: 0, invoice: 0, other: 0 };

  beforeAll(() => {
    const network = generateNetwork(options);
    const window = demoWindow(options);
    const windowDays = daysBetween(window.firstDay, window.lastDay);
    const skus = new Map(network.skus.map((s) => [s.code, s]));
    const dealerCodes = new Set(network.dealers.map((d) => d.code));
    const deliveries = new Map<string, DemoTransaction>();
    const externalIds = new Map<string, Set<string>>();
    const problem = (message: string, row: DemoTransaction) => {
      if (problems.length < 20) problems.push(`${message}: ${JSON.stringify(row)}`);
    };
    let previous: DemoTransaction | null = null;

    for (const row of generateTransactions(network, options)) {
      // Dates are real and inside the window; rows are ordered by date, then dealer.
      if (!windowDays.has(row.occurredOn)) problem('bad date or outside the window', row);
      if (previous) {
        if (row.occurredOn < previous.occurredOn) problem('date order', row);
        if (row.occurredOn === previous.occurredOn && row.dealerCode < previous.dealerCode) {
          problem('dealer order', row);
        }
      }
      previous = row;
      if (!/^-?\d+\.\d{2}$/.test(row.amount)) problem('amount format', row);
      if (row.currency !== 'USD') problem('currency', row);
      const ids = externalIds.get(row.source) ?? new Set<string>();
      externalIds.set(row.source, ids);
      if (ids.has(row.externalId)) problem('duplicate externalId', row);
      ids.add(row.externalId);
      const sku = skus.get(row.sku);
      if (!sku || !dealerCodes.has(row.dealerCode)) {
        problem('unknown code', row);
        continue;
      }

      if (row.kind === 'retail_delivery') {
        counts.retail_delivery++;
        if (row.quantity !== 1 || !(Number(row.amount) > 0))
          problem('delivery quantity/amount', row);
        if (row.vin === null || !/^[A-HJ-NPR-Z0-9]{17}$/.test(row.vin)) problem('vin format', row);
        else if (vinCheckDigit(row.vin) !== row.vin[8]) problem('vin check digit', row);
        else if (deliveries.has(row.vin)) problem('duplicate vin', row);
        else deliveries.set(row.vin, row);
        const discount = 1 - Number(row.amount) / Number(sku.msrp);
        if (discount < -1e-9 || discount > 0.12 + 1e-4) problem('discount out of range', row);
      } else if (row.kind === 'unwind') {
        counts.unwind++;
        const original = deliveries.get(row.vin ?? '');
        if (!original) {
          problem('unwind without delivery', row);
          continue;
        }
        if (row.amount !== `-${original.amount}`) problem('unwind amount', row);
        if (
          row.quantity !== -1 ||
          row.sku !== original.sku ||
          row.dealerCode !== original.dealerCode
        ) {
          problem('unwind fields', row);
        }
        if (row.externalId !== `UW-${original.externalId}` || row.source !== original.source) {
          problem('unwind externalId', row);
        }
        const days = windowDays.get(row.occurredOn)! - windowDays.get(original.occurredOn)!;
        if (days < DEMO_PARAMETERS.unwinds.minDays || days > DEMO_PARAMETERS.unwinds.maxDays) {
          problem('unwind delay', row);
        }
      } else if (row.kind === 'invoice') {
        counts.invoice++;
        if (row.vin !== null || row.quantity < DEMO_PARAMETERS.invoices.minimumOrderUnits) {
          problem('invoice fields', row);
        }
        const unit = Number(row.amount) / row.quantity;
        if (!(unit > 0.85 * Number(sku.msrp) && unit < Number(sku.msrp)))
          problem('invoice amount', row);
      } else counts.other++;
    }
  });

  it('produces well-formed rows: real dates in the window, ordered, unique ids and VINs', () => {
    expect(problems).toEqual([]);
    expect(counts.other).toBe(0);
    expect(counts.retail_delivery).toBeGreaterThan(60 * 2 * 300);
  });

  it('unwinds 1.5–2 % of deliveries and keeps invoices to at most ~10 % extra rows', () => {
    const unwindRate = counts.unwind / counts.retail_delivery;
    expect(unwindRate).toBeGreaterThan(0.012);
    expect(unwindRate).toBeLessThan(0.023);
    expect(counts.invoice).toBeGreaterThan(0);
    expect(counts.invoice / counts.retail_delivery).toBeLessThan(0.11);
  });
});

describe('generateTransactions: statistics of a mid-size network (200 dealers × 36 months)', () => {
  const network = generateNetwork(STATS);
  const window = demoWindow(STATS);
  const years = STATS.months / 12;
  const lineCount = network.modelLines.length;
  const firstMonth = Number(window.firstDay.slice(5, 7));
  const firstYear = Number(window.firstDay.slice(0, 4));

  let deliveries = 0;
  const monthly = new Float64Array(STATS.months);
  const cells = new Int32Array(STATS.dealers * lineCount * STATS.months);
  const bev = { fast: [0, 0, 0], slow: [0, 0, 0] };
  const total = { fast: [0, 0, 0], slow: [0, 0, 0] };
  const soldBeforeLaunch: string[] = [];
  const sales = new Map<string, number>();
  const lastMonthSalesOfDiscontinued: string[] = [];
  const soldAfterSalesEnd: string[] = [];
  const salesEnd = new Map(network.modelLines.map((l) => [l.code, l.salesEndOn]));

  beforeAll(() => {
    const dealerIndex = new Map(network.dealers.map((d, i) => [d.code, i]));
    const stateBev = new Map(STATES.map((s) => [s.code, s.bevShare2024]));
    const dealerGroup = network.dealers.map((d) => {
      const share = stateBev.get(d.stateProvince)!;
      return share >= 0.12 ? 'fast' : share <= 0.025 ? 'slow' : null;
    });
    const skus = new Map(network.skus.map((s) => [s.code, s]));
    const lineIndex = new Map(network.modelLines.map((l, i) => [l.code, i]));
    for (const row of generateTransactions(network, STATS)) {
      if (row.kind !== 'retail_delivery') continue;
      deliveries++;
      const sku = skus.get(row.sku)!;
      const d = dealerIndex.get(row.dealerCode)!;
      const t =
        (Number(row.occurredOn.slice(0, 4)) - firstYear) * 12 +
        Number(row.occurredOn.slice(5, 7)) -
        firstMonth;
      monthly[t]! += 1;
      cells[(d * lineCount + lineIndex.get(sku.modelLineCode)!) * STATS.months + t]! += 1;
      if (row.occurredOn < sku.launchDate) soldBeforeLaunch.push(`${row.sku} ${row.occurredOn}`);
      sales.set(row.sku, (sales.get(row.sku) ?? 0) + 1);
      const end = salesEnd.get(sku.modelLineCode);
      if (end && row.occurredOn > end) soldAfterSalesEnd.push(`${row.sku} ${row.occurredOn}`);
      if (sku.status === 'discontinued' && t === STATS.months - 1)
        lastMonthSalesOfDiscontinued.push(row.sku);
      const group = dealerGroup[d];
      if (group) {
        const year = Math.floor(t / 12);
        total[group][year]!++;
        if (sku.powertrain === 'BEV') bev[group][year]!++;
      }
    }
  });

  it('averages about 480 retail deliveries per dealer and year', () => {
    const perDealerYear = deliveries / STATS.dealers / years;
    expect(perDealerYear).toBeGreaterThan(480 * 0.85);
    expect(perDealerYear).toBeLessThan(480 * 1.15);
  });

  it('sells BEVs more, and increasingly more, in fast-EV states than in slow ones', () => {
    const share = (g: 'fast' | 'slow', y: number) => bev[g][y]! / total[g][y]!;
    for (let y = 0; y < 3; y++) expect(share('fast', y)).toBeGreaterThan(2 * share('slow', y));
    const fastGrowth = share('fast', 2) - share('fast', 0);
    const slowGrowth = share('slow', 2) - share('slow', 0);
    expect(fastGrowth).toBeGreaterThan(0.03);
    expect(fastGrowth).toBeGreaterThan(2 * slowGrowth);
  });

  it('shows seasonality: May above January, December above November', () => {
    const byCalendarMonth = (m: number) => {
      let sum = 0;
      let n = 0;
      for (let t = 0; t < STATS.months; t++) {
        if (((firstMonth - 1 + t) % 12) + 1 === m) {
          sum += monthly[t]!;
          n++;
        }
      }
      return sum / n;
    };
    expect(byCalendarMonth(5)).toBeGreaterThan(byCalendarMonth(1) * 1.15);
    expect(byCalendarMonth(12)).toBeGreaterThan(byCalendarMonth(11));
  });

  it('gives small dealers many more zero months per model line than large ones', () => {
    const zeroShare = (classes: string[]) => {
      let zeros = 0;
      let all = 0;
      network.dealers.forEach((d, i) => {
        if (!classes.includes(d.sizeClass) || d.status === 'inactive') return;
        for (let l = 0; l < 10; l++) {
          for (let t = 0; t < STATS.months; t++) {
            all++;
            if (cells[(i * lineCount + l) * STATS.months + t] === 0) zeros++;
          }
        }
      });
      return zeros / all;
    };
    const small = zeroShare(['rural', 'small']);
    const large = zeroShare(['large', 'metro']);
    expect(small).toBeGreaterThan(0.4);
    expect(small).toBeGreaterThan(large + 0.2);
  });

  it('sells nothing before a launch date, ramps up after it, and stops after a run-out', () => {
    expect(soldBeforeLaunch).toEqual([]);
    const launched = network.skus.filter(
      (s) => s.launchDate > window.firstDay && s.launchDate < '2026-06-01',
    );
    expect(launched.length).toBeGreaterThan(0);
    for (const s of launched) expect(sales.get(s.code) ?? 0).toBeGreaterThan(0);
    expect(lastMonthSalesOfDiscontinued).toEqual([]);
  });

  it('plans the end of sale of the lines that run out, and sells nothing after it', () => {
    const ending = network.modelLines.filter((l) => l.salesEndOn !== null);
    expect(ending.length).toBeGreaterThan(0);
    for (const l of network.modelLines) {
      const skus = network.skus.filter((s) => s.modelLineCode === l.code);
      expect(skus.every((s) => s.status === 'discontinued')).toBe(l.salesEndOn !== null);
      if (l.salesEndOn) expect(isRealDate(l.salesEndOn)).toBe(true);
    }
    expect(soldAfterSalesEnd).toEqual([]);
  });

  it('tapers and then stops the sales of closed dealers', () => {
    let lastFour = 0;
    let expectedFromBefore = 0;
    let stoppedEarly = 0;
    network.dealers.forEach((d, i) => {
      if (d.status !== 'inactive') return;
      const totals = Array.from({ length: STATS.months }, (_, t) => {
        let sum = 0;
        for (let l = 0; l < lineCount; l++) sum += cells[(i * lineCount + l) * STATS.months + t]!;
        return sum;
      });
      const lastActive = totals.findLastIndex((x) => x > 0);
      if (lastActive < STATS.months - 1) stoppedEarly++;
      if (lastActive < 10) return;
      for (let t = lastActive - 3; t <= lastActive; t++) lastFour += totals[t]!;
      const before = totals.slice(0, lastActive - 3);
      expectedFromBefore += (4 * before.reduce((a, b) => a + b, 0)) / before.length;
    });
    expect(stoppedEarly).toBeGreaterThan(0);
    expect(expectedFromBefore).toBeGreaterThan(0);
    expect(lastFour).toBeLessThan(0.85 * expectedFromBefore);
  });
});
