/**
 * Over 600 lines because the generating process is one seeded random stream: its steps must run in
 * one order, and splitting risks changing the demo data.
 *
 * Deterministic demo network generator: a US dealer network of a fictional OEM with its catalog
 * and a streamed history of retail deliveries, unwinds, wholesale invoices and (optionally)
 * registrations. The generating process and every parameter are documented in
 * docs/demo-network.md; the parameters themselves live in `DEMO_PARAMETERS` below.
 *
 * Determinism: the same options give the same network and the same rows, byte for byte. Each part
 * of the model draws from its own named stream (catalog, dealers, groups, timeline, affinity,
 * transactions), so for instance the catalog does not change when only the dealer count does.
 *
 * Memory: one month of rows for the whole network is generated into typed arrays, sorted by
 * (day, dealer) with two counting-sort passes and streamed out; only unwinds and registrations
 * dated in a later month wait in a small queue. Memory therefore grows with the number of dealers,
 * not with the length of the history.
 */
import {
  BRAND,
  MIX_LADDERS,
  MODEL_LINES,
  POWERTRAINS,
  POWERTRAIN_SPECS,
  SEGMENTS,
  SIZE_CLASSES,
  TRIMS,
  type Powertrain,
  type SegmentKey,
  type SizeClass,
} from './catalog-data';
import {
  GROUP_SUFFIXES,
  GROUP_WORDS,
  NATION,
  REGIONS,
  STATES,
  SURNAMES,
  TOWN_PREFIXES,
  TOWN_SUFFIXES,
} from './geography-data';
import { Random, hashSeed } from './random';

// ---------------------------------------------------------------------------------------------
// Public types (the database seeding code is written against these)
// ---------------------------------------------------------------------------------------------

export type DemoOptions = {
  /** Deterministic: same options → identical output, byte for byte. */
  seed: number;
  /** e.g. 150, 600, 4000. */
  dealers: number;
  /** History length in months, e.g. 36. */
  months: number;
  /** Last month of history 'YYYY-MM' (inclusive), e.g. '2026-10'. */
  endMonth: string;
  /** Default 40 (reference network: 40 model lines, 160 SKUs). */
  modelLines?: number;
  /** Also emit one 'registration' per delivery a few days later. Default false. */
  includeRegistrations?: boolean;
  /**
   * Network average of retail deliveries per dealer and year; scales the sales volume only (the
   * dealers' size classes stay those of the reference network). Default 480; the national bench
   * uses 940, the US franchised average.
   */
  deliveriesPerDealerYear?: number;
};

export type DemoRegion = { code: string; name: string; parentCode: string | null };
export type DemoDealerGroup = { code: string; name: string };
export type DemoDealer = {
  code: string;
  name: string;
  regionCode: string;
  stateProvince: string;
  country: string;
  dealerGroupCode: string | null;
  status: 'active' | 'inactive';
  city: string;
  sizeClass: 'rural' | 'small' | 'medium' | 'large' | 'metro';
};
export type DemoModelLine = {
  code: string;
  name: string;
  segment: string;
  /**
   * The planned last day of sale (catalog `sales_end_on`) of a line that runs out: the last day
   * of its last month of clearance sales; null for the others.
   */
  salesEndOn: string | null;
};
export type DemoSku = {
  code: string;
  modelLineCode: string;
  name: string;
  trim: string;
  powertrain: 'ICE' | 'HEV' | 'PHEV' | 'BEV';
  segment: string;
  /** Decimal string, 2 dp. */
  msrp: string;
  co2GramsPerKm: number;
  /** YYYY-MM-DD */
  launchDate: string;
  status: 'active' | 'discontinued';
};
export type DemoNetwork = {
  fiscalYearStartMonth: number;
  currency: 'USD';
  regions: DemoRegion[];
  dealerGroups: DemoDealerGroup[];
  dealers: DemoDealer[];
  modelLines: DemoModelLine[];
  skus: DemoSku[];
};
export type DemoTransaction = {
  kind: 'wholesale_order' | 'invoice' | 'retail_delivery' | 'registration' | 'unwind';
  dealerCode: string;
  sku: string;
  vin: string | null;
  quantity: number;
  /** Decimal string, 2 dp, negative for unwinds. */
  amount: string;
  currency: 'USD';
  /** YYYY-MM-DD */
  occurredOn: string;
  source: string;
  /** Unique per source. */
  externalId: string;
};

// ---------------------------------------------------------------------------------------------
// Parameters of the generating process (documented in docs/demo-network.md)
// ---------------------------------------------------------------------------------------------

export const DEMO_PARAMETERS = {
  fiscalYearStartMonth: 4,
  /** Network average of retail deliveries per dealer and year (before closures). */
  deliveriesPerDealerYear: 480,
  dealerSize: {
    /** log-scale sigma of the lognormal dealer size. */
    sigma: 0.85,
    /** z-scores are clipped to this range (no absurdly tiny or huge stores). */
    zMin: -2.6,
    zMax: 3.2,
    /** Upper bounds of expected annual deliveries for rural, small, medium, large; above: metro. */
    classBounds: [150, 300, 700, 1500],
  },
  groups: {
    shareOfDealers: 0.075,
    minSize: 3,
    maxSize: 25,
    meanExtraSize: 4,
    homeRegionBias: 0.85,
  },
  closures: { shareOfDealers: 0.02, minDealers: 25, taperMonths: 4, taperStep: 0.15 },
  catalog: {
    popularityJitterSigma: 0.25,
    priceJitter: 0.03,
    launchShare: 0.1,
    runOutShare: 0.075,
    launchWindow: [0.25, 0.8],
    runOutWindow: [0.35, 0.85],
    lateVariantProbability: 0.3,
    lateVariantWindow: [0.15, 0.7],
    /** Launch ramp-up: availability 1 − exp(−(age + 0.5) / tau), age in months. */
    rampTauMonths: 2.5,
    /** Run-out: linear taper over the last months of production down to `taperFloor`. */
    runOutTaperMonths: 6,
    runOutTaperFloor: 0.35,
    /** Clearance sales in the two months after production ends. */
    clearance: [0.2, 0.08],
    dealerInvoiceFactor: 0.92,
  },
  national: {
    trendPerYear: 0.015,
    trendJitterSd: 0.01,
    shockStartWindow: [0.4, 0.65],
    shockMonths: [3, 5],
    shockDepth: [0.18, 0.3],
    shockSensitivity: [0.3, 1.7],
    rebound: [0.25, 0.16, 0.08],
  },
  /** US new-vehicle seasonal index, January..December (mean 1 after normalisation). */
  seasonalIndex: [0.8, 0.89, 1.08, 1.0, 1.1, 1.03, 0.99, 1.06, 0.96, 0.97, 0.96, 1.13],
  /** Relative sales by day of week, Sunday..Saturday. */
  dayOfWeekWeights: [0.55, 0.95, 0.9, 0.9, 0.95, 1.15, 1.65],
  monthEndBoost: { lastDay: 1.8, lastThreeDays: 1.35 },
  noise: {
    /** National model-line level: log AR(1). */
    line: { phi: 0.8, sigma: 0.08 },
    /** Dealer level: log AR(1). */
    dealer: { phi: 0.6, sigma: 0.1 },
    /** Dealer × model-line level: log AR(1). */
    dealerLine: { phi: 0.5, sigma: 0.12 },
    /** Static dealer × model-line taste: lognormal sigma. */
    affinitySigma: 0.3,
    /** Gamma-Poisson (negative binomial) shape of each dealer × line × month count. */
    overdispersionShape: 8,
  },
  ev: {
    /** BEV logistic per state: ceiling = min(ceilingMax, ceilingBase + ceilingSlope × share2024). */
    ceilingBase: 0.45,
    ceilingSlope: 1.5,
    ceilingMax: 0.85,
    growthPerYear: 0.22,
    growthJitterSigma: 0.1,
    anchorJitterSigma: 0.1,
    phevRatio: 0.25,
    phevRatioJitterSigma: 0.15,
    hevShare2024: 0.09,
    hevCeiling: 0.4,
    hevGrowthPerYear: 0.2,
    /** Monthly log AR(1) noise on each state's BEV, PHEV and HEV shares. */
    noise: { phi: 0.75, sigma: 0.05 },
    /** BEV propensity by dealer size class (PHEV uses the square root). */
    sizeClassFactor: { rural: 0.6, small: 0.8, medium: 1.0, large: 1.15, metro: 1.3 },
  },
  discount: {
    base: 0.02,
    perYearOfAge: 0.008,
    maxAgeEffect: 0.04,
    monthEnd: 0.015,
    december: 0.01,
    runOut: 0.03,
    launchMonths: 6,
    launch: -0.015,
    sd: 0.015,
    max: 0.12,
  },
  vin: {
    /** Share of deliveries that are previous-model-year stock. */
    priorModelYearShare: 0.08,
    /** Calendar month from which the next model year is sold. */
    newModelYearFromMonth: 8,
  },
  unwinds: { rate: 0.0175, minDays: 3, maxDays: 60, meanExtraDays: 12 },
  invoices: { minimumOrderUnits: 10, dayRange: [3, 12] },
  registrations: { minDays: 2, maxDays: 20, meanExtraDays: 5 },
  sources: {
    retail: 'demo-dms',
    invoice: 'demo-oem-billing',
    registration: 'demo-registrations',
  },
} as const;

const P = DEMO_PARAMETERS;

// ---------------------------------------------------------------------------------------------
// Calendar helpers
// ---------------------------------------------------------------------------------------------

const MS_PER_DAY = 86_400_000;

function parseMonth(value: string): number {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (!match) throw new RangeError(`endMonth must be 'YYYY-MM', got '${value}'`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}
const yearOf = (abs: number) => Math.floor(abs / 12);
const monthOf = (abs: number) => (abs % 12) + 1;
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const epochDayOf = (year: number, month: number, day: number) =>
  Date.UTC(year, month - 1, day) / MS_PER_DAY;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const isoDate = (year: number, month: number, day: number) => `${year}-${pad2(month)}-${pad2(day)}`;

const FRACTIONS: ReadonlyArray<string> = Array.from(
  { length: 100 },
  (_, i) => `.${i < 10 ? '0' : ''}${i}`,
);

/** Integer cents → decimal string with two decimals ("-1234.05"). */
function centsToAmount(cents: number): string {
  const abs = cents < 0 ? -cents : cents;
  const whole = Math.floor(abs / 100);
  const text = whole + FRACTIONS[abs - whole * 100]!;
  return cents < 0 ? '-' + text : text;
}

/** Half-up integer rounding of cents × (10000 − bp) / 10000, exact for realistic amounts. */
function applyBasisPoints(cents: number, bp: number): number {
  return Math.floor((cents * (10_000 - bp) + 5_000) / 10_000);
}

// ---------------------------------------------------------------------------------------------
// VINs (ISO 3779 / North American check digit)
// ---------------------------------------------------------------------------------------------

const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const VIN_PLANTS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const VIN_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789'; // 1980 = A, 30-year cycle
const VIN_CHECK_CHARS = '0123456789X';
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VIN_POWERTRAIN: Record<Powertrain, string> = { ICE: 'A', HEV: 'H', PHEV: 'P', BEV: 'E' };

const VIN_VALUES: Int8Array = (() => {
  const table = new Int8Array(128);
  const letters = 'ABCDEFGHJKLMNPRSTUVWXYZ';
  const values = [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9];
  for (let i = 0; i < letters.length; i++) table[letters.charCodeAt(i)] = values[i]!;
  for (let d = 0; d <= 9; d++) table[48 + d] = d;
  return table;
})();

/** Transliterated value of a VIN character (I, O, Q and anything else count as 0). */
function vinValue(ch: string): number {
  return VIN_VALUES[ch.charCodeAt(0) & 127]!;
}

/** The VIN check digit (position 9) of a 17-character VIN; position 9 itself is ignored. */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += vinValue(vin[i]!) * VIN_WEIGHTS[i]!;
  const r = sum % 11;
  return r === 10 ? 'X' : String(r);
}

const vinYearCode = (modelYear: number) => VIN_YEAR_CODES[(((modelYear - 1980) % 30) + 30) % 30]!;

// ---------------------------------------------------------------------------------------------
// The plan: the public network plus the hidden parameters behind it
// ---------------------------------------------------------------------------------------------

type LinePlan = {
  code: string;
  name: string;
  segment: SegmentKey;
  segmentIndex: number;
  /** Normalised national popularity (Σ popularity × mean availability = 1). */
  popularity: number;
  runOutRel: number | null;
  shockSensitivity: number;
  skuStart: number;
  skuEnd: number;
};

type SkuPlan = {
  code: string;
  lineIndex: number;
  powertrainIndex: number;
  /** Share of the line's demand before powertrain adoption (Σ over a line = 1). */
  weight: number;
  msrpCents: number;
  invoiceCents: number;
  launchRel: number;
  launchDay: number;
  launchAbs: number;
  firstModelYear: number;
  vinPrefix: string;
  vinPrefixSum: number;
  plantIndex: number;
};

type DealerPlan = {
  code: string;
  stateIndex: number;
  regionIndex: number;
  classIndex: number;
  size: number;
  /** Month (relative to the window) in which the dealer closes; Infinity when active. */
  closeRel: number;
  closeDay: number;
  invoiceDay: number;
  firstDealNumber: number;
};

type StatePlan = {
  bevCeiling: number;
  bevGrowth: number;
  bevMidpoint: number;
  phevRatio: number;
  hevMidpoint: number;
};

type Plan = {
  key: string;
  seed: number;
  months: number;
  startAbs: number;
  network: DemoNetwork;
  lines: LinePlan[];
  skus: SkuPlan[];
  dealers: DealerPlan[];
  states: StatePlan[];
  /** [sku × month] availability (launch ramp, run-out), 0 before launch. */
  skuAvailability: Float64Array;
  /** [dealer × line] normalised dealer affinity including national popularity. */
  affinity: Float64Array;
  /** [region × segment × calendar month] seasonal factor. */
  seasonal: Float64Array;
  /** [month] national factor (trend × trading days, normalised). */
  national: Float64Array;
  /** [line × month] national line factor (AR noise × supply shock). */
  lineFactor: Float64Array;
  /** [state × month] log noise of BEV, PHEV and HEV shares. */
  bevNoise: Float64Array;
  phevNoise: Float64Array;
  hevNoise: Float64Array;
};

type NormalizedOptions = Required<DemoOptions>;

function normalizeOptions(options: DemoOptions): NormalizedOptions {
  const { seed, dealers, months, endMonth } = options;
  const modelLines = options.modelLines ?? 40;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
  }
  if (!Number.isInteger(dealers) || dealers < 1 || dealers > 999_999) {
    throw new RangeError(`dealers must be an integer from 1 to 999999, got ${dealers}`);
  }
  if (!Number.isInteger(months) || months < 1 || months > 600) {
    throw new RangeError(`months must be an integer from 1 to 600, got ${months}`);
  }
  if (!Number.isInteger(modelLines) || modelLines < 1 || modelLines > 400) {
    throw new RangeError(`modelLines must be an integer from 1 to 400, got ${modelLines}`);
  }
  const perYear = options.deliveriesPerDealerYear;
  if (perYear !== undefined && !(Number.isFinite(perYear) && perYear > 0 && perYear <= 100_000)) {
    throw new RangeError(`deliveriesPerDealerYear must be from 0 to 100000, got ${perYear}`);
  }
  parseMonth(endMonth);
  return {
    seed,
    dealers,
    months,
    endMonth,
    modelLines,
    includeRegistrations: options.includeRegistrations ?? false,
    deliveriesPerDealerYear: options.deliveriesPerDealerYear ?? P.deliveriesPerDealerYear,
  };
}

const planKey = (o: NormalizedOptions) =>
  JSON.stringify([o.seed, o.dealers, o.months, o.endMonth, o.modelLines]);

const REGION_COUNT = REGIONS.length;
const SEGMENT_KEYS = Object.keys(SEGMENTS) as SegmentKey[];
const SEGMENT_COUNT = SEGMENT_KEYS.length;

function buildSeasonal(): Float64Array {
  const out = new Float64Array(REGION_COUNT * SEGMENT_COUNT * 12);
  const base = P.seasonalIndex;
  const baseMean = base.reduce((a, b) => a + b, 0) / 12;
  REGIONS.forEach((region, r) => {
    SEGMENT_KEYS.forEach((segmentKey, g) => {
      const amplitude = region.seasonalAmplitude * SEGMENTS[segmentKey].seasonalAmplitude;
      const values = base.map((b, m) => {
        let v = 1 + amplitude * (b / baseMean - 1);
        if (m <= 1) v *= 1 - region.winterDip;
        return Math.max(0.3, v);
      });
      const mean = values.reduce((a, b) => a + b, 0) / 12;
      for (let m = 0; m < 12; m++) out[(r * SEGMENT_COUNT + g) * 12 + m] = values[m]! / mean;
    });
  });
  return out;
}

/** Day-of-week mass of a month relative to the average of the same calendar month (2001–2028). */
const TRADING_DAY_REFERENCE: number[] = (() => {
  const sums = new Array<number>(12).fill(0);
  for (let year = 2001; year <= 2028; year++) {
    for (let month = 1; month <= 12; month++) sums[month - 1]! += dayOfWeekMass(year, month);
  }
  return sums.map((s) => s / 28);
})();

function dayOfWeekMass(year: number, month: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  const n = daysIn(year, month);
  let mass = 0;
  for (let d = 0; d < n; d++) mass += P.dayOfWeekWeights[(first + d) % 7]!;
  return mass;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Stationary AR(1) in logs: returns the series and applies it through `write`. */
function arSeries(
  rng: Random,
  length: number,
  phi: number,
  sigma: number,
  write: (i: number, value: number) => void,
): void {
  const stationarySd = sigma / Math.sqrt(1 - phi * phi);
  let x = rng.normal(0, stationarySd);
  for (let i = 0; i < length; i++) {
    if (i > 0) x = phi * x + rng.normal(0, sigma);
    write(i, x - 0.5 * stationarySd * stationarySd);
  }
}

function buildPlan(options: NormalizedOptions): Plan {
  const { seed, dealers: dealerCount, months, modelLines: lineCount } = options;
  const endAbs = parseMonth(options.endMonth);
  const startAbs = endAbs - months + 1;
  const relToAbs = (rel: number) => startAbs + rel;
  const inWindow = (fraction: number) =>
    Math.max(0, Math.min(months - 1, Math.round(fraction * months)));

  // ---- catalog ------------------------------------------------------------------------------
  const catalogRng = new Random(seed, 'catalog', lineCount, startAbs, months);
  const lineSpecs = Array.from({ length: lineCount }, (_, i) => {
    const spec = MODEL_LINES[i % MODEL_LINES.length]!;
    const generation = Math.floor(i / MODEL_LINES.length);
    return {
      spec,
      key: generation === 0 ? spec.key : `${spec.key}${generation + 1}`,
      name: generation === 0 ? spec.name : `${spec.name} ${generation + 1}`,
      popularity:
        spec.popularity *
        catalogRng.lognormal(0, P.catalog.popularityJitterSigma) *
        (generation === 0 ? 1 : 0.5),
      priceFactor: catalogRng.uniform(1 - P.catalog.priceJitter, 1 + P.catalog.priceJitter),
      shockSensitivity: catalogRng.uniform(
        P.national.shockSensitivity[0],
        P.national.shockSensitivity[1],
      ),
    };
  });
  // Lifecycles: the two best-selling lines are always established.
  const eligible = catalogRng.shuffle(
    Array.from({ length: Math.max(0, lineCount - 2) }, (_, i) => i + 2),
  );
  const launchCount =
    lineCount >= 3 ? Math.max(1, Math.round(P.catalog.launchShare * lineCount)) : 0;
  const runOutCount =
    lineCount >= 5 ? Math.max(1, Math.round(P.catalog.runOutShare * lineCount)) : 0;
  const launching = new Set(eligible.slice(0, launchCount));
  const runningOut = new Set(eligible.slice(launchCount, launchCount + runOutCount));

  const lines: LinePlan[] = [];
  const skus: SkuPlan[] = [];
  const modelLinesOut: DemoModelLine[] = [];
  const skusOut: DemoSku[] = [];
  lineSpecs.forEach((ls, lineIndex) => {
    const segment = SEGMENTS[ls.spec.segment];
    let launchAbs: number;
    const launchDay = catalogRng.intBetween(1, 28);
    let runOutRel: number | null = null;
    if (launching.has(lineIndex)) {
      launchAbs = relToAbs(
        catalogRng.intBetween(
          inWindow(P.catalog.launchWindow[0]),
          inWindow(P.catalog.launchWindow[1]),
        ),
      );
    } else if (runningOut.has(lineIndex)) {
      runOutRel = catalogRng.intBetween(
        inWindow(P.catalog.runOutWindow[0]),
        inWindow(P.catalog.runOutWindow[1]),
      );
      launchAbs = startAbs - 48 - catalogRng.int(60);
    } else {
      launchAbs = startAbs - 13 - catalogRng.int(96);
    }
    // A mid-cycle refresh may add the electrified variant during the window.
    const ladder = MIX_LADDERS[ls.spec.mix];
    const lateVariant =
      !launching.has(lineIndex) &&
      runOutRel === null &&
      ladder.some(([, pt]) => pt === 'PHEV' || pt === 'BEV') &&
      ladder.some(([, pt]) => pt === 'ICE' || pt === 'HEV') &&
      catalogRng.bernoulli(P.catalog.lateVariantProbability);
    const lateAbs = relToAbs(
      catalogRng.intBetween(
        inWindow(P.catalog.lateVariantWindow[0]),
        inWindow(P.catalog.lateVariantWindow[1]),
      ),
    );
    const lateDay = catalogRng.intBetween(1, 28);

    const code = `ML-${ls.key}`;
    const skuStart = skus.length;
    let weightSum = 0;
    const vinLine = VIN_CHARS[Math.floor(lineIndex / 33)]! + VIN_CHARS[lineIndex % 33]!;
    const plantIndex = lineIndex % 7;
    ladder.forEach(([trimCode, powertrain], variant) => {
      const trim = TRIMS[trimCode];
      const pt = POWERTRAIN_SPECS[powertrain];
      const isElectrifiedLate = lateVariant && (powertrain === 'PHEV' || powertrain === 'BEV');
      const skuLaunchAbs = isElectrifiedLate ? lateAbs : launchAbs;
      const skuLaunchDay = isElectrifiedLate ? lateDay : launchDay;
      const ptPrice = ls.spec.mix === 'bev' ? 1 : pt.priceFactor;
      const dollars = ls.spec.basePrice * ls.priceFactor * trim.priceFactor * ptPrice;
      const msrpCents = (Math.round(dollars / 100) * 100 - 5) * 100; // e.g. 31495.00
      const co2Jitter = catalogRng.intBetween(-3, 3);
      const co2 =
        powertrain === 'BEV'
          ? 0
          : Math.max(1, Math.round(segment.co2Ice * trim.co2Factor * pt.co2Factor) + co2Jitter);
      const skuCode = `${ls.key}-${trimCode}-${powertrain}`;
      const label = ls.spec.mix === 'bev' ? '' : pt.label;
      const weight = trim.mixWeight * pt.mixWeight;
      weightSum += weight;
      const launchYear = yearOf(skuLaunchAbs);
      const launchMonth = monthOf(skuLaunchAbs);
      const vinPrefix =
        segment.wmi + vinLine + VIN_CHARS[23 + variant]! + VIN_POWERTRAIN[powertrain] + '1';
      let vinPrefixSum = 0;
      for (let i = 0; i < 8; i++) vinPrefixSum += vinValue(vinPrefix[i]!) * VIN_WEIGHTS[i]!;
      skus.push({
        code: skuCode,
        lineIndex,
        powertrainIndex: POWERTRAINS.indexOf(powertrain),
        weight,
        msrpCents,
        invoiceCents: applyBasisPoints(
          msrpCents,
          Math.round((1 - P.catalog.dealerInvoiceFactor) * 10_000),
        ),
        launchRel: skuLaunchAbs - startAbs,
        launchDay: skuLaunchDay,
        launchAbs: skuLaunchAbs,
        firstModelYear: launchYear + (launchMonth >= P.vin.newModelYearFromMonth ? 1 : 0),
        vinPrefix,
        vinPrefixSum,
        plantIndex,
      });
      skusOut.push({
        code: skuCode,
        modelLineCode: code,
        name: [ls.name, trim.name, label].filter(Boolean).join(' '),
        trim: trim.name,
        powertrain,
        segment: segment.name,
        msrp: centsToAmount(msrpCents),
        co2GramsPerKm: co2,
        launchDate: isoDate(launchYear, launchMonth, skuLaunchDay),
        status: runOutRel === null ? 'active' : 'discontinued',
      });
    });
    for (let s = skuStart; s < skus.length; s++) skus[s]!.weight /= weightSum;
    lines.push({
      code,
      name: ls.name,
      segment: ls.spec.segment,
      segmentIndex: SEGMENT_KEYS.indexOf(ls.spec.segment),
      popularity: ls.popularity,
      runOutRel,
      shockSensitivity: ls.shockSensitivity,
      skuStart,
      skuEnd: skus.length,
    });
    // A line that runs out sells its clearance months after production ends, then nothing.
    const lastSaleAbs =
      runOutRel === null ? null : relToAbs(runOutRel + P.catalog.clearance.length);
    modelLinesOut.push({
      code,
      name: ls.name,
      segment: segment.name,
      salesEndOn:
        lastSaleAbs === null
          ? null
          : isoDate(
              yearOf(lastSaleAbs),
              monthOf(lastSaleAbs),
              daysIn(yearOf(lastSaleAbs), monthOf(lastSaleAbs)),
            ),
    });
  });

  // Availability per SKU and month: launch ramp, partial launch month, run-out taper, clearance.
  const skuAvailability = new Float64Array(skus.length * months);
  skus.forEach((sku, s) => {
    const line = lines[sku.lineIndex]!;
    for (let t = 0; t < months; t++) {
      let a = 0;
      if (t >= sku.launchRel) {
        const age = t - sku.launchRel;
        a = 1 - Math.exp(-(age + 0.5) / P.catalog.rampTauMonths);
        if (age === 0) {
          const abs = relToAbs(t);
          const n = daysIn(yearOf(abs), monthOf(abs));
          a *= (n - sku.launchDay + 1) / n;
        }
      }
      const e = line.runOutRel;
      if (e !== null) {
        const taperStart = e - P.catalog.runOutTaperMonths;
        if (t > e + P.catalog.clearance.length) a = 0;
        else if (t > e) a *= P.catalog.clearance[t - e - 1]!;
        else if (t > taperStart) {
          a *=
            1 - ((1 - P.catalog.runOutTaperFloor) * (t - taperStart)) / P.catalog.runOutTaperMonths;
        }
      }
      skuAvailability[s * months + t] = a;
    }
  });
  // Normalise popularity so that Σ_l popularity × mean availability = 1.
  const lineMeanAvailability = lines.map((line) => {
    let sum = 0;
    for (let s = line.skuStart; s < line.skuEnd; s++) {
      for (let t = 0; t < months; t++) sum += skus[s]!.weight * skuAvailability[s * months + t]!;
    }
    return sum / months;
  });
  const popularityTotal = lines.reduce(
    (acc, l, i) => acc + l.popularity * lineMeanAvailability[i]!,
    0,
  );
  lines.forEach((l) => (l.popularity /= popularityTotal));

  // ---- states -------------------------------------------------------------------------------
  const stateRng = new Random(seed, 'states');
  const states: StatePlan[] = STATES.map((st) => {
    const anchor = Math.min(0.5, st.bevShare2024 * stateRng.lognormal(0, P.ev.anchorJitterSigma));
    const ceiling = Math.min(
      P.ev.ceilingMax,
      P.ev.ceilingBase + P.ev.ceilingSlope * st.bevShare2024,
    );
    const growth = P.ev.growthPerYear * stateRng.lognormal(0, P.ev.growthJitterSigma);
    const hevAnchor = P.ev.hevShare2024 * st.hybridIndex;
    return {
      bevCeiling: ceiling,
      bevGrowth: growth,
      bevMidpoint: 2024.5 + Math.log(ceiling / anchor - 1) / growth,
      phevRatio: P.ev.phevRatio * stateRng.lognormal(0, P.ev.phevRatioJitterSigma),
      hevMidpoint: 2024.5 + Math.log(P.ev.hevCeiling / hevAnchor - 1) / P.ev.hevGrowthPerYear,
    };
  });

  // ---- dealers ------------------------------------------------------------------------------
  const dealerRng = new Random(seed, 'dealers', dealerCount);
  const stateWeights = STATES.map((s) => s.weight);
  const codeWidth = Math.max(5, String(dealerCount).length);
  const rawSizes: number[] = [];
  const dealerStates: number[] = [];
  for (let d = 0; d < dealerCount; d++) {
    dealerStates.push(dealerRng.weightedIndex(stateWeights));
    const z = Math.max(P.dealerSize.zMin, Math.min(P.dealerSize.zMax, dealerRng.normal()));
    rawSizes.push(Math.exp(P.dealerSize.sigma * z));
  }
  const meanSize = rawSizes.reduce((a, b) => a + b, 0) / dealerCount;
  const usedNames = new Set<string>();
  const dealers: DealerPlan[] = [];
  const dealersOut: DemoDealer[] = [];
  for (let d = 0; d < dealerCount; d++) {
    const size = rawSizes[d]! / meanSize;
    const annual = size * P.deliveriesPerDealerYear;
    let classIndex = P.dealerSize.classBounds.findIndex((bound) => annual < bound);
    if (classIndex < 0) classIndex = 4;
    const sizeClass = SIZE_CLASSES[classIndex]!;
    const stateIndex = dealerStates[d]!;
    const state = STATES[stateIndex]!;
    const regionIndex = REGIONS.findIndex((r) => r.key === state.region);
    const { city, isTown } = pickCity(dealerRng, state.cities, sizeClass);
    const name = uniqueName(usedNames, () => dealerName(dealerRng, sizeClass, city, isTown));
    const code = `D${String(d + 1).padStart(codeWidth, '0')}`;
    dealers.push({
      code,
      stateIndex,
      regionIndex,
      classIndex,
      size,
      closeRel: Infinity,
      closeDay: 31,
      invoiceDay: dealerRng.intBetween(P.invoices.dayRange[0], P.invoices.dayRange[1]),
      firstDealNumber: dealerRng.intBetween(10_000, 59_999),
    });
    dealersOut.push({
      code,
      name,
      regionCode: REGIONS[regionIndex]!.code,
      stateProvince: state.code,
      country: NATION.code,
      dealerGroupCode: null,
      status: 'active',
      city,
      sizeClass,
    });
  }

  // Closures: a few, mostly small, stores close during the window.
  const closureRng = new Random(seed, 'closures', dealerCount, months);
  const closureCount =
    dealerCount >= P.closures.minDealers
      ? Math.max(1, Math.round(P.closures.shareOfDealers * dealerCount))
      : 0;
  const closureWeights = dealers.map((d) => 1 / Math.sqrt(d.size));
  for (let i = 0; i < closureCount; i++) {
    const d = closureRng.weightedIndex(closureWeights);
    closureWeights[d] = 0;
    dealers[d]!.closeRel = closureRng.intBetween(inWindow(0.15), months - 1);
    dealers[d]!.closeDay = closureRng.intBetween(1, 28);
    dealersOut[d]!.status = 'inactive';
  }

  // Dealer groups: 5–10 % of dealers, groups of 3–25 around a home region, bigger stores.
  const groupRng = new Random(seed, 'groups', dealerCount);
  const groupsOut: DemoDealerGroup[] = [];
  let toGroup = Math.round(P.groups.shareOfDealers * dealerCount);
  const groupNames = new Set<string>();
  const grouped = new Uint8Array(dealerCount);
  const regionDealerCounts = REGIONS.map(
    (_, r) => dealers.filter((d) => d.regionIndex === r).length,
  );
  while (toGroup >= P.groups.minSize) {
    let size = Math.min(
      P.groups.maxSize,
      P.groups.minSize + Math.floor(groupRng.exponential(P.groups.meanExtraSize)),
    );
    if (toGroup - size < P.groups.minSize) size = Math.min(P.groups.maxSize, toGroup);
    const home = groupRng.weightedIndex(regionDealerCounts);
    const weights = dealers.map((d, i) =>
      grouped[i]
        ? 0
        : (d.regionIndex === home ? 1 : 1 - P.groups.homeRegionBias) * Math.pow(d.size, 0.7),
    );
    const code = `G${String(groupsOut.length + 1).padStart(3, '0')}`;
    const name = uniqueName(groupNames, () =>
      groupRng.bernoulli(0.5)
        ? `${groupRng.pick(SURNAMES)} ${groupRng.pick(GROUP_SUFFIXES)}`
        : `${groupRng.pick(GROUP_WORDS)} ${groupRng.pick(GROUP_SUFFIXES)}`,
    );
    let added = 0;
    for (let k = 0; k < size; k++) {
      if (!weights.some((w) => w > 0)) break;
      const d = groupRng.weightedIndex(weights);
      weights[d] = 0;
      grouped[d] = 1;
      dealersOut[d]!.dealerGroupCode = code;
      added++;
    }
    if (added === 0) break;
    groupsOut.push({ code, name });
    toGroup -= added;
  }

  // ---- dealer × line affinity -----------------------------------------------------------------
  const affinityRng = new Random(seed, 'affinity', dealerCount, lineCount);
  const affinity = new Float64Array(dealerCount * lineCount);
  for (let d = 0; d < dealerCount; d++) {
    const dealer = dealers[d]!;
    const regionKey = REGIONS[dealer.regionIndex]!.key;
    const sizeClass = SIZE_CLASSES[dealer.classIndex]!;
    let norm = 0;
    for (let l = 0; l < lineCount; l++) {
      const line = lines[l]!;
      const segment = SEGMENTS[line.segment];
      const a =
        line.popularity *
        segment.regionAffinity[regionKey] *
        segment.sizeAffinity[sizeClass] *
        affinityRng.lognormal(0, P.noise.affinitySigma);
      affinity[d * lineCount + l] = a;
      norm += a * lineMeanAvailability[l]!;
    }
    for (let l = 0; l < lineCount; l++) affinity[d * lineCount + l]! /= norm;
  }

  // ---- national timeline ----------------------------------------------------------------------
  const timelineRng = new Random(seed, 'timeline', months, startAbs, lineCount);
  const trend = P.national.trendPerYear + timelineRng.normal(0, P.national.trendJitterSd);
  const shockShape = new Float64Array(months); // > 0 shortage, < 0 rebound
  if (months >= 8) {
    const start = inWindow(
      timelineRng.uniform(P.national.shockStartWindow[0], P.national.shockStartWindow[1]),
    );
    const length = timelineRng.intBetween(P.national.shockMonths[0], P.national.shockMonths[1]);
    const depth = timelineRng.uniform(P.national.shockDepth[0], P.national.shockDepth[1]);
    for (let i = 0; i < length && start + i < months; i++) {
      shockShape[start + i] = depth * Math.sin((Math.PI * (i + 1)) / (length + 1));
    }
    P.national.rebound.forEach((r, i) => {
      const t = start + length + i;
      if (t < months) shockShape[t] = -r * depth;
    });
  }
  const lineFactor = new Float64Array(lineCount * months);
  for (let l = 0; l < lineCount; l++) {
    const sensitivity = lines[l]!.shockSensitivity;
    arSeries(timelineRng, months, P.noise.line.phi, P.noise.line.sigma, (t, x) => {
      const shock = Math.max(0.1, 1 - sensitivity * shockShape[t]!);
      lineFactor[l * months + t] = Math.exp(x) * shock;
    });
  }
  const national = new Float64Array(months);
  let nationalMean = 0;
  for (let t = 0; t < months; t++) {
    const abs = relToAbs(t);
    const tradingDays =
      dayOfWeekMass(yearOf(abs), monthOf(abs)) / TRADING_DAY_REFERENCE[monthOf(abs) - 1]!;
    national[t] = Math.pow(1 + trend, (t - (months - 1) / 2) / 12) * tradingDays;
    let shockAverage = 0;
    for (let l = 0; l < lineCount; l++) {
      shockAverage +=
        lines[l]!.popularity *
        lineMeanAvailability[l]! *
        Math.max(0.1, 1 - lines[l]!.shockSensitivity * shockShape[t]!);
    }
    nationalMean += national[t]! * shockAverage;
  }
  nationalMean /= months;
  for (let t = 0; t < months; t++) national[t]! /= nationalMean;

  const stateCount = STATES.length;
  const bevNoise = new Float64Array(stateCount * months);
  const phevNoise = new Float64Array(stateCount * months);
  const hevNoise = new Float64Array(stateCount * months);
  for (let st = 0; st < stateCount; st++) {
    for (const series of [bevNoise, phevNoise, hevNoise]) {
      arSeries(timelineRng, months, P.ev.noise.phi, P.ev.noise.sigma, (t, x) => {
        series[st * months + t] = x;
      });
    }
  }

  // ---- public network -------------------------------------------------------------------------
  const network: DemoNetwork = {
    fiscalYearStartMonth: P.fiscalYearStartMonth,
    currency: 'USD',
    regions: [
      { code: NATION.code, name: NATION.name, parentCode: null },
      ...REGIONS.map((r) => ({ code: r.code, name: r.name, parentCode: NATION.code })),
    ],
    dealerGroups: groupsOut,
    dealers: dealersOut,
    modelLines: modelLinesOut,
    skus: skusOut,
  };

  return {
    key: planKey(options),
    seed,
    months,
    startAbs,
    network,
    lines,
    skus,
    dealers,
    states,
    skuAvailability,
    affinity,
    seasonal: buildSeasonal(),
    national,
    lineFactor,
    bevNoise,
    phevNoise,
    hevNoise,
  };
}

function pickCity(
  rng: Random,
  cities: ReadonlyArray<string>,
  sizeClass: SizeClass,
): { city: string; isTown: boolean } {
  const n = cities.length;
  switch (sizeClass) {
    case 'metro':
      return { city: cities[Math.min(n - 1, rng.weightedIndex([0.5, 0.3, 0.2]))]!, isTown: false };
    case 'large':
      return { city: cities[rng.int(Math.max(1, Math.ceil(n / 2)))]!, isTown: false };
    case 'medium':
      return { city: rng.pick(cities), isTown: false };
    case 'small':
      if (rng.bernoulli(0.5) && n > 1) return { city: cities[1 + rng.int(n - 1)]!, isTown: false };
      return { city: townName(rng), isTown: true };
    case 'rural':
      if (rng.bernoulli(0.15) && n > 2) return { city: cities[2 + rng.int(n - 2)]!, isTown: false };
      return { city: townName(rng), isTown: true };
  }
}

function townName(rng: Random): string {
  return rng.pick(TOWN_PREFIXES) + rng.pick(TOWN_SUFFIXES);
}

function dealerName(rng: Random, sizeClass: SizeClass, city: string, isTown: boolean): string {
  const surname = rng.pick(SURNAMES);
  const big = sizeClass === 'metro' || sizeClass === 'large';
  const patterns = big
    ? [
        `${city} ${BRAND}`,
        `${BRAND} of ${city}`,
        `${surname} ${BRAND}`,
        `${surname} ${BRAND} ${city}`,
      ]
    : isTown
      ? [
          `${surname} Motors`,
          `${surname} ${BRAND}`,
          `${city} Motor Company`,
          `${surname} & Sons ${BRAND}`,
        ]
      : [`${surname} ${BRAND}`, `${city} ${BRAND}`, `${surname} Motors`, `${surname} Auto Center`];
  return rng.pick(patterns);
}

function uniqueName(used: Set<string>, make: () => string): string {
  for (let attempt = 0; attempt < 6; attempt++) {
    const name = make();
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
  const base = make();
  for (const suffix of ['North', 'South', 'East', 'West', 'Central']) {
    const name = `${base} ${suffix}`;
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
  for (let k = 2; ; k++) {
    const name = `${base} ${k}`;
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plan cache: generateTransactions re-derives the hidden parameters from the options
// ---------------------------------------------------------------------------------------------

const planCache = new WeakMap<DemoNetwork, Plan>();

export function generateNetwork(options: DemoOptions): DemoNetwork {
  const plan = buildPlan(normalizeOptions(options));
  planCache.set(plan.network, plan);
  return plan.network;
}

function planFor(network: DemoNetwork, options: NormalizedOptions): Plan {
  const key = planKey(options);
  const cached = planCache.get(network);
  if (cached && cached.key === key) return cached;
  const plan = buildPlan(options);
  const same =
    network.dealers.length === plan.network.dealers.length &&
    network.skus.length === plan.network.skus.length &&
    network.dealers.every((d, i) => d.code === plan.network.dealers[i]!.code) &&
    network.skus.every((s, i) => s.code === plan.network.skus[i]!.code);
  if (!same) {
    throw new Error(
      'The network does not match the options: pass the network returned by generateNetwork(options) for the same options',
    );
  }
  planCache.set(network, plan);
  return plan;
}

/** First and last day of the history window, as 'YYYY-MM-DD'. */
export function demoWindow(options: Pick<DemoOptions, 'months' | 'endMonth'>): {
  firstDay: string;
  lastDay: string;
  startMonth: string;
  endMonth: string;
} {
  const endAbs = parseMonth(options.endMonth);
  const startAbs = endAbs - options.months + 1;
  const ey = yearOf(endAbs);
  const em = monthOf(endAbs);
  return {
    firstDay: isoDate(yearOf(startAbs), monthOf(startAbs), 1),
    lastDay: isoDate(ey, em, daysIn(ey, em)),
    startMonth: `${yearOf(startAbs)}-${pad2(monthOf(startAbs))}`,
    endMonth: options.endMonth,
  };
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

const KIND_INVOICE = 1;
const KIND_RETAIL = 2;
const KIND_REGISTRATION = 3;
const KIND_UNWIND = 4;
const KIND_NAMES: ReadonlyArray<DemoTransaction['kind']> = [
  'wholesale_order',
  'invoice',
  'retail_delivery',
  'registration',
  'unwind',
];
const KIND_SOURCES: ReadonlyArray<string> = [
  P.sources.invoice,
  P.sources.invoice,
  P.sources.retail,
  P.sources.registration,
  P.sources.retail,
];

/**
 * A row in compact form. Strings (VIN, external id, amount, date) are only built when the row is
 * handed out, so that a month of buffered rows is plain typed arrays and creates no garbage.
 * `ref` is the dealer's deal number (deliveries, unwinds, registrations) or the invoice line.
 */
type PendingRow = {
  day: number;
  dealer: number;
  kind: number;
  sku: number;
  quantity: number;
  cents: number;
  modelYear: number;
  plant: number;
  serial: number;
  ref: number;
};

/** One month of rows in columns, reused from month to month. */
class MonthBuffer {
  length = 0;
  kind = new Uint8Array(1024);
  dealer = new Int32Array(1024);
  sku = new Int32Array(1024);
  day = new Uint8Array(1024);
  quantity = new Int32Array(1024);
  cents = new Float64Array(1024);
  modelYear = new Int16Array(1024);
  plant = new Uint8Array(1024);
  serial = new Int32Array(1024);
  ref = new Float64Array(1024);
  order = new Int32Array(1024);
  private scratch = new Int32Array(1024);
  private counts = new Int32Array(0);

  reset(): void {
    this.length = 0;
  }

  push(
    kind: number,
    dealer: number,
    sku: number,
    day: number,
    quantity: number,
    cents: number,
    modelYear: number,
    plant: number,
    serial: number,
    ref: number,
  ): void {
    const i = this.length;
    if (i === this.kind.length) this.grow();
    this.kind[i] = kind;
    this.dealer[i] = dealer;
    this.sku[i] = sku;
    this.day[i] = day;
    this.quantity[i] = quantity;
    this.cents[i] = cents;
    this.modelYear[i] = modelYear;
    this.plant[i] = plant;
    this.serial[i] = serial;
    this.ref[i] = ref;
    this.length = i + 1;
  }

  pushRow(r: PendingRow): void {
    this.push(
      r.kind,
      r.dealer,
      r.sku,
      r.day,
      r.quantity,
      r.cents,
      r.modelYear,
      r.plant,
      r.serial,
      r.ref,
    );
  }

  private grow(): void {
    const n = this.kind.length * 2;
    const copy = <T extends { set(a: ArrayLike<number>): void }>(
      from: ArrayLike<number>,
      to: T,
    ): T => {
      to.set(from);
      return to;
    };
    this.kind = copy(this.kind, new Uint8Array(n));
    this.dealer = copy(this.dealer, new Int32Array(n));
    this.sku = copy(this.sku, new Int32Array(n));
    this.day = copy(this.day, new Uint8Array(n));
    this.quantity = copy(this.quantity, new Int32Array(n));
    this.cents = copy(this.cents, new Float64Array(n));
    this.modelYear = copy(this.modelYear, new Int16Array(n));
    this.plant = copy(this.plant, new Uint8Array(n));
    this.serial = copy(this.serial, new Int32Array(n));
    this.ref = copy(this.ref, new Float64Array(n));
    this.order = new Int32Array(n);
    this.scratch = new Int32Array(n);
  }

  /** Stable two-pass counting sort: by dealer, then by day → (day, dealer, insertion order). */
  sort(dealerCount: number): void {
    const n = this.length;
    if (this.counts.length < Math.max(dealerCount, 32) + 1) {
      this.counts = new Int32Array(Math.max(dealerCount, 32) + 1);
    }
    const counts = this.counts;
    const byDealer = this.scratch;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[this.dealer[i]! + 1]!++;
    for (let k = 1; k <= dealerCount; k++) counts[k]! += counts[k - 1]!;
    for (let i = 0; i < n; i++) byDealer[counts[this.dealer[i]!]!++] = i;
    counts.fill(0, 0, 33);
    for (let i = 0; i < n; i++) counts[this.day[i]! + 1]!++;
    for (let k = 1; k <= 32; k++) counts[k]! += counts[k - 1]!;
    const order = this.order;
    for (let j = 0; j < n; j++) {
      const i = byDealer[j]!;
      order[counts[this.day[i]!]!++] = i;
    }
  }
}

/** Index k in 1..n with cum[k-1] <= x < cum[k] (cum[0] = 0, cum[n] = 1). */
function searchDay(cum: Float64Array, n: number, x: number): number {
  let lo = 1;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < cum[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

type History = { simulateMonth: (t: number) => number; row: (j: number) => DemoTransaction };

/**
 * The month-by-month simulation. Kept out of the generator function on purpose: a generator
 * saves and restores all of its locals on every yield, and this state is large.
 */
function createHistory(plan: Plan, options: NormalizedOptions): History {
  const { months, startAbs, lines, skus, dealers, states, network } = plan;
  const D = dealers.length;
  const L = lines.length;
  const S = skus.length;
  const stateCount = STATES.length;
  const classCount = SIZE_CLASSES.length;
  const rng = new Random(plan.seed, 'transactions', plan.key);
  const includeRegistrations = options.includeRegistrations;
  const monthlyBase = options.deliveriesPerDealerYear / 12;

  const dealerCodes = network.dealers.map((d) => d.code);
  const dealPrefixes = dealerCodes.map((code) => `${code}-`);
  const skuCodes = network.skus.map((s) => s.code);

  // Month calendar (including three months past the window for late unwinds/registrations).
  const monthStartEpoch: number[] = [];
  for (let t = 0; t <= months + 3; t++) {
    const abs = startAbs + t;
    monthStartEpoch.push(epochDayOf(yearOf(abs), monthOf(abs), 1));
  }
  const locate = (epochDay: number, fromRel: number): { rel: number; day: number } => {
    let rel = fromRel;
    while (rel + 1 < monthStartEpoch.length && epochDay >= monthStartEpoch[rel + 1]!) rel++;
    return { rel, day: epochDay - monthStartEpoch[rel]! + 1 };
  };

  // Noise states.
  const dealerSd = P.noise.dealer.sigma / Math.sqrt(1 - P.noise.dealer.phi ** 2);
  const dealerLineSd = P.noise.dealerLine.sigma / Math.sqrt(1 - P.noise.dealerLine.phi ** 2);
  const dealerLog = new Float64Array(D);
  for (let d = 0; d < D; d++) dealerLog[d] = rng.normal(0, dealerSd);
  const dealerLineLog = new Float64Array(D * L);
  for (let i = 0; i < D * L; i++) dealerLineLog[i] = rng.normal(0, dealerLineSd);
  const dealerCorrection = -0.5 * dealerSd * dealerSd;
  const dealerLineCorrection = -0.5 * dealerLineSd * dealerLineSd;
  const nbShape = P.noise.overdispersionShape;

  // Per-dealer counters.
  const dealNumber = new Float64Array(D);
  dealers.forEach((d, i) => (dealNumber[i] = d.firstDealNumber));
  const owed = new Int32Array(D * S);

  // VIN serials per SKU × model year.
  const firstModelYear = yearOf(startAbs) - 1;
  const modelYearSpan = yearOf(startAbs + months) - firstModelYear + 3;
  const serial = new Int32Array(S * modelYearSpan);
  const plantShift = new Uint8Array(S * modelYearSpan);

  const pending: PendingRow[][] = Array.from({ length: months }, () => []);
  const buffer = new MonthBuffer();

  // Per-month tables.
  const scCount = stateCount * classCount;
  const usedStateClass = new Uint8Array(scCount);
  for (const d of dealers) usedStateClass[d.stateIndex * classCount + d.classIndex] = 1;
  const lineEv = new Float64Array(scCount * L);
  const skuCum = new Float64Array(scCount * S);
  const regionLine = new Float64Array(REGION_COUNT * L);
  const discountMu = new Float64Array(S);
  const dayCum = new Float64Array(32);
  const shares = new Float64Array(4);
  const catalogShare = new Float64Array(4);

  const prepareMonth = (t: number) => {
    const abs = startAbs + t;
    const calendarMonth = monthOf(abs) - 1;
    const yearFraction = yearOf(abs) + calendarMonth / 12 + 1 / 24;
    // What the catalog offers this month, by powertrain (national popularity × availability).
    catalogShare.fill(0);
    let catalogTotal = 0;
    for (let s = 0; s < S; s++) {
      const sku = skus[s]!;
      const w =
        lines[sku.lineIndex]!.popularity * sku.weight * plan.skuAvailability[s * months + t]!;
      catalogShare[sku.powertrainIndex]! += w;
      catalogTotal += w;
    }
    // EV adoption: powertrain shares per (state, size class) → demand multipliers.
    for (let st = 0; st < stateCount; st++) {
      const sp = states[st]!;
      const bevCurve = sp.bevCeiling * logistic(sp.bevGrowth * (yearFraction - sp.bevMidpoint));
      const bev = bevCurve * Math.exp(plan.bevNoise[st * months + t]!);
      const phev = sp.phevRatio * bevCurve * Math.exp(plan.phevNoise[st * months + t]!);
      const hev =
        P.ev.hevCeiling *
        logistic(P.ev.hevGrowthPerYear * (yearFraction - sp.hevMidpoint)) *
        Math.exp(plan.hevNoise[st * months + t]!);
      for (let c = 0; c < classCount; c++) {
        const sc = st * classCount + c;
        if (!usedStateClass[sc]) continue;
        const factor = P.ev.sizeClassFactor[SIZE_CLASSES[c]!];
        shares[3] = bev * factor;
        shares[2] = phev * Math.sqrt(factor);
        shares[1] = hev;
        shares[0] = Math.max(0.05, 1 - shares[1]! - shares[2]! - shares[3]!);
        // Demand multiplier per powertrain: adoption share ÷ catalog share, so the network's
        // powertrain mix follows adoption while launches and run-outs change total volume.
        let total = 0;
        for (let p = 0; p < 4; p++) total += catalogShare[p]! > 0 ? shares[p]! : 0;
        for (let p = 0; p < 4; p++) {
          shares[p] =
            catalogShare[p]! > 0 ? (shares[p]! / total) * (catalogTotal / catalogShare[p]!) : 0;
        }
        for (let l = 0; l < L; l++) {
          const line = lines[l]!;
          let sum = 0;
          for (let s = line.skuStart; s < line.skuEnd; s++) {
            const sku = skus[s]!;
            const w =
              sku.weight * plan.skuAvailability[s * months + t]! * shares[sku.powertrainIndex]!;
            sum += w;
            skuCum[sc * S + s] = sum;
          }
          lineEv[sc * L + l] = sum;
          if (sum > 0) {
            for (let s = line.skuStart; s < line.skuEnd; s++) skuCum[sc * S + s]! /= sum;
          }
          skuCum[sc * S + line.skuEnd - 1] = 1;
        }
      }
    }
    // National line factor × regional seasonality.
    for (let r = 0; r < REGION_COUNT; r++) {
      for (let l = 0; l < L; l++) {
        const line = lines[l]!;
        regionLine[r * L + l] =
          plan.lineFactor[l * months + t]! *
          plan.seasonal[(r * SEGMENT_COUNT + line.segmentIndex) * 12 + calendarMonth]!;
      }
    }
    // Discount level per SKU: model age, run-out, launch.
    for (let s = 0; s < S; s++) {
      const sku = skus[s]!;
      const line = lines[sku.lineIndex]!;
      const ageMonths = abs - sku.launchAbs;
      let mu =
        P.discount.base +
        Math.min(P.discount.maxAgeEffect, (P.discount.perYearOfAge * ageMonths) / 12);
      if (ageMonths < P.discount.launchMonths) mu += P.discount.launch;
      if (line.runOutRel !== null && t > line.runOutRel - P.catalog.runOutTaperMonths)
        mu += P.discount.runOut;
      if (calendarMonth === 11) mu += P.discount.december;
      discountMu[s] = mu;
    }
    // Day distribution: day of week × month-end push.
    const year = yearOf(abs);
    const n = daysIn(year, calendarMonth + 1);
    const firstDow = new Date(Date.UTC(year, calendarMonth, 1)).getUTCDay();
    let total = 0;
    dayCum[0] = 0;
    for (let day = 1; day <= n; day++) {
      let w = P.dayOfWeekWeights[(firstDow + day - 1) % 7]!;
      if (day === n) w *= P.monthEndBoost.lastDay;
      else if (day >= n - 2) w *= P.monthEndBoost.lastThreeDays;
      total += w;
      dayCum[day] = total;
    }
    for (let day = 1; day <= n; day++) dayCum[day]! /= total;
    dayCum[n] = 1;
    return { year, month: calendarMonth + 1, days: n, firstDow };
  };

  // Warm-up: what each dealer sold in the month before the window and has not yet been
  // invoiced for, so that the first month already has replenishment invoices.
  {
    const warm = new Random(plan.seed, 'warm-up', plan.key);
    prepareMonth(0);
    for (let d = 0; d < D; d++) {
      const dealer = dealers[d]!;
      const sc = dealer.stateIndex * classCount + dealer.classIndex;
      const base = monthlyBase * dealer.size * plan.national[0]!;
      for (let l = 0; l < L; l++) {
        const ev = lineEv[sc * L + l]!;
        if (ev <= 0) continue;
        const lambda =
          base * plan.affinity[d * L + l]! * regionLine[dealer.regionIndex * L + l]! * ev;
        const line = lines[l]!;
        let prev = 0;
        for (let s = line.skuStart; s < line.skuEnd; s++) {
          const share = skuCum[sc * S + s]! - prev;
          prev = skuCum[sc * S + s]!;
          owed[d * S + s] = warm.poisson(lambda * share) + warm.int(P.invoices.minimumOrderUnits);
        }
      }
    }
  }

  const minimumOrder = P.invoices.minimumOrderUnits;
  const unwindRate = P.unwinds.rate;
  const { phi: dealerPhi, sigma: dealerSigma } = P.noise.dealer;
  const { phi: dealerLinePhi, sigma: dealerLineSigma } = P.noise.dealerLine;

  let dates: string[] = [];
  let yyyymm = '';

  /** Queues an unwind or registration; rows dated in the current month go straight in. */
  const schedule = (t: number, epochDay: number, row: Omit<PendingRow, 'day'>): boolean => {
    const at = locate(epochDay, t);
    if (at.rel >= months) return false;
    const full: PendingRow = { ...row, day: at.day };
    if (at.rel === t) buffer.pushRow(full);
    else pending[at.rel]!.push(full);
    return true;
  };

  const simulateMonth = (t: number): number => {
    const cal = prepareMonth(t);
    const monthEndDay = cal.days - 2;
    yyyymm = `${cal.year}${pad2(cal.month)}`;
    dates = [''];
    for (let day = 1; day <= cal.days; day++) dates.push(isoDate(cal.year, cal.month, day));
    const modelYearBase = cal.year + (cal.month >= P.vin.newModelYearFromMonth ? 1 : 0);
    const monthStart = monthStartEpoch[t]!;

    buffer.reset();
    for (const row of pending[t]!) buffer.pushRow(row);
    pending[t] = [];

    for (let d = 0; d < D; d++) {
      const dealer = dealers[d]!;
      if (t > dealer.closeRel) continue;
      const closingNow = t === dealer.closeRel;
      const lastDay = closingNow ? Math.min(dealer.closeDay, cal.days) : cal.days;
      const openMass = dayCum[lastDay]!;

      // Replenishment invoices for what was sold earlier (minimum order quantity).
      let invoiceDay = dealer.invoiceDay;
      const dow = (cal.firstDow + invoiceDay - 1) % 7;
      if (dow === 6) invoiceDay += 2;
      else if (dow === 0) invoiceDay += 1;
      if (invoiceDay <= lastDay) {
        let invoiceLine = 0;
        for (let s = 0; s < S; s++) {
          const q = owed[d * S + s]!;
          if (q < minimumOrder) continue;
          owed[d * S + s] = 0;
          invoiceLine++;
          buffer.push(
            KIND_INVOICE,
            d,
            s,
            invoiceDay,
            q,
            q * skus[s]!.invoiceCents,
            0,
            0,
            0,
            invoiceLine,
          );
        }
      }

      // Dealer-level noise and closure taper.
      dealerLog[d] = dealerPhi * dealerLog[d]! + rng.normal(0, dealerSigma);
      let base =
        monthlyBase * dealer.size * plan.national[t]! * Math.exp(dealerLog[d]! + dealerCorrection);
      if (dealer.closeRel !== Infinity) {
        const monthsBefore = dealer.closeRel - t;
        if (monthsBefore < P.closures.taperMonths) {
          base *= 1 - P.closures.taperStep * (P.closures.taperMonths - monthsBefore);
        }
        if (closingNow) base *= openMass;
      }
      const sc = dealer.stateIndex * classCount + dealer.classIndex;
      const regionOffset = dealer.regionIndex * L;

      for (let l = 0; l < L; l++) {
        const k = d * L + l;
        const x = dealerLinePhi * dealerLineLog[k]! + rng.normal(0, dealerLineSigma);
        dealerLineLog[k] = x;
        const ev = lineEv[sc * L + l]!;
        if (ev <= 0) continue;
        const lambda =
          base *
          plan.affinity[k]! *
          regionLine[regionOffset + l]! *
          ev *
          Math.exp(x + dealerLineCorrection) *
          rng.gamma(nbShape, 1 / nbShape);
        const units = rng.poisson(lambda);
        if (units === 0) continue;
        const line = lines[l]!;
        for (let unit = 0; unit < units; unit++) {
          // SKU within the line.
          const u = rng.next();
          let s = line.skuStart;
          while (s < line.skuEnd - 1 && u >= skuCum[sc * S + s]!) s++;
          const sku = skus[s]!;
          // Day: never before the SKU's launch day, never after the closing day.
          const lo = t === sku.launchRel ? dayCum[sku.launchDay - 1]! : 0;
          if (lo >= openMass) continue; // launched after this dealer closed
          const day = searchDay(dayCum, lastDay, lo + rng.next() * (openMass - lo));
          // Price: MSRP less a discount in whole basis points (money stays integer cents).
          let discount = discountMu[s]! + rng.normal(0, P.discount.sd);
          if (day >= monthEndDay) discount += P.discount.monthEnd;
          discount = discount < 0 ? 0 : discount > P.discount.max ? P.discount.max : discount;
          const cents = applyBasisPoints(sku.msrpCents, Math.round(discount * 10_000));
          // VIN: model year (some prior-year stock), plant, serial with gaps.
          let modelYear = modelYearBase - (rng.next() < P.vin.priorModelYearShare ? 1 : 0);
          if (modelYear < sku.firstModelYear) modelYear = sku.firstModelYear;
          const slot = s * modelYearSpan + (modelYear - firstModelYear);
          let next = serial[slot]!;
          if (next === 0) next = 100_000 + (hashSeed(plan.seed, s, modelYear) % 50_000);
          const gap = rng.next();
          next += gap < 0.1 ? 4 : gap < 0.3 ? 2 : 1;
          if (next > 999_999) {
            plantShift[slot]!++;
            if (sku.plantIndex + plantShift[slot]! >= VIN_PLANTS.length) {
              throw new Error(`VIN serial space exhausted for ${sku.code} model year ${modelYear}`);
            }
            next = 100_000;
          }
          serial[slot] = next;
          const plant = sku.plantIndex + plantShift[slot]!;
          const deal = dealNumber[d]!;
          dealNumber[d] = deal + 1;
          buffer.push(KIND_RETAIL, d, s, day, 1, cents, modelYear, plant, next, deal);
          owed[d * S + s]!++;

          // Unwind: same VIN, negative amount, 3–60 days later (may fall in a later month).
          let unwindEpoch = Infinity;
          if (rng.next() < unwindRate) {
            const offset = Math.min(
              P.unwinds.maxDays,
              P.unwinds.minDays + Math.floor(rng.exponential(P.unwinds.meanExtraDays)),
            );
            const epoch = monthStart + day - 1 + offset;
            const at = locate(epoch, t);
            const stillOpen =
              at.rel < dealer.closeRel || (at.rel === dealer.closeRel && at.day <= dealer.closeDay);
            if (
              stillOpen &&
              schedule(t, epoch, {
                dealer: d,
                kind: KIND_UNWIND,
                sku: s,
                quantity: -1,
                cents: -cents,
                modelYear,
                plant,
                serial: next,
                ref: deal,
              })
            ) {
              unwindEpoch = epoch;
              owed[d * S + s]!--;
            }
          }
          // Registration a few days later, unless the deal was unwound first.
          if (includeRegistrations) {
            const offset = Math.min(
              P.registrations.maxDays,
              P.registrations.minDays + Math.floor(rng.exponential(P.registrations.meanExtraDays)),
            );
            const epoch = monthStart + day - 1 + offset;
            if (epoch < unwindEpoch) {
              schedule(t, epoch, {
                dealer: d,
                kind: KIND_REGISTRATION,
                sku: s,
                quantity: 1,
                cents: 0,
                modelYear,
                plant,
                serial: next,
                ref: deal,
              });
            }
          }
        }
      }
    }

    buffer.sort(D);
    return buffer.length;
  };

  const vinOf = (i: number): string => {
    const sku = skus[buffer.sku[i]!]!;
    const yearChar = vinYearCode(buffer.modelYear[i]!);
    const plantChar = VIN_PLANTS[buffer.plant[i]!]!;
    const serialNumber = buffer.serial[i]!;
    let sum = sku.vinPrefixSum + vinValue(yearChar) * 9 + vinValue(plantChar) * 8;
    let rest = serialNumber;
    for (let w = 2; w <= 7; w++) {
      sum += (rest % 10) * w;
      rest = (rest - (rest % 10)) / 10;
    }
    const check = sum % 11;
    return sku.vinPrefix + VIN_CHECK_CHARS[check]! + yearChar + plantChar + serialNumber;
  };

  const row = (j: number): DemoTransaction => {
    const i = buffer.order[j]!;
    const kind = buffer.kind[i]!;
    const dealer = buffer.dealer[i]!;
    const dealerCode = dealerCodes[dealer]!;
    const ref = buffer.ref[i]!;
    let vin: string | null = null;
    let externalId: string;
    if (kind === KIND_INVOICE) {
      externalId = `INV${yyyymm}-${dealerCode}-${ref < 10 ? '00' : ref < 100 ? '0' : ''}${ref}`;
    } else {
      vin = vinOf(i);
      externalId =
        kind === KIND_RETAIL
          ? dealPrefixes[dealer]! + ref
          : kind === KIND_UNWIND
            ? `UW-${dealPrefixes[dealer]!}${ref}`
            : `REG-${vin}`;
    }
    return {
      kind: KIND_NAMES[kind]!,
      dealerCode,
      sku: skuCodes[buffer.sku[i]!]!,
      vin,
      quantity: buffer.quantity[i]!,
      amount: centsToAmount(buffer.cents[i]!),
      currency: 'USD',
      occurredOn: dates[buffer.day[i]!]!,
      source: KIND_SOURCES[kind]!,
      externalId,
    };
  };

  return { simulateMonth, row };
}

function* generateRows(plan: Plan, options: NormalizedOptions): Generator<DemoTransaction> {
  const history = createHistory(plan, options);
  for (let t = 0; t < plan.months; t++) {
    const n = history.simulateMonth(t);
    for (let j = 0; j < n; j++) yield history.row(j);
  }
}

/**
 * Streams the history, ordered by occurredOn, then dealer code. Holds one month of rows at a
 * time. `network` must be the one `generateNetwork(options)` returned (or an equal copy).
 */
export function generateTransactions(
  network: DemoNetwork,
  options: DemoOptions,
): Generator<DemoTransaction> {
  const normalized = normalizeOptions(options);
  return generateRows(planFor(network, normalized), normalized);
}

/** The same rows as generateTransactions, in arrays of at most `batchSize`. */
export function* generateTransactionBatches(
  network: DemoNetwork,
  options: DemoOptions,
  batchSize: number,
): Generator<DemoTransaction[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const normalized = normalizeOptions(options);
  const plan = planFor(network, normalized);
  const history = createHistory(plan, normalized);
  let batch: DemoTransaction[] = [];
  for (let t = 0; t < plan.months; t++) {
    const n = history.simulateMonth(t);
    for (let j = 0; j < n; j++) {
      batch.push(history.row(j));
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}
