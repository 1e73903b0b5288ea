/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints its figures (record them in
 * BENCHMARKS.md). Names: the keys of `benches` below (forecast accuracy: npx tsx
 * bench/forecast-accuracy.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';

const [name, ...rest] = process.argv.slice(2);
const benches: Record<string, () => Promise<unknown>> = {
  ingest: async () => (await import('./ingest')).runIngestBench(rest),
  'dealer-home': async () => (await import('./dealer-home')).runDealerHomeBench(rest),
  startup: async () => (await import('./startup')).runStartupBench(rest),
  agreements: async () => (await import('./agreements')).runAgreementsBench(rest),
  incentives: async () => (await import('./incentives')).runIncentivesBench(rest),
  'progress-load': async () => (await import('./progress-load')).runProgressLoadBench(rest),
  webhooks: async () => (await import('./webhooks')).runWebhooksBench(rest),
  rdr: async () => (await import('./rdr')).runRdrBench(rest),
  availability: async () => (await import('./availability')).runAvailabilityBench(rest),
  sustainability: async () => (await import('./sustainability')).runSustainabilityBench(rest),
  insights: async () => (await import('./insights')).runInsightsBench(rest),
  national: async () => (await import('./national')).runNationalBench(rest),
  'scoped-reads': async () => (await import('./scoped-reads')).runScopedReadsBench(rest),
  'route-sweep': async () => (await import('./route-sweep')).runRouteSweepBench(rest),
};

const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
const result = await bench();
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const suffix = rest.includes('--engine') ? `-${rest[rest.indexOf('--engine') + 1]}` : '';
writeFileSync(
  new URL(`./results/${name}${suffix}.json`, import.meta.url),
  JSON.stringify(result, null, 2) + '\n',
);
process.exit(0);
