import type { CompiledFields } from './compile.js';

export { type CompiledFields, type CompileOptions, compileFields, type FieldMask, selectFields } from './compile.js';
export { type EnvelopeLocator, type FieldsOptions, fields } from './fields.js';
export type { FieldLimits, FieldPolicy } from './policy.js';
export type { FieldsRule } from './problems.js';

declare global {
  namespace Express {
    interface Locals {
      /**
       * The request's field selection, set by `fields()`: canonical `fields`/`exclude` masks, a
       * `key` for cache keys and `select()` to apply it to other values.
       */
      fields?: CompiledFields;
    }
  }
}
