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
type Input = Partial<ProgramDefinitionInput>;

/** One program of the mix: measure, benefit, periods (measured/paid), tiers as from:value. */
function program(
  measure: Input['measure'],
  benefit: Input['benefit'],
  periods: `${'month' | 'quarter' | 'program'}/${'month' | 'quarter'}`,
  tiers: string,
  more: Input = {},
): Input {
  const [measurementPeriod, payoutFrequency] = periods.split('/') as [
    Input['measurementPeriod'],
    Input['payoutFrequency'],
  ];
  return {
    measure,
    benefit,
    measurementPeriod,
    payoutFrequency,
    tiers: tiers.split(' ').map((t) => {
      const [from, value] = t.split(':') as [string, string];
      return { from, value };
    }),
    ...more,
  };
}

const inputs: Input[] = [
  program('units', 'per_unit', 'month/month', '0:100 40:200'),
  program('units', 'per_unit', 'quarter/quarter', '0:100 100:250 140:400', {
    tierMode: 'incremental',
  }),
  program('revenue', 'percent_of_revenue', 'program/month', '0:0.5 10000000:1.25', {
    tierMode: 'incremental',
  }),
  program('ev_share', 'lump_sum', 'quarter/quarter', '20:5000 30:15000'),
  program('agreement_attainment', 'per_unit', 'program/quarter', '90:150 100:300', {
    eligibility: { requiresActiveAgreement: true },
  }),
  program('growth', 'per_unit', 'quarter/quarter', '0:500 10:800', {
    growthBasis: 'units',
    growthBenefitBase: 'increment',
  }),
  program('units', 'percent_of_msrp', 'month/month', '5:2 12:3.5', {
    qualifying: { powertrains: ['BEV'] },
    capPerDealer: '20000.00',
  }),
  program('growth', 'percent_of_revenue', 'quarter/quarter', '-5:0.5 5:1', {
    growthBasis: 'revenue',
  }),
  program('units', 'per_unit', 'quarter/month', '5:300 15:600', {
    qualifying: { modelLines: ['ML1', 'ML2', 'ML3', 'ML4'] },
  }),
  program('ev_share', 'per_unit', 'month/month', '15:250 25:750', {
    paying: { powertrains: ['BEV'] },
  }),
];
const programs: ProgramDefinition[] = [];
for (let i = 0; i < 20; i++) {
  const input = inputs[i % inputs.length] as Input;
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
