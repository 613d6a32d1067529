import { describe, expect, it } from 'vitest';
import { ipKey, keyHasher } from './keys.js';

describe('ipKey', () => {
  it.each([
    ['192.0.2.1', 56, '192.0.2.1'],
    ['::ffff:192.0.2.1', 56, '192.0.2.1'],
    ['::ffff:c000:0201', 56, '192.0.2.1'],
    ['2001:db8:1234:5678:9abc::1', 56, '2001:db8:1234:5600:0:0:0:0/56'],
    ['2001:db8:1234:56ff:ffff:ffff:ffff:ffff', 56, '2001:db8:1234:5600:0:0:0:0/56'],
    ['2001:DB8:1234:5678::1', 64, '2001:db8:1234:5678:0:0:0:0/64'],
    ['2001:db8::1', 128, '2001:db8:0:0:0:0:0:1/128'],
    ['fe80::1%eth0', 48, 'fe80:0:0:0:0:0:0:0/48'],
    ['2001:db8:ffff::', 33, '2001:db8:8000:0:0:0:0:0/33'],
    ['::', 56, '0:0:0:0:0:0:0:0/56'],
    ['not an ip', 56, undefined],
    ['', 56, undefined],
  ] as const)('%s /%i → %s', (address, prefix, expected) => {
    expect(ipKey(address, prefix)).toBe(expected);
  });
});

describe('keyHasher', () => {
  it('is stable within one hasher, 12 hex characters, and differs between hashers', () => {
    const a = keyHasher();
    const b = keyHasher();
    expect(a('192.0.2.1')).toMatch(/^[0-9a-f]{12}$/);
    expect(a('192.0.2.1')).toBe(a('192.0.2.1'));
    expect(a('192.0.2.1')).not.toBe(a('192.0.2.2'));
    expect(a('192.0.2.1')).not.toBe(b('192.0.2.1'));
  });
});
