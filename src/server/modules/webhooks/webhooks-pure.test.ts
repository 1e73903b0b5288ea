import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { outcomeOf, retryDelayMs, retrySchedule } from './backoff';
import { generateSecret, messageId, signHeaders } from './signing';
import { truncateBody } from './sender';
import { isPublicAddress, parseTargetUrl, assertSafeTarget } from './url-safety';

describe('signing', () => {
  it('makes whsec_ secrets whose signatures the standardwebhooks package verifies', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(generateSecret()).not.toBe(secret);
    const body = JSON.stringify({ type: 'agreement.approved', data: { version: 1 } });
    const headers = signHeaders(secret, messageId(42), body);
    expect(headers['webhook-id']).toBe('msg_42');
    expect(headers['webhook-signature']).toMatch(/^v1,/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // another secret or a changed body does not verify
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body + ' ', headers)).toThrow();
  });
});

describe('backoff', () => {
  it('waits 4× longer each time, capped at a day, over about three days', () => {
    expect(retryDelayMs(1)).toBe(15_000);
    expect(retryDelayMs(2)).toBe(60_000);
    expect(retryDelayMs(3)).toBe(240_000);
    expect(retryDelayMs(20)).toBe(24 * 3600_000);
    const schedule = retrySchedule();
    expect(schedule).toHaveLength(9);
    const totalDays = schedule.reduce((a, b) => a + b, 0) / 86_400_000;
    expect(totalDays).toBeGreaterThan(2.5);
    expect(totalDays).toBeLessThan(3.5);
    expect(() => retryDelayMs(0)).toThrow();
  });
  it('classifies answers', () => {
    expect(outcomeOf(200)).toBe('delivered');
    expect(outcomeOf(204)).toBe('delivered');
    expect(outcomeOf(410)).toBe('gone');
    expect(outcomeOf(500)).toBe('failed');
    expect(outcomeOf(301)).toBe('failed');
    expect(outcomeOf(null)).toBe('failed');
  });
});

describe('url safety', () => {
  it('refuses private, loopback, link-local and reserved addresses, IPv4 and IPv6', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      'ff02::1',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '2001:4860::8888'])
      expect(isPublicAddress(a), a).toBe(true);
  });
  it('takes http(s) only, without credentials', () => {
    expect(parseTargetUrl('https://example.com/hook').host).toBe('example.com');
    for (const bad of [
      'ftp://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://u:p@example.com',
      'nope',
    ])
      expect(() => parseTargetUrl(bad), bad).toThrow();
  });
  it('checks every address of a host unless private targets are allowed', async () => {
    await expect(assertSafeTarget('http://127.0.0.1:9/x', { allowPrivate: false })).rejects.toThrow(
      /private/,
    );
    await expect(assertSafeTarget('http://[::1]:9/x', { allowPrivate: false })).rejects.toThrow(
      /private/,
    );
    await expect(assertSafeTarget('http://localhost:9/x', { allowPrivate: false })).rejects.toThrow(
      /private/,
    );
    await expect(
      assertSafeTarget('http://127.0.0.1:9/x', { allowPrivate: true }),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      assertSafeTarget('http://8.8.8.8/x', { allowPrivate: false }),
    ).resolves.toBeInstanceOf(URL);
  });
});

describe('response bodies', () => {
  it('keeps at most 4 KB, without NUL bytes or a cut character', () => {
    expect(Buffer.byteLength(truncateBody(Buffer.from('é'.repeat(5000))))).toBeLessThanOrEqual(
      4096,
    );
    expect(truncateBody(Buffer.from('a\u0000b'))).toBe('ab');
    expect(truncateBody(Buffer.from('x'.repeat(10_000)))).toHaveLength(4096);
  });
});
