// `express4` is an npm alias of express@4 (see package.json); the cache-safety server uses the part
// of its API that Express 5 shares, so it is typed as the same module.
declare module 'express4' {
  import express from 'express';
  export default express;
}
