import { createHmac, randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The rate-limit key of a client address: an IPv4 address as is (IPv4-mapped IPv6 such as
 * `::ffff:192.0.2.1` counts as IPv4), an IPv6 address as its `/prefix` network (one subscriber
 * usually holds a whole /56 or /64, so limiting single IPv6 addresses is easy to dodge).
 * Returns `undefined` for something that is not an IP address.
 */
export function ipKey(address: string, prefix: number): string | undefined {
  if (isIPv4(address)) return address;
  const bare = address.split('%')[0] ?? address;
  if (!isIPv6(bare)) return undefined;
  const groups = expandIPv6(bare);
  if (groups === undefined) return undefined;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  const masked = groups.map((group, i) => {
    const bits = Math.min(16, Math.max(0, prefix - i * 16));
    return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${prefix}`;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a trailing dotted IPv4 part expanded). */
function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/**
 * Hashes client keys for events: an HMAC with a random per-process secret, truncated to 12 hex
 * characters. It tells requests of one client apart within one process, and cannot be reversed
 * by hashing all IPv4 addresses.
 */
export function keyHasher(): (key: string) => string {
  const secret = randomBytes(16);
  // The last key and its hash: consecutive events of one busy client hash once.
  let lastKey: string | undefined;
  let lastHash = '';
  return (key) => {
    if (key !== lastKey) {
      lastHash = createHmac('sha256', secret).update(key).digest('hex').slice(0, 12);
      lastKey = key;
    }
    return lastHash;
  };
}
