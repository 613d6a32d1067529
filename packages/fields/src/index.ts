export { type CompiledFields, type CompileOptions, compileFields, type FieldMask, selectFields } from './compile.js';
export type { FieldLimits, FieldPolicy } from './policy.js';
export type { FieldsRule } from './problems.js';
