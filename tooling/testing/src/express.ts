/// <reference path="./express4.d.ts" />
import express5 from 'express';
import express4 from 'express4';

/** The `express` function of one major version. Both majors share the v5 type definitions here. */
export type ExpressFactory = typeof express5;

/**
 * The Express majors every package's HTTP tests run against:
 *
 * ```ts
 * describe.each(expressMajors)('$name', ({ express }) => { … });
 * ```
 */
export const expressMajors: ReadonlyArray<{ name: 'express4' | 'express5'; major: 4 | 5; express: ExpressFactory }> = [
  { name: 'express4', major: 4, express: express4 as unknown as ExpressFactory },
  { name: 'express5', major: 5, express: express5 },
];
