// `npm start`: builds the web app once if it is missing, then runs the server (which migrates the
// database and generates the demo network on an empty one).
import { existsSync } from 'node:fs';
import { spawnSync, spawn } from 'node:child_process';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

if (!existsSync(new URL('../dist/web/index.html', import.meta.url))) {
  console.log('Building the web app (first start only)…');
  const build = spawnSync(bin('vite'), ['build', '--logLevel', 'warn'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
// A larger young generation (64 MB semi-spaces instead of 16): the nightly risk run allocates
// about 25 GB of short-lived objects, and with V8's default it spends a fifth of its time in
// scavenges (BENCHMARKS.md, fifteenth session). NODE_OPTIONS may set another size.
const youngGeneration = /--max-semi-space-size/.test(process.env.NODE_OPTIONS ?? '')
  ? []
  : ['--max-semi-space-size=64'];
const server = spawn(bin('tsx'), [...youngGeneration, 'src/server/main.ts'], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
