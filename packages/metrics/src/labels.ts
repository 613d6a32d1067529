/** The request label names of one naming preset. */
export interface LabelNames {
  method: string;
  route: string;
  status: string;
}

/** Label-name presets: OpenTelemetry attribute names translated to Prometheus, or express-prom-bundle's. */
export const NAMING_PRESETS = {
  otel: { method: 'http_request_method', route: 'http_route', status: 'http_response_status_code' },
  'prom-bundle': { method: 'method', route: 'path', status: 'status_code' },
} as const satisfies Record<string, LabelNames>;

/** The methods OpenTelemetry's HTTP conventions know; any other method is folded into `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/** The method label value: the method itself when it is a known one, else `_OTHER`. */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/** The status label value: the three-digit code, or `_OTHER` for anything outside 100–599. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : '_OTHER';
}

/**
 * Bounds the number of distinct label sets of a group of series. Once `max` distinct keys have
 * been seen, a new key is refused (the caller folds it into an overflow value) and `onOverflow`
 * runs. Keys already admitted stay admitted.
 */
export class LabelGuard {
  readonly #seen = new Set<string>();
  readonly #max: number;
  readonly #onOverflow: () => void;

  constructor(max: number, onOverflow: () => void) {
    this.#max = max;
    this.#onOverflow = onOverflow;
  }

  /** Whether `key` may have its own series. */
  admit(key: string): boolean {
    if (this.#seen.has(key)) return true;
    if (this.#seen.size >= this.#max) {
      this.#onOverflow();
      return false;
    }
    this.#seen.add(key);
    return true;
  }

  get size(): number {
    return this.#seen.size;
  }
}
