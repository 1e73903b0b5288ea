/**
 * Where a webhook may go: http(s) only, no credentials in the URL, and (unless the operator
 * allows it, `WEBHOOK_ALLOW_PRIVATE_TARGETS`) never a private, loopback, link-local, shared,
 * multicast or reserved address, IPv4 or IPv6. Every address a name resolves to is checked, at
 * subscription time and again at each connection (`safeLookup`: the address checked is the one
 * connected to, so a name that changes its answer cannot slip through).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promises as dns } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../../../shared/errors';

const blocked = new BlockList();
const blocked6 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  blocked6.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is one a webhook may be sent to. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !blocked.check(address, 'ipv4');
  // IPv4-mapped (::ffff:a.b.c.d, ::ffff:7f00:1) would reach any IPv4 address: refused outright
  // (a separate list: Node's BlockList matches IPv4 rules against mapped IPv6 addresses)
  if (/^(0{0,4}:){0,5}:?ffff:/i.test(address) || /^::ffff:/i.test(address)) return false;
  return !blocked6.check(address, 'ipv6');
}

/** Parses and checks the form of a target URL (no DNS). */
export function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The URL is not a valid absolute URL', {
      problems: [{ path: 'body.url', code: 'invalid_url', message: 'not a valid absolute URL' }],
    });
  }
  const problem = (message: string) =>
    new AppError('VALIDATION_FAILED', message, {
      problems: [{ path: 'body.url', code: 'unsafe_url', message }],
    });
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw problem('Only http and https URLs are allowed');
  if (url.username || url.password) throw problem('The URL may not carry a user name or password');
  if (!url.hostname) throw problem('The URL has no host');
  return url;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a target: its form, and unless `allowPrivate`, every address its host resolves to.
 * Throws VALIDATION_FAILED naming `body.url`.
 */
export async function assertSafeTarget(
  raw: string,
  { allowPrivate }: { allowPrivate: boolean },
): Promise<URL> {
  const url = parseTargetUrl(raw);
  if (allowPrivate) return url;
  const host = hostOf(url);
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await dns.lookup(host, { all: true, verbatim: true });
  } catch {
    throw new AppError('VALIDATION_FAILED', `The host ${host} does not resolve`, {
      problems: [{ path: 'body.url', code: 'unresolvable', message: 'the host does not resolve' }],
    });
  }
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (addresses.length === 0 || bad)
    throw new AppError(
      'VALIDATION_FAILED',
      `The host ${host} resolves to a private, loopback or link-local address (${bad?.address ?? 'none'})`,
      { problems: [{ path: 'body.url', code: 'private_target', message: 'private address' }] },
    );
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that refuses a host with any private address (every answer is
 * checked, and the connection goes to a checked one).
 */
export function safeLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (addresses.length === 0 || bad) {
      const refused: NodeJS.ErrnoException = new Error(
        `refused: ${hostname} resolves to a private address (${bad?.address ?? 'none'})`,
      );
      refused.code = 'EPRIVATETARGET';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
