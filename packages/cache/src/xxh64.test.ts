import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { moduleBytes, xxh64, xxh64BigInt, xxh64WithoutWasm, xxh64WithWasm } from './xxh64.js';

/** Bytes `(i·31 + 7) mod 256`, a pattern that differs in every lane of a stripe. */
function pattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** Canonical (big-endian) hex digest as base64url, the form `Xxh64` returns. */
function base64url(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

/*
 * Reference digests from another implementation (the xxhash-wasm package, 1.1.0, `h64Raw` with
 * seed 0), not from this one. The sizes cross every branch: < 4, < 8, < 32 bytes, whole stripes,
 * and the module's chunk (196,576 bytes) and memory (196,608 bytes) sizes.
 */
const PATTERN_DIGESTS: [number, string][] = [
  [0, 'ef46db3751d8e999'],
  [1, 'a96c7f0ce858bbb7'],
  [3, '56e6957632a487f9'],
  [4, 'c60d15b1e3ff8f04'],
  [5, '808815858624dd4e'],
  [7, 'afbefc3d6c6f9a8e'],
  [8, '3da5c7aa269683e0'],
  [9, '4b17a9ba9e215c09'],
  [15, 'ae2a37eb9357caa7'],
  [16, 'a19ad429b02bc413'],
  [31, '4a74f3a1a39ad4a1'],
  [32, '8d57d6a4671cc43d'],
  [33, '62c9fd21ed857664'],
  [40, '49b45332e280f187'],
  [63, '5c320a0d2707057f'],
  [64, '7bbabbc45729d17e'],
  [100, 'efa0ad2d3e70c151'],
  [1000, '99594f4828043d35'],
  [5984, 'a2abc7552cfc463d'],
  [196600, 'd3860bea798af1ad'],
  [196608, '1df72f0128e1c488'],
  [500000, '91741aae64e4d216'],
];

const TEXT_DIGESTS: [string, bigint][] = [
  ['', 17241709254077376921n],
  ['a', 15154266338359012955n], // 0xd24ec4f1a98c6e5b, the xxHash documentation's example
  ['abc', 4952883123889572249n],
  ['hello', 2794345569481354659n],
  ['héllo wörld €𝄞', 10169725076389465132n],
  ['{"id":42}', 5857665702937654003n],
];

describe.each([
  ['WebAssembly', xxh64WithWasm()],
  ['BigInt', xxh64WithoutWasm()],
])('XXH64 (%s)', (_name, hash) => {
  it.each(PATTERN_DIGESTS)('digests %i pattern bytes as the reference does (%s)', (size, hex) => {
    const bytes = pattern(size);
    expect(hash.bytes(bytes)).toBe(base64url(hex));
    // The same bytes at an odd offset inside a larger buffer.
    const shifted = new Uint8Array(size + 3);
    shifted.set(bytes, 3);
    expect(hash.bytes(shifted.subarray(3))).toBe(base64url(hex));
  });

  it.each(TEXT_DIGESTS)('digests the UTF-8 bytes of %j as the reference does', (text, value) => {
    const hex = value.toString(16).padStart(16, '0');
    expect(hash.text(text)).toEqual({ digest: base64url(hex), size: Buffer.byteLength(text, 'utf8') });
    expect(hash.bytes(Buffer.from(text, 'utf8'))).toBe(base64url(hex));
  });

  it('digests a text too long for one chunk as its UTF-8 bytes', () => {
    const text = `${'€'.repeat(40000)}${'x'.repeat(100001)}`;
    const bytes = Buffer.from(text, 'utf8');
    expect(hash.text(text)).toEqual({ digest: hash.bytes(bytes), size: 220001 });
  });
});

describe('XXH64', () => {
  it('the module and the BigInt version agree on any bytes and texts', () => {
    const wasm = xxh64WithWasm();
    const bigint = xxh64WithoutWasm();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(wasm.bytes(bytes)).toBe(bigint.bytes(bytes));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(wasm.text(text)).toEqual(bigint.text(text));
      }),
      { numRuns: 300 },
    );
  });

  it('xxh64BigInt returns the digest as a number', () => {
    expect(xxh64BigInt(Buffer.from('a'))).toBe(0xd24ec4f1a98c6e5bn);
  });

  it('uses the WebAssembly version where the runtime has WebAssembly', () => {
    const { WebAssembly } = globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } };
    expect(WebAssembly.validate(moduleBytes())).toBe(true);
    expect(xxh64.kind).toBe('wasm');
    expect(xxh64.bytes(pattern(5984))).toBe(base64url('a2abc7552cfc463d'));
  });

  it('runs one hash after another on the same instance without carrying state over', () => {
    const hash = xxh64WithWasm();
    expect(hash.bytes(pattern(500000))).toBe(base64url('91741aae64e4d216'));
    expect(hash.bytes(pattern(40))).toBe(base64url('49b45332e280f187'));
    expect(hash.text('abc').digest).toBe(base64url(4952883123889572249n.toString(16)));
  });
});

describe('XXH64 without WebAssembly', () => {
  it('falls back to the BigInt version when WebAssembly refuses to compile the module', () => {
    const xxh64Module = new URL('../dist/xxh64.js', import.meta.url).href;
    const script = [
      `WebAssembly.Module = function () { throw new WebAssembly.CompileError('refused by the embedder'); };`,
      `const { xxh64 } = await import(${JSON.stringify(xxh64Module)});`,
      `console.log(JSON.stringify([xxh64.kind, xxh64.text('a').digest]));`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(['bigint', base64url('d24ec4f1a98c6e5b')]);
    // Said once, with the reason.
    expect(child.stderr.match(/\[EXPRESSKIT_XXH64_FALLBACK\]/g)).toHaveLength(1);
    expect(child.stderr).toContain('refused by the embedder');
  });

  it('a `node --jitless` process (no WebAssembly) makes the same tags with the BigInt version', () => {
    // Runs the built module (the test task depends on the build).
    const hashModule = new URL('../dist/hash.js', import.meta.url).href;
    const xxh64Module = new URL('../dist/xxh64.js', import.meta.url).href;
    const script = [
      `const { strongEtag } = await import(${JSON.stringify(hashModule)});`,
      `const { xxh64 } = await import(${JSON.stringify(xxh64Module)});`,
      `const body = new Uint8Array(5984).map((_, i) => (i * 31 + 7) & 0xff);`,
      `console.log(JSON.stringify([typeof WebAssembly, xxh64.kind, strongEtag('hello'), strongEtag(body)]));`,
    ].join('\n');
    const output = execFileSync(process.execPath, ['--jitless', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(JSON.parse(output)).toEqual([
      'undefined',
      'bigint',
      '"5-JseCfYifbaM"',
      `"1760-${base64url('a2abc7552cfc463d')}"`,
    ]);
  });
});
