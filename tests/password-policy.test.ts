/**
 * Issue 12 item 6: weak passwords are refused (NIST SP 800-63B, length first: at least 12
 * characters, at most 256, not a common password, no composition rules) on user creation, on
 * password reset and in the CLI's create-user; the answer is a 400 at the field.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordProblems } from '../src/server/modules/auth/password-policy';
import { DEMO_PASSWORD } from '../src/server/modules/demo/seed';
import { PASSWORD, seedFixtures, USERS } from './helpers/fixtures';
import { engines, json, login, startTestApp, type Client, type TestApp } from './helpers/test-app';

type ErrorBody = { code: string; details: { problems: { path: string; code: string }[] } };

const codeOf = (password: string, context?: string[]) =>
  passwordProblems(password, { context })[0]?.code ?? 'ok';

describe('password policy', () => {
  it('asks for length, not composition', () => {
    expect(codeOf('Tr0ub4dor&3')).toBe('too_short'); // 11 characters, however mixed
    expect(codeOf('x'.repeat(257))).toBe('too_long');
    expect(codeOf('lilac otters')).toBe('ok'); // 12 lower-case letters and a space
    expect(codeOf('correct-horse-battery')).toBe('ok');
    expect(codeOf('ключ-от-дома-7')).toBe('ok');
    expect(codeOf('a'.repeat(256))).toBe('predictable_password');
  });

  it('refuses common passwords, with or without digits and symbols around them', () => {
    for (const p of [
      'password1234',
      'qwerty123456',
      'QWERTY123456',
      '1qaz2wsx3edc',
      'sunshine2024!!',
    ])
      expect(codeOf(p), p).toBe('common_password');
  });

  it('refuses repetitions, sequences and the e-mail or name', () => {
    expect(codeOf('abcabcabcabc')).toBe('predictable_password');
    expect(codeOf('abcdefghijklm')).toBe('predictable_password');
    expect(codeOf('jane.doe.smith@example.com', ['jane.doe.smith@example.com'])).toBe(
      'context_password',
    );
    expect(codeOf('jane.doe.smith', ['jane.doe.smith@example.com'])).toBe('context_password');
  });

  it('accepts the demo password, which is not on the list', () => {
    expect(DEMO_PASSWORD).toBe('forecourt-demo');
    expect(codeOf(DEMO_PASSWORD)).toBe('ok');
    const list = readFileSync('src/server/modules/auth/common-passwords.txt', 'utf8').split('\n');
    expect(list.length).toBeGreaterThan(10_000);
    expect(list).not.toContain('forecourt-demo');
    expect(list).not.toContain(PASSWORD);
  });

  it('refuses a weak password in the CLI create-user (before any database is opened)', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/server/cli/main.ts',
        'create-user',
        '--email',
        'weak@test.local',
        '--name',
        'Weak',
        '--role',
        'analyst',
        '--password',
        'password1234',
      ],
      { encoding: 'utf8', env: { ...process.env, DATA_DIR: '/nonexistent/forecourt-cli-test' } },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('--password');
    expect(run.stderr).toContain('too common');
  }, 60_000);
});

describe.each(engines())('password policy through the API (%s)', (engine) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await seedFixtures(t.db);
    admin = await login(t.url, USERS.admin, PASSWORD);
  });
  afterAll(async () => t?.close());

  const user = (email: string, password: string) => ({
    email,
    name: 'New Analyst',
    role: 'analyst',
    password,
  });

  it('answers 400 at body.password on creation and reset; accepts good passwords', async () => {
    for (const [password, code] of [
      ['password1234', 'common_password'],
      ['short-pass1', 'too_small'],
      ['aaaaaaaaaaaaaaaa', 'predictable_password'],
    ] as const) {
      const body = await json<ErrorBody>(
        await admin.send('POST', '/api/v1/users', user('new@test.local', password)),
        400,
      );
      expect(body.details.problems[0], password).toMatchObject({ path: 'body.password', code });
    }
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from users where email = 'new@test.local'`,
    );
    expect(rows[0]!.n).toBe(0);
    const created = await json<{ id: number }>(
      await admin.send('POST', '/api/v1/users', user('new@test.local', DEMO_PASSWORD)),
      201,
    );
    const reset = await json<ErrorBody>(
      await admin.send('PATCH', `/api/v1/users/${created.id}`, { password: 'qwerty123456' }),
      400,
    );
    expect(reset.details.problems[0]).toMatchObject({
      path: 'body.password',
      code: 'common_password',
    });
    await json(
      await admin.send('PATCH', `/api/v1/users/${created.id}`, { password: 'a long walk home' }),
      200,
    );
    await login(t.url, 'new@test.local', 'a long walk home');
  });
});
