// After `npm install`: build the web app once so that the first `npm start` only starts the
// server. Skipped when vite is not installed (production installs without dev dependencies);
// `npm start` builds it then.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const vite = new URL('../node_modules/.bin/vite', import.meta.url).pathname;
if (existsSync(vite) && !existsSync(new URL('../dist/web/index.html', import.meta.url))) {
  const result = spawnSync(vite, ['build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (result.status !== 0)
    console.warn('postinstall: the web build failed; `npm start` will try again');
}
