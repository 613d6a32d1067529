import type { ServerResponse } from 'node:http';

/** The `Content-Length` of a request as a byte count, or `undefined` when absent or invalid. */
export function contentLength(value: number | string | readonly string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const length = typeof text === 'number' ? text : Number(text);
  return text !== undefined && text !== '' && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/**
 * Counts the body bytes written to `res` by wrapping this response's `write` and `end`. A
 * compression middleware mounted later writes its compressed output through these wrappers, so
 * the count is then the compressed size. Returns the function that reads the count.
 */
export function countResponseBytes(res: ServerResponse): () => number {
  let bytes = 0;
  const count = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    } else if (chunk instanceof Uint8Array) {
      bytes += chunk.byteLength;
    }
  };
  const write = res.write;
  const end = res.end;
  res.write = function countedWrite(this: ServerResponse, ...args: Parameters<ServerResponse['write']>) {
    count(args[0], args[1]);
    return write.apply(this, args);
  } as ServerResponse['write'];
  res.end = function countedEnd(this: ServerResponse, ...args: unknown[]) {
    if (typeof args[0] !== 'function') count(args[0], args[1]);
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
  return () => bytes;
}
