/**
 * Micro-benchmark of the pure engine (not a test; timings never go into tests):
 * 4,000 dealers × 20 programs from in-memory rows (~2 million transactions in 12 months).
 *
 *   npx tsx src/server/modules/incentives/calc/micro-benchmark.ts [dealers] [txPerDealer] [modes]
 *
 * modes: a comma list of current (current period, totals), lines (current period with line
 * objects), all (every period, totals), bare-current and bare-all (the same rows read by a bare
 * loop: the floor to compare with); default current,lines,all.
 *
 * Prints the time to compute (a) the current period's statement of every program for every
 * dealer and (b) every settlement period of every program for every dealer, with and without
 * line objects. Data are generated deterministically (no randomness between runs).
 */
import type {
  IncentiveDealer,
  IncentiveTransaction,
  ProgramDefinition,
  ProgramDefinitionInput,
} from '../../../../shared/schemas/program';
import { mulberry32 } from '../../../../shared/math';
import { parseProgramDefinition } from '../../../../shared/schemas/program';
import { listSettlementPeriods } from './periods';
import { calculateStatement } from './statement';
import { nextMonth } from './dates';

const DEALERS = Number(process.argv[2] ?? 4000);
const TX_PER_DEALER = Number(process.argv[3] ?? 500);

const random = mulberry32(42);
const POWERTRAINS = ['ICE', 'HEV', 'PHEV', 'BEV'] as const;
const SEGMENTS = ['compact', 'midsize', 'suv', 'truck'];
const skus = Array.from({ length: 160 }, (_, i) => ({
  sku: `SKU${i}`,
  modelLineCode: `ML${i % 40}`,
  powertrain: POWERTRAINS[i % 4] as (typeof POWERTRAINS)[number],
  segment: SEGMENTS[(i >> 2) % 4] as string,
  msrpCents: 2_500_000 + ((i * 37_123) % 6_500_000),
}));

function date(dayOfYear: number): string {
  return new Date(Date.UTC(2025, 6, 1) + dayOfYear * 86_400_000).toISOString().slice(0, 10);
}

function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

const started = performance.now();
const byDealer: IncentiveTransaction[][] = [];
let id = 0;
for (let d = 0; d < DEALERS; d++) {
  const rows: IncentiveTransaction[] = [];
  for (let t = 0; t < TX_PER_DEALER; t++) {
    const sku = skus[Math.floor(random() * skus.length)] as (typeof skus)[number];
    const day = Math.floor(random() * 365);
    const isUnwind = random() < 0.03;
    const price = Math.round(sku.msrpCents * (0.9 + random() * 0.1));
    id++;
    rows.push({
      id,
      kind: isUnwind ? 'unwind' : 'retail_delivery',
      sku: sku.sku,
      modelLineCode: sku.modelLineCode,
      powertrain: sku.powertrain,
      segment: sku.segment,
      msrp: cents(sku.msrpCents),
      vin: `VIN${id}`,
      quantity: isUnwind ? -1 : 1,
      amount: (isUnwind ? '-' : '') + cents(price),
      currency: 'USD',
      occurredOn: date(day),
      receivedAt: date(day + Math.floor(random() * 4)),
      externalId: `X${id}`,
    });
  }
  byDealer.push(rows);
}
const generated = performance.now();

const base = {
  currency: 'USD',
  startDate: '2025-07-01',
  endDate: '2026-06-30',
  graceDays: 10,
} as const;
const inputs: Partial<ProgramDefinitionInput>[] = [
  {
    measure: 'units',
    benefit: 'per_unit',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    tiers: [
      { from: '0', value: '100' },
      { from: '40', value: '200' },
    ],
  },
  {
    measure: 'units',
    benefit: 'per_unit',
    tierMode: 'incremental',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    tiers: [
      { from: '0', value: '100' },
      { from: '100', value: '250' },
      { from: '140', value: '400' },
    ],
  },
  {
    measure: 'revenue',
    benefit: 'percent_of_revenue',
    tierMode: 'incremental',
    measurementPeriod: 'program',
    payoutFrequency: 'month',
    tiers: [
      { from: '0', value: '0.5' },
      { from: '10000000', value: '1.25' },
    ],
  },
  {
    measure: 'ev_share',
    benefit: 'lump_sum',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    tiers: [
      { from: '20', value: '5000' },
      { from: '30', value: '15000' },
    ],
  },
  {
    measure: 'agreement_attainment',
    benefit: 'per_unit',
    measurementPeriod: 'program',
    payoutFrequency: 'quarter',
    tiers: [
      { from: '90', value: '150' },
      { from: '100', value: '300' },
    ],
    eligibility: { requiresActiveAgreement: true },
  },
  {
    measure: 'growth',
    growthBasis: 'units',
    growthBenefitBase: 'increment',
    benefit: 'per_unit',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    tiers: [
      { from: '0', value: '500' },
      { from: '10', value: '800' },
    ],
  },
  {
    measure: 'units',
    benefit: 'percent_of_msrp',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    qualifying: { powertrains: ['BEV'] },
    tiers: [
      { from: '5', value: '2' },
      { from: '12', value: '3.5' },
    ],
    capPerDealer: '20000.00',
  },
  {
    measure: 'growth',
    growthBasis: 'revenue',
    benefit: 'percent_of_revenue',
    measurementPeriod: 'quarter',
    payoutFrequency: 'quarter',
    tiers: [
      { from: '-5', value: '0.5' },
      { from: '5', value: '1' },
    ],
  },
  {
    measure: 'units',
    benefit: 'per_unit',
    measurementPeriod: 'quarter',
    payoutFrequency: 'month',
    qualifying: { modelLines: ['ML1', 'ML2', 'ML3', 'ML4'] },
    tiers: [
      { from: '5', value: '300' },
      { from: '15', value: '600' },
    ],
  },
  {
    measure: 'ev_share',
    benefit: 'per_unit',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    paying: { powertrains: ['BEV'] },
    tiers: [
      { from: '15', value: '250' },
      { from: '25', value: '750' },
    ],
  },
];
const programs: ProgramDefinition[] = [];
for (let i = 0; i < 20; i++) {
  const input = inputs[i % inputs.length] as Partial<ProgramDefinitionInput>;
  const parsed = parseProgramDefinition({ ...base, ...input, code: `P${i}`, name: `Program ${i}` });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  programs.push(parsed.program);
}

const dealers: IncentiveDealer[] = Array.from({ length: DEALERS }, (_, i) => ({
  code: `D${i}`,
  regionCodes: ['US', `R${i % 8}`],
  dealerGroupCode: null,
  status: 'active',
  hasActiveAgreement: true,
}));

/**
 * The rows of each dealer by month (as SQL would load them per window: rows dated in the window,
 * plus unwinds that arrived in it); the engine picks exactly what counts from them.
 */
const byDealerMonth = byDealer.map((rows) => {
  const months = new Map<string, IncentiveTransaction[]>();
  const lateNegatives = new Map<string, IncentiveTransaction[]>();
  const add = (
    map: Map<string, IncentiveTransaction[]>,
    month: string,
    tx: IncentiveTransaction,
  ) => {
    const list = map.get(month);
    if (list) list.push(tx);
    else map.set(month, [tx]);
  };
  for (const tx of rows) {
    const month = tx.occurredOn.slice(0, 7);
    add(months, month, tx);
    const arrived = (tx.receivedAt ?? tx.occurredOn).slice(0, 7);
    if (tx.quantity < 0 && arrived !== month) add(lateNegatives, arrived, tx);
  }
  return { months, lateNegatives };
});

function rowsFor(d: number, start: string, end: string): IncentiveTransaction[] {
  const { months, lateNegatives } = byDealerMonth[d] as (typeof byDealerMonth)[number];
  const first = start.slice(0, 7);
  const last = end.slice(0, 7);
  const rows: IncentiveTransaction[] = [];
  for (let m = first; m <= last; m = nextMonth(m)) {
    for (const tx of months.get(m) ?? []) rows.push(tx);
    for (const tx of lateNegatives.get(m) ?? []) {
      const month = tx.occurredOn.slice(0, 7);
      if (month < first || month > last) rows.push(tx);
    }
  }
  return rows;
}

function run(options: { allPeriods: boolean; includeLines: boolean; bare: boolean }) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let statements = 0;
  let lines = 0;
  let checksum = 0;
  for (const program of programs) {
    const periods = listSettlementPeriods({ program });
    const wanted = options.allPeriods ? periods : periods.slice(-1);
    for (let d = 0; d < DEALERS; d++) {
      for (const p of wanted) {
        const transactions = rowsFor(d, p.window.start, p.cutoff);
        if (options.bare) {
          // The floor: read each row's date, currency and quantity, nothing else.
          let units = 0;
          for (const tx of transactions) {
            if (
              tx.occurredOn >= p.window.start &&
              tx.occurredOn <= p.cutoff &&
              tx.currency === 'USD'
            ) {
              units += tx.quantity;
            }
          }
          statements++;
          lines += units;
          continue;
        }
        const s = calculateStatement({
          program,
          dealer: dealers[d] as IncentiveDealer,
          period: p.period,
          transactions,
          plannedQuantity: 480,
          priorYear: { units: 110, revenue: '5500000.00' },
          includeLines: options.includeLines,
        });
        statements++;
        lines += s.lineCount;
        checksum += Number(s.earned);
      }
    }
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  return { statements, lines, ms: Math.round(ms), cpuMs, checksum: Math.round(checksum) };
}

const rows = byDealer.reduce((n, r) => n + r.length, 0);
console.log(
  `generated ${rows} transactions for ${DEALERS} dealers in ${Math.round(generated - started)} ms`,
);
const MODES = (process.argv[4] ?? 'current,lines,all').split(',');
for (const options of [
  { name: 'current', allPeriods: false, includeLines: false, bare: false },
  { name: 'lines', allPeriods: false, includeLines: true, bare: false },
  { name: 'all', allPeriods: true, includeLines: false, bare: false },
  { name: 'bare-current', allPeriods: false, includeLines: false, bare: true },
  { name: 'bare-all', allPeriods: true, includeLines: false, bare: true },
].filter((m) => MODES.includes(m.name))) {
  const r = run(options);
  console.log(
    `${options.name}: ${options.allPeriods ? 'every period' : 'current period'}, ${options.bare ? 'bare loop' : options.includeLines ? 'with lines' : 'totals only'}: ${r.statements} statements, ${r.lines} lines, ${r.ms} ms wall, ${r.cpuMs} ms CPU (checksum ${r.checksum})`,
  );
}
