// json-mask 2 ships no types; only what the differential test and the benchmark use.
declare module 'json-mask' {
  interface JsonMask {
    (value: unknown, mask: string | null): unknown;
    compile(mask: string): unknown;
    filter(value: unknown, compiled: unknown): unknown;
  }
  const mask: JsonMask;
  export default mask;
}
