import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['0.5ms', 1],
    [' 2s ', 2_000],
    ['2 s', 2_000],
    ['750', 750],
    ['0', 0],
    [0, 0],
    [1_000, 1_000],
    [12.4, 12],
  ] as const)('%j → %d ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each([
    ['', '""'],
    ['5 minutes', '"5 minutes"'],
    ['-5s', '"-5s"'],
    ['5S', '"5S"'],
    ['1w', '"1w"'],
    ['s', '"s"'],
    ['1e3', '"1e3"'],
    ['Infinity', '"Infinity"'],
    [-1, '-1'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [null, 'null'],
    [undefined, 'undefined'],
    [true, 'true'],
    [{}, 'object'],
  ] as const)('rejects %j with a TypeError naming the option and value', (input, shown) => {
    expect(() => parseDuration(input, 'rateLimit: "window"')).toThrow(
      new TypeError(
        `rateLimit: "window" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got ${shown}`,
      ),
    );
  });

  it('rejects durations beyond the safe integer range', () => {
    expect(() => parseDuration('999999999999999999d')).toThrow(TypeError);
  });

  it('names the value "duration" when no name is given', () => {
    expect(() => parseDuration('soon')).toThrow(/^duration must be a duration/);
  });
});
