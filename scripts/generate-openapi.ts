/**
 * Writes the OpenAPI document generated from the route schemas to openapi.json.
 * `--check` fails (exit 1) when the committed file is stale, so CI catches a forgotten regeneration.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { buildApp } from '../src/server/app';
import { openPglite } from '../src/server/db/pglite';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';

const target = new URL('../openapi.json', import.meta.url);
const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
const db = await openPglite();
const app = await buildApp({
  env,
  services: createServices({ db, env }),
  logger: false,
  serveWeb: false,
});
await app.ready();
const text = JSON.stringify(app.swagger(), null, 2) + '\n';
await app.close();
await db.close();

if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('openapi.json is stale: run `npm run openapi` and commit the result.');
    process.exit(1);
  }
  console.log('openapi.json is up to date');
} else {
  writeFileSync(target, text);
  console.log(
    `wrote openapi.json (${Object.keys((JSON.parse(text) as { paths: object }).paths).length} paths)`,
  );
}
