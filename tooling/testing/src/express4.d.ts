// `express4` is an npm alias of express@4 (see package.json); its runtime API is the part of
// Express 5's that the tests use, so it is typed as the same module.
declare module 'express4' {
  import express from 'express';
  export default express;
}
