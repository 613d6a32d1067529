const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;

/** A duration: a number of milliseconds, or a string such as `'250ms'`, `'5s'`, `'5m'`, `'1h'`, `'1d'`. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}` | `${number}`;

/**
 * Parses a duration into whole milliseconds (fractions are rounded: `'1.5s'` → 1500).
 *
 * @param value a finite, non-negative number of milliseconds, or a decimal number followed by
 *   `ms`, `s`, `m`, `h` or `d` (a bare decimal string is milliseconds).
 * @param name what the value is, for the error message (e.g. `rateLimit: "window"`).
 * @throws {TypeError} naming `name` and the value when it is not a duration.
 */
export function parseDuration(value: unknown, name = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  } else if (typeof value === 'string') {
    const match = DURATION.exec(value.trim());
    if (match) {
      const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
      if (Number.isFinite(ms) && ms <= Number.MAX_SAFE_INTEGER) return Math.round(ms);
    }
  }
  throw new TypeError(
    `${name} must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}
