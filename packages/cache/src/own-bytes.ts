/**
 * `bytes` in memory of its own. Node hands out small Buffers (under 4 KiB: `Buffer.concat`,
 * `Buffer.from`, zlib's output) as views into a shared 8 KiB pool slab; a cache entry that keeps
 * such a view alive for minutes keeps the whole slab alive, so 1 KiB bodies would cost up to 8 KiB
 * each and `maxBytes` would not bound the memory really held. Copies only views; a Buffer that
 * already spans its whole ArrayBuffer is returned as is.
 */
export function ownBytes(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  bytes.copy(copy);
  return copy;
}
