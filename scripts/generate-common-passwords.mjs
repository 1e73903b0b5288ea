/**
 * Writes src/server/modules/auth/common-passwords.txt, the list the password policy refuses
 * (password-policy.ts), from the ranked common-password list of the npm package
 * @zxcvbn-ts/language-common (MIT; its src/passwords.json, most common first; built from breach
 * corpora). It keeps the 10,000 most common entries and every entry of 12 characters or more (the
 * only ones a 12-character minimum lets through as they are), lowercased, one a line.
 *
 *   npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
 *   node scripts/generate-common-passwords.mjs package/src/passwords.json
 */
import { readFileSync, writeFileSync } from 'node:fs';

const source = process.argv[2];
if (!source) throw new Error('usage: node scripts/generate-common-passwords.mjs <passwords.json>');
const ranked = JSON.parse(readFileSync(source, 'utf8'));
const keep = new Set();
for (const [rank, password] of ranked.entries()) {
  const p = String(password).toLowerCase();
  if (/[\r\n]/.test(p)) continue;
  if (rank < 10_000 || [...p].length >= 12) keep.add(p);
}
const target = new URL('../src/server/modules/auth/common-passwords.txt', import.meta.url);
writeFileSync(target, [...keep].join('\n') + '\n');
console.log(`wrote ${keep.size} passwords to ${target.pathname}`);
