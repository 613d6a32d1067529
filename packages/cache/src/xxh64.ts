/*
 * XXH64 (seed 0), the 64-bit hash of the xxHash family (its specification: Yann Collet, "xxHash
 * fast digest algorithm", doc/xxhash_spec.md), as a small WebAssembly module assembled below at
 * load time, with a BigInt version for runtimes without WebAssembly (`node --jitless`).
 *
 * Why: the strong ETag hashes every 2xx GET/HEAD body. SHA-1 (what Express uses) costs about
 * 3.4 µs for a 6 KB body on the bench machine, XXH64 here about 0.7 µs; 1 MiB takes 556 µs against
 * 99 µs. An entity tag is a validator, not a signature: what it needs is that
 * two different bodies of one resource do not share a tag by accident, which 64 bits and the
 * length prefix give (2⁻⁶⁴ per pair).
 */

const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;
const MASK = 0xffffffffffffffffn;

/** Bytes of the module's memory (3 pages, fixed); the digest is written in its last 8 bytes. */
const MEMORY_BYTES = 3 * 65536;
const OUT = MEMORY_BYTES - 8;
/** Bytes hashed per call: a multiple of the 32-byte stripe that leaves the digest's 8 bytes free. */
const CHUNK = Math.floor(OUT / 32) * 32;

/** The hash of `data` (a string as its UTF-8 bytes), canonical (big-endian) bytes in base64url: 11 characters. */
export interface Xxh64 {
  /** Which implementation this is. */
  readonly kind: 'wasm' | 'bigint';
  /** The digest of `bytes`. */
  bytes(bytes: Uint8Array): string;
  /** The digest of `text`'s UTF-8 bytes; `size` receives their count (what `Buffer.byteLength` says). */
  text(text: string): { digest: string; size: number };
}

// --- the WebAssembly module -------------------------------------------------------------------

/** The opcodes the module uses (WebAssembly core specification, §5.4). */
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  globalGet: 0x23,
  globalSet: 0x24,
  i64Load: 0x29,
  i64Load8U: 0x31,
  i64Load32U: 0x35,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GtU: 0x4b,
  i32LeU: 0x4d,
  i32GeU: 0x4f,
  i64GeU: 0x5a,
  i32Add: 0x6a,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i64TruncF64U: 0xb1,
} as const;
const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;
const VOID = 0x40;

function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
}

function signedLeb(value: bigint): number[] {
  const out: number[] = [];
  let rest = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    const done = (rest === 0n && (byte & 0x40) === 0) || (rest === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const i64 = (value: bigint): number[] => [op.i64Const, ...signedLeb(value)];
const i32 = (value: number): number[] => [op.i32Const, ...signedLeb(BigInt(value))];
const get = (local: number): number[] => [op.localGet, local];
const set = (local: number): number[] => [op.localSet, local];
/** A memory access: alignment (log2) 0, since the bodies' bytes start anywhere. */
const mem = (opcode: number, offset = 0): number[] => [opcode, 0, ...unsignedLeb(offset)];

/** `round(acc, lane)`: acc + lane·P2, rotated left 31, times P1. Expects acc and lane on the stack. */
const ROUND = [...i64(P2), op.i64Mul, op.i64Add, ...i64(31n), op.i64Rotl, ...i64(P1), op.i64Mul];
/** `round(0, lane)` with the lane on the stack. */
const ROUND0 = [...i64(P2), op.i64Mul, ...i64(31n), op.i64Rotl, ...i64(P1), op.i64Mul];

/** `reset()`: the four accumulators for seed 0. */
const reset = [
  ...i64(P1 + P2),
  op.globalSet,
  0,
  ...i64(P2),
  op.globalSet,
  1,
  ...i64(0n),
  op.globalSet,
  2,
  ...i64(-P1),
  op.globalSet,
  3,
];

/**
 * `stripes(at, end) → at'`: folds every whole 32-byte stripe of [at, end) into the accumulators
 * and returns where the rest starts. Locals: 0 at, 1 end, 2–5 the accumulators.
 */
const stripes = [
  ...[0, 1, 2, 3].flatMap((lane) => [op.globalGet, lane, ...set(2 + lane)]),
  op.block,
  VOID,
  op.loop,
  VOID,
  ...get(0),
  ...i32(32),
  op.i32Add,
  ...get(1),
  op.i32GtU,
  op.brIf,
  1,
  ...[0, 1, 2, 3].flatMap((lane) => [
    ...get(2 + lane),
    ...get(0),
    ...mem(op.i64Load, 8 * lane),
    ...ROUND,
    ...set(2 + lane),
  ]),
  ...get(0),
  ...i32(32),
  op.i32Add,
  ...set(0),
  op.br,
  0,
  op.end,
  op.end,
  ...[0, 1, 2, 3].flatMap((lane) => [...get(2 + lane), op.globalSet, lane]),
  ...get(0),
];

/**
 * `finish(at, end, total)`: the digest of a body of `total` bytes whose stripes are folded and
 * whose last `end − at` (< 32) bytes are at [at, end); written at OUT. Locals: 0 at, 1 end,
 * 2 total (f64), 3 h, 4 total (i64).
 */
const finish = [
  ...get(2),
  op.i64TruncF64U,
  ...set(4),
  ...get(4),
  ...i64(32n),
  op.i64GeU,
  op.if,
  I64,
  // h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18), then each accumulator merged in.
  ...[1n, 7n, 12n, 18n].flatMap((bits, lane) => [
    op.globalGet,
    lane,
    ...i64(bits),
    op.i64Rotl,
    ...(lane > 0 ? [op.i64Add] : []),
  ]),
  ...set(3),
  ...[0, 1, 2, 3].flatMap((lane) => [
    ...get(3),
    op.globalGet,
    lane,
    ...ROUND0,
    op.i64Xor,
    ...i64(P1),
    op.i64Mul,
    ...i64(P4),
    op.i64Add,
    ...set(3),
  ]),
  ...get(3),
  op.else,
  ...i64(P5),
  op.end,
  ...get(4),
  op.i64Add,
  ...set(3),
  // Each remaining 8 bytes.
  op.block,
  VOID,
  op.loop,
  VOID,
  ...get(0),
  ...i32(8),
  op.i32Add,
  ...get(1),
  op.i32GtU,
  op.brIf,
  1,
  ...get(3),
  ...get(0),
  ...mem(op.i64Load),
  ...ROUND0,
  op.i64Xor,
  ...i64(27n),
  op.i64Rotl,
  ...i64(P1),
  op.i64Mul,
  ...i64(P4),
  op.i64Add,
  ...set(3),
  ...get(0),
  ...i32(8),
  op.i32Add,
  ...set(0),
  op.br,
  0,
  op.end,
  op.end,
  // Then 4 bytes, if there are.
  ...get(0),
  ...i32(4),
  op.i32Add,
  ...get(1),
  op.i32LeU,
  op.if,
  VOID,
  ...get(3),
  ...get(0),
  ...mem(op.i64Load32U),
  ...i64(P1),
  op.i64Mul,
  op.i64Xor,
  ...i64(23n),
  op.i64Rotl,
  ...i64(P2),
  op.i64Mul,
  ...i64(P3),
  op.i64Add,
  ...set(3),
  ...get(0),
  ...i32(4),
  op.i32Add,
  ...set(0),
  op.end,
  // Then each last byte.
  op.block,
  VOID,
  op.loop,
  VOID,
  ...get(0),
  ...get(1),
  op.i32GeU,
  op.brIf,
  1,
  ...get(3),
  ...get(0),
  ...mem(op.i64Load8U),
  ...i64(P5),
  op.i64Mul,
  op.i64Xor,
  ...i64(11n),
  op.i64Rotl,
  ...i64(P1),
  op.i64Mul,
  ...set(3),
  ...get(0),
  ...i32(1),
  op.i32Add,
  ...set(0),
  op.br,
  0,
  op.end,
  op.end,
  // Avalanche.
  ...[
    [33n, P2],
    [29n, P3],
    [32n, undefined],
  ].flatMap(([bits, prime]) => [
    ...get(3),
    ...get(3),
    ...i64(bits as bigint),
    op.i64ShrU,
    op.i64Xor,
    ...(prime === undefined ? [] : [...i64(prime), op.i64Mul]),
    ...set(3),
  ]),
  ...i32(OUT),
  ...get(3),
  ...mem(op.i64Store),
];

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): number[] {
  return [...unsignedLeb(text.length), ...Buffer.from(text, 'latin1')];
}

/** A function body: its locals (one group per type) and its code. */
function body(locals: [count: number, type: number][], code: number[]): number[] {
  const content = [...vector(locals.map(([count, type]) => [...unsignedLeb(count), type])), ...code, op.end];
  return [...unsignedLeb(content.length), ...content];
}

/** The module's bytes (WebAssembly binary format, version 1). */
export function moduleBytes(): Uint8Array {
  const pages = MEMORY_BYTES / 65536;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // Types: reset () → (), stripes (i32, i32) → i32, finish (i32, i32, f64) → ().
    ...section(
      1,
      vector([
        [0x60, 0, 0],
        [0x60, 2, I32, I32, 1, I32],
        [0x60, 3, I32, I32, F64, 0],
      ]),
    ),
    ...section(3, vector([[0], [1], [2]])),
    // One memory of a fixed size.
    ...section(5, vector([[0x01, ...unsignedLeb(pages), ...unsignedLeb(pages)]])),
    // The four accumulators: mutable i64, initially 0.
    ...section(6, vector([0, 1, 2, 3].map(() => [I64, 0x01, ...i64(0n), op.end]))),
    ...section(
      7,
      vector([
        [...name('reset'), 0x00, 0],
        [...name('stripes'), 0x00, 1],
        [...name('finish'), 0x00, 2],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vector([body([], reset), body([[4, I64]], stripes), body([[2, I64]], finish)])),
  ]);
}

/** The part of the WebAssembly JS API used here (the TypeScript lib of Node 20's types has none). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const WebAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

interface Exports {
  reset(): void;
  stripes(at: number, end: number): number;
  finish(at: number, end: number, total: number): void;
  memory: { buffer: ArrayBuffer };
}

function wasmXxh64(): Xxh64 {
  if (WebAssembly === undefined) throw new Error('XXH64: this runtime has no WebAssembly');
  const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()));
  const { reset, stripes, finish, memory } = instance.exports as unknown as Exports;
  // The memory never grows, so these views stay attached.
  const heap = Buffer.from(memory.buffer, 0, MEMORY_BYTES);
  const out = heap.subarray(OUT, OUT + 8);
  const digest = (): string => out.swap64().toString('base64url');
  const bytes = (data: Uint8Array): string => {
    const total = data.byteLength;
    reset();
    if (total <= CHUNK) {
      heap.set(data, 0);
      finish(stripes(0, total), total, total);
      return digest();
    }
    // Chunk by chunk; the tail of a chunk (< 32 bytes) moves to the front of the next one.
    let kept = 0;
    for (let at = 0; at < total; ) {
      const take = Math.min(CHUNK - kept, total - at);
      heap.set(data.subarray(at, at + take), kept);
      at += take;
      const end = kept + take;
      const done = stripes(0, end);
      kept = end - done;
      heap.copyWithin(0, done, end);
    }
    finish(0, kept, total);
    return digest();
  };
  return {
    kind: 'wasm',
    bytes,
    text(text) {
      // A UTF-16 code unit takes at most 3 UTF-8 bytes: a text this short fits in one go.
      if (text.length * 3 <= CHUNK) {
        const size = heap.write(text, 0, 'utf8');
        reset();
        finish(stripes(0, size), size, size);
        return { digest: digest(), size };
      }
      const encoded = Buffer.from(text, 'utf8');
      return { digest: bytes(encoded), size: encoded.byteLength };
    },
  };
}

// --- the BigInt version -----------------------------------------------------------------------

const rotl = (value: bigint, bits: bigint): bigint => ((value << bits) | (value >> (64n - bits))) & MASK;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & MASK, 31n) * P1) & MASK;

/**
 * XXH64 in plain BigInt arithmetic, for runtimes without WebAssembly: slow (about 110 µs for 6 KB
 * with the JIT, 150× the module; about 0.8 ms for 6 KB and 80 ms per MiB under `--jitless`).
 */
export function xxh64BigInt(data: Uint8Array): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const total = data.byteLength;
  let at = 0;
  let h: bigint;
  if (total >= 32) {
    const v = [(P1 + P2) & MASK, P2, 0n, -P1 & MASK];
    for (; at + 32 <= total; at += 32) {
      for (let lane = 0; lane < 4; lane++) v[lane] = round(v[lane] as bigint, view.getBigUint64(at + 8 * lane, true));
    }
    const [v1, v2, v3, v4] = v as [bigint, bigint, bigint, bigint];
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    for (const lane of v) h = (((h ^ round(0n, lane)) * P1 + P4) & MASK) as bigint;
  } else h = P5;
  h = (h + BigInt(total)) & MASK;
  for (; at + 8 <= total; at += 8) {
    h = (rotl(h ^ round(0n, view.getBigUint64(at, true)), 27n) * P1 + P4) & MASK;
  }
  if (at + 4 <= total) {
    h = (rotl(h ^ ((BigInt(view.getUint32(at, true)) * P1) & MASK), 23n) * P2 + P3) & MASK;
    at += 4;
  }
  for (; at < total; at++) h = (rotl(h ^ ((BigInt(view.getUint8(at)) * P5) & MASK), 11n) * P1) & MASK;
  h = ((h ^ (h >> 33n)) * P2) & MASK;
  h = ((h ^ (h >> 29n)) * P3) & MASK;
  return h ^ (h >> 32n);
}

function bigIntXxh64(): Xxh64 {
  const out = Buffer.alloc(8);
  const bytes = (data: Uint8Array): string => {
    out.writeBigUInt64BE(xxh64BigInt(data));
    return out.toString('base64url');
  };
  return {
    kind: 'bigint',
    bytes,
    text(text) {
      const encoded = Buffer.from(text, 'utf8');
      return { digest: bytes(encoded), size: encoded.byteLength };
    },
  };
}

/**
 * The WebAssembly version where the runtime has WebAssembly and lets code compile it, the BigInt
 * one otherwise (importing the package must not fail because of a hash).
 */
export const xxh64: Xxh64 = (() => {
  if (typeof WebAssembly === 'undefined') return bigIntXxh64();
  try {
    return wasmXxh64();
  } catch (error) {
    // WebAssembly is there but refused (a policy, or a bug here): say so once, tags stay the same.
    process.emitWarning(
      `@expresskit/cache: the WebAssembly XXH64 could not start (${String(error)}); strong ETags use the much slower JavaScript version`,
      { code: 'EXPRESSKIT_XXH64_FALLBACK' },
    );
    return bigIntXxh64();
  }
})();
export { bigIntXxh64 as xxh64WithoutWasm, wasmXxh64 as xxh64WithWasm };
