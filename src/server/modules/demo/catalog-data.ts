/**
 * Static catalog for the demo network: the fictional brand, its segments, its 40 model lines and
 * the trim/powertrain ladders that turn each line into four SKUs. Prices are US-market orders of
 * magnitude (entry-trim MSRP in USD); CO2 is a WLTP-like g/km for the ICE version of the segment.
 * The generator adds seeded jitter to both. See docs/demo-network.md.
 */
import type { RegionKey } from './geography-data';

export const BRAND = 'Meridian';

export type Powertrain = 'ICE' | 'HEV' | 'PHEV' | 'BEV';
export const POWERTRAINS: ReadonlyArray<Powertrain> = ['ICE', 'HEV', 'PHEV', 'BEV'];

export type SizeClass = 'rural' | 'small' | 'medium' | 'large' | 'metro';
export const SIZE_CLASSES: ReadonlyArray<SizeClass> = [
  'rural',
  'small',
  'medium',
  'large',
  'metro',
];

export type SegmentKey =
  | 'compact-car'
  | 'midsize-sedan'
  | 'subcompact-suv'
  | 'compact-suv'
  | 'midsize-suv'
  | 'fullsize-suv'
  | 'pickup'
  | 'van'
  | 'sports';

export type SegmentSpec = {
  key: SegmentKey;
  name: string;
  /** CO2 g/km of the ICE entry trim. */
  co2Ice: number;
  /** World manufacturer identifier used in VINs (1/4/5 = built in the USA). */
  wmi: string;
  /** Multiplies the amplitude of the seasonal pattern (convertibles and sports cars: spring). */
  seasonalAmplitude: number;
  /** Relative demand by region (pickups in Texas, compacts on the coasts). */
  regionAffinity: Readonly<Record<RegionKey, number>>;
  /** Relative demand by dealer size class (rural points sell trucks, metro stores compacts). */
  sizeAffinity: Readonly<Record<SizeClass, number>>;
};

// prettier-ignore
export const SEGMENTS: Readonly<Record<SegmentKey, SegmentSpec>> = {
  'compact-car': { key: 'compact-car', name: 'Compact car', co2Ice: 135, wmi: '1MR', seasonalAmplitude: 1.0,
    regionAffinity: { NE: 1.2, SE: 1.0, MW: 0.9, SC: 0.85, MT: 0.9, W: 1.25 },
    sizeAffinity: { rural: 0.7, small: 0.85, medium: 1.0, large: 1.1, metro: 1.25 } },
  'midsize-sedan': { key: 'midsize-sedan', name: 'Midsize sedan', co2Ice: 150, wmi: '1MR', seasonalAmplitude: 1.0,
    regionAffinity: { NE: 1.05, SE: 1.15, MW: 0.9, SC: 0.95, MT: 0.85, W: 1.1 },
    sizeAffinity: { rural: 0.8, small: 0.9, medium: 1.0, large: 1.05, metro: 1.1 } },
  'subcompact-suv': { key: 'subcompact-suv', name: 'Subcompact SUV', co2Ice: 150, wmi: '5MR', seasonalAmplitude: 1.0,
    regionAffinity: { NE: 1.1, SE: 1.0, MW: 1.0, SC: 0.9, MT: 1.0, W: 1.05 },
    sizeAffinity: { rural: 0.9, small: 1.0, medium: 1.0, large: 1.0, metro: 1.05 } },
  'compact-suv': { key: 'compact-suv', name: 'Compact SUV', co2Ice: 170, wmi: '5MR', seasonalAmplitude: 1.0,
    regionAffinity: { NE: 1.1, SE: 0.95, MW: 1.1, SC: 0.9, MT: 1.15, W: 1.0 },
    sizeAffinity: { rural: 0.95, small: 1.0, medium: 1.0, large: 1.0, metro: 1.0 } },
  'midsize-suv': { key: 'midsize-suv', name: 'Midsize SUV', co2Ice: 205, wmi: '5MR', seasonalAmplitude: 1.0,
    regionAffinity: { NE: 1.05, SE: 1.0, MW: 1.1, SC: 1.05, MT: 1.1, W: 0.9 },
    sizeAffinity: { rural: 1.0, small: 1.0, medium: 1.0, large: 1.0, metro: 0.95 } },
  'fullsize-suv': { key: 'fullsize-suv', name: 'Full-size SUV', co2Ice: 265, wmi: '1MV', seasonalAmplitude: 0.9,
    regionAffinity: { NE: 0.9, SE: 1.15, MW: 1.0, SC: 1.35, MT: 1.1, W: 0.8 },
    sizeAffinity: { rural: 1.2, small: 1.1, medium: 1.0, large: 0.95, metro: 0.9 } },
  'pickup': { key: 'pickup', name: 'Pickup', co2Ice: 280, wmi: '1MT', seasonalAmplitude: 0.9,
    regionAffinity: { NE: 0.7, SE: 1.15, MW: 1.2, SC: 1.6, MT: 1.4, W: 0.75 },
    sizeAffinity: { rural: 1.6, small: 1.3, medium: 1.0, large: 0.85, metro: 0.65 } },
  'van': { key: 'van', name: 'Van', co2Ice: 215, wmi: '2MR', seasonalAmplitude: 1.1,
    regionAffinity: { NE: 1.0, SE: 1.0, MW: 1.15, SC: 1.0, MT: 1.0, W: 0.9 },
    sizeAffinity: { rural: 0.9, small: 1.0, medium: 1.0, large: 1.05, metro: 1.0 } },
  'sports': { key: 'sports', name: 'Sports car', co2Ice: 220, wmi: '1MR', seasonalAmplitude: 1.7,
    regionAffinity: { NE: 0.9, SE: 1.1, MW: 0.8, SC: 1.0, MT: 0.95, W: 1.25 },
    sizeAffinity: { rural: 0.6, small: 0.8, medium: 1.0, large: 1.15, metro: 1.3 } },
};

export type TrimCode = 'S' | 'SE' | 'SP' | 'LTD' | 'PLT' | 'SR' | 'LR' | 'AWD' | 'PERF';

export type TrimSpec = {
  code: TrimCode;
  name: string;
  /** MSRP relative to the line's entry price. */
  priceFactor: number;
  /** Share of the line's demand before powertrain adoption is applied. */
  mixWeight: number;
  /** CO2 relative to the entry trim (AWD, bigger wheels, more power). */
  co2Factor: number;
};

// prettier-ignore
export const TRIMS: Readonly<Record<TrimCode, TrimSpec>> = {
  S: { code: 'S', name: 'S', priceFactor: 1.0, mixWeight: 0.3, co2Factor: 1.0 },
  SE: { code: 'SE', name: 'SE', priceFactor: 1.08, mixWeight: 0.34, co2Factor: 1.02 },
  SP: { code: 'SP', name: 'Sport', priceFactor: 1.17, mixWeight: 0.18, co2Factor: 1.08 },
  LTD: { code: 'LTD', name: 'Limited', priceFactor: 1.3, mixWeight: 0.14, co2Factor: 1.05 },
  PLT: { code: 'PLT', name: 'Platinum', priceFactor: 1.45, mixWeight: 0.06, co2Factor: 1.07 },
  SR: { code: 'SR', name: 'Standard Range', priceFactor: 1.0, mixWeight: 0.3, co2Factor: 1 },
  LR: { code: 'LR', name: 'Long Range', priceFactor: 1.13, mixWeight: 0.35, co2Factor: 1 },
  AWD: { code: 'AWD', name: 'Long Range AWD', priceFactor: 1.24, mixWeight: 0.25, co2Factor: 1 },
  PERF: { code: 'PERF', name: 'Performance', priceFactor: 1.42, mixWeight: 0.1, co2Factor: 1 },
};

/** Price and CO2 relative to the ICE version of the same trim; base demand weight of the variant. */
// prettier-ignore
export const POWERTRAIN_SPECS: Readonly<Record<Powertrain, { priceFactor: number; co2Factor: number; mixWeight: number; label: string }>> = {
  ICE: { priceFactor: 1.0, co2Factor: 1.0, mixWeight: 1.0, label: '' },
  HEV: { priceFactor: 1.08, co2Factor: 0.72, mixWeight: 1.0, label: 'Hybrid' },
  PHEV: { priceFactor: 1.22, co2Factor: 0.28, mixWeight: 0.7, label: 'Plug-in Hybrid' },
  BEV: { priceFactor: 1.3, co2Factor: 0, mixWeight: 1.0, label: 'Electric' },
};

export type PowertrainMix =
  'ice' | 'ice-hev' | 'ice-hev-phev' | 'ice-phev' | 'hev' | 'hev-phev' | 'bev' | 'ice-bev';

/** The four SKUs (trim × powertrain) each mix produces. */
// prettier-ignore
export const MIX_LADDERS: Readonly<Record<PowertrainMix, ReadonlyArray<readonly [TrimCode, Powertrain]>>> = {
  'ice': [['S', 'ICE'], ['SE', 'ICE'], ['SP', 'ICE'], ['LTD', 'ICE']],
  'ice-hev': [['SE', 'ICE'], ['SP', 'ICE'], ['SE', 'HEV'], ['LTD', 'HEV']],
  'ice-hev-phev': [['SE', 'ICE'], ['SE', 'HEV'], ['LTD', 'HEV'], ['LTD', 'PHEV']],
  'ice-phev': [['S', 'ICE'], ['SE', 'ICE'], ['LTD', 'ICE'], ['LTD', 'PHEV']],
  'hev': [['SE', 'HEV'], ['SP', 'HEV'], ['LTD', 'HEV'], ['PLT', 'HEV']],
  'hev-phev': [['SE', 'HEV'], ['LTD', 'HEV'], ['SE', 'PHEV'], ['PLT', 'PHEV']],
  'bev': [['SR', 'BEV'], ['LR', 'BEV'], ['AWD', 'BEV'], ['PERF', 'BEV']],
  'ice-bev': [['SE', 'ICE'], ['SP', 'ICE'], ['LTD', 'ICE'], ['LR', 'BEV']],
};

export type ModelLineSpec = {
  key: string;
  name: string;
  segment: SegmentKey;
  mix: PowertrainMix;
  /** Relative national volume (the generator adds ±25 % seeded jitter). */
  popularity: number;
  /** Entry-trim MSRP in USD. */
  basePrice: number;
};

/**
 * The 40 model lines, ordered so that any prefix is a varied catalog: the first eight already
 * cover pickup, SUVs, compact car, sedan, van, a BEV-only line and PHEV variants.
 */
// prettier-ignore
export const MODEL_LINES: ReadonlyArray<ModelLineSpec> = [
  { key: 'RIDGE', name: 'Ridge', segment: 'pickup', mix: 'ice-bev', popularity: 10, basePrice: 43000 },
  { key: 'AURA', name: 'Aura', segment: 'compact-suv', mix: 'ice-hev-phev', popularity: 9, basePrice: 31000 },
  { key: 'VOLTA', name: 'Volta', segment: 'compact-suv', mix: 'bev', popularity: 4, basePrice: 42000 },
  { key: 'BRIO', name: 'Brio', segment: 'compact-car', mix: 'ice-hev', popularity: 5, basePrice: 23000 },
  { key: 'MESA', name: 'Mesa', segment: 'midsize-suv', mix: 'ice-hev-phev', popularity: 6, basePrice: 39000 },
  { key: 'HALO', name: 'Halo', segment: 'midsize-sedan', mix: 'ice-hev', popularity: 4, basePrice: 28500 },
  { key: 'HAVEN', name: 'Haven', segment: 'van', mix: 'hev-phev', popularity: 2, basePrice: 40000 },
  { key: 'GRANITE', name: 'Granite', segment: 'fullsize-suv', mix: 'ice', popularity: 3, basePrice: 59000 },
  { key: 'LUMEN', name: 'Lumen', segment: 'compact-car', mix: 'bev', popularity: 2.5, basePrice: 33000 },
  { key: 'EMBER', name: 'Ember', segment: 'sports', mix: 'ice', popularity: 1, basePrice: 37000 },
  { key: 'WREN', name: 'Wren', segment: 'subcompact-suv', mix: 'ice-hev', popularity: 4.5, basePrice: 24500 },
  { key: 'FLINT', name: 'Flint', segment: 'pickup', mix: 'ice', popularity: 4, basePrice: 35000 },
  { key: 'NIMBUS', name: 'Nimbus', segment: 'midsize-suv', mix: 'bev', popularity: 2, basePrice: 52000 },
  { key: 'TERRA', name: 'Terra', segment: 'compact-suv', mix: 'ice-hev', popularity: 5, basePrice: 29500 },
  { key: 'SOLACE', name: 'Solace', segment: 'midsize-sedan', mix: 'hev-phev', popularity: 1.5, basePrice: 34000 },
  { key: 'KESTREL', name: 'Kestrel', segment: 'sports', mix: 'ice-phev', popularity: 0.8, basePrice: 48000 },
  { key: 'PRAIRIE', name: 'Prairie', segment: 'fullsize-suv', mix: 'ice-hev', popularity: 2, basePrice: 56000 },
  { key: 'DUNE', name: 'Dune', segment: 'subcompact-suv', mix: 'ice', popularity: 2.5, basePrice: 22500 },
  { key: 'ORBIT', name: 'Orbit', segment: 'compact-car', mix: 'ice', popularity: 2, basePrice: 21000 },
  { key: 'JASPER', name: 'Jasper', segment: 'pickup', mix: 'ice', popularity: 2.5, basePrice: 52000 },
  { key: 'VALE', name: 'Vale', segment: 'midsize-suv', mix: 'ice-hev', popularity: 3, basePrice: 37500 },
  { key: 'BOREAL', name: 'Boreal', segment: 'compact-suv', mix: 'ice-phev', popularity: 2.5, basePrice: 33500 },
  { key: 'OSPREY', name: 'Osprey', segment: 'van', mix: 'ice', popularity: 1, basePrice: 36000 },
  { key: 'ZENITH', name: 'Zenith', segment: 'fullsize-suv', mix: 'bev', popularity: 1, basePrice: 78000 },
  { key: 'PIKE', name: 'Pike', segment: 'midsize-sedan', mix: 'ice', popularity: 1.5, basePrice: 26500 },
  { key: 'HERON', name: 'Heron', segment: 'subcompact-suv', mix: 'bev', popularity: 1.5, basePrice: 31000 },
  { key: 'ARROYO', name: 'Arroyo', segment: 'midsize-suv', mix: 'ice', popularity: 2, basePrice: 36500 },
  { key: 'QUARRY', name: 'Quarry', segment: 'pickup', mix: 'ice-hev', popularity: 2, basePrice: 47000 },
  { key: 'FJORD', name: 'Fjord', segment: 'compact-suv', mix: 'hev', popularity: 2, basePrice: 32500 },
  { key: 'MISTRAL', name: 'Mistral', segment: 'midsize-sedan', mix: 'bev', popularity: 1, basePrice: 45000 },
  { key: 'JUNO', name: 'Juno', segment: 'compact-car', mix: 'hev', popularity: 1.5, basePrice: 25500 },
  { key: 'BASALT', name: 'Basalt', segment: 'fullsize-suv', mix: 'ice-phev', popularity: 1, basePrice: 66000 },
  { key: 'WILLOW', name: 'Willow', segment: 'van', mix: 'ice-hev', popularity: 1.5, basePrice: 38500 },
  { key: 'TALUS', name: 'Talus', segment: 'midsize-suv', mix: 'hev-phev', popularity: 1.5, basePrice: 44000 },
  { key: 'GALE', name: 'Gale', segment: 'sports', mix: 'bev', popularity: 0.6, basePrice: 62000 },
  { key: 'DRIFT', name: 'Drift', segment: 'subcompact-suv', mix: 'ice-hev', popularity: 1.5, basePrice: 23500 },
  { key: 'CANTO', name: 'Canto', segment: 'compact-car', mix: 'ice', popularity: 1, basePrice: 20500 },
  { key: 'BISON', name: 'Bison', segment: 'pickup', mix: 'bev', popularity: 1, basePrice: 68000 },
  { key: 'CORAL', name: 'Coral', segment: 'compact-suv', mix: 'ice', popularity: 1.5, basePrice: 28000 },
  { key: 'UMBRA', name: 'Umbra', segment: 'midsize-suv', mix: 'ice-hev-phev', popularity: 1, basePrice: 47000 },
];

/**
 * Environmental data of the demo SKUs (issue 17): mass in running order of the ICE entry trim, the
 * battery of the battery-electric version and its consumption, per segment. Orders of magnitude of
 * today's cars, not a source.
 */
// prettier-ignore
export const SEGMENT_ENVIRONMENT: Readonly<Record<SegmentKey, { massIceKg: number; bevBatteryKwh: number; bevWhPerKm: number }>> = {
  'compact-car': { massIceKg: 1320, bevBatteryKwh: 58, bevWhPerKm: 150 },
  'midsize-sedan': { massIceKg: 1530, bevBatteryKwh: 75, bevWhPerKm: 155 },
  'subcompact-suv': { massIceKg: 1380, bevBatteryKwh: 60, bevWhPerKm: 160 },
  'compact-suv': { massIceKg: 1620, bevBatteryKwh: 77, bevWhPerKm: 175 },
  'midsize-suv': { massIceKg: 1930, bevBatteryKwh: 91, bevWhPerKm: 200 },
  'fullsize-suv': { massIceKg: 2450, bevBatteryKwh: 110, bevWhPerKm: 250 },
  'pickup': { massIceKg: 2300, bevBatteryKwh: 123, bevWhPerKm: 270 },
  'van': { massIceKg: 2050, bevBatteryKwh: 90, bevWhPerKm: 230 },
  'sports': { massIceKg: 1550, bevBatteryKwh: 84, bevWhPerKm: 180 },
};

/** A SKU's mass in running order (kg), electric range (km) and battery (kWh, one decimal). */
export function environmentalData(
  segmentName: string,
  powertrain: Powertrain | 'FCEV',
  trim: string,
): { massKg: number; electricRangeKm: number; batteryKwh: string } | null {
  const key = (Object.keys(SEGMENTS) as SegmentKey[]).find((k) => SEGMENTS[k].name === segmentName);
  if (!key) return null;
  const env = SEGMENT_ENVIRONMENT[key];
  const heavyTrim =
    trim === 'AWD' || trim === 'PERF' || trim === 'Long Range AWD' || trim === 'Performance';
  const trimFactor = heavyTrim ? 1.05 : 1;
  const battery =
    powertrain === 'BEV'
      ? env.bevBatteryKwh *
        (trim === 'SR' || trim === 'Standard Range'
          ? 0.78
          : trim === 'PERF' || trim === 'Performance'
            ? 1.05
            : 1)
      : powertrain === 'PHEV'
        ? 18.4
        : powertrain === 'HEV'
          ? 1.4
          : powertrain === 'FCEV'
            ? 1.6
            : 0;
  const extraMass = { ICE: 0, HEV: 70, PHEV: 230, BEV: battery * 6.2, FCEV: 320 }[powertrain];
  const range =
    powertrain === 'BEV'
      ? (battery * 1000) / (env.bevWhPerKm * (heavyTrim ? 1.08 : 1))
      : powertrain === 'PHEV'
        ? ((battery * 1000) / (env.bevWhPerKm * 1.15)) * 0.85
        : 0;
  return {
    massKg: Math.round(env.massIceKg * trimFactor + extraMass),
    electricRangeKm: Math.round(range),
    batteryKwh: battery.toFixed(1),
  };
}
