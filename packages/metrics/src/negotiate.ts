/** The exposition formats the scrape handler can answer with. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** `Content-Type` of the Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** `Content-Type` of OpenMetrics 1.0.0 text. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

interface MediaRange {
  type: string;
  q: number;
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [rawType = '', ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (type === '') continue;
    let q = 1;
    for (const param of params) {
      const [name = '', value = ''] = param.split('=');
      if (name.trim().toLowerCase() !== 'q') continue;
      const parsed = Number(value.trim());
      q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
    }
    ranges.push({ type, q });
  }
  return ranges;
}

function quality(ranges: readonly MediaRange[], type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let specificity = -1;
  for (const range of ranges) {
    const level = range.type === type ? 2 : range.type === `${major}/*` ? 1 : range.type === '*/*' ? 0 : -1;
    if (level > specificity) {
      specificity = level;
      best = range.q;
    }
  }
  return best;
}

/**
 * Picks the exposition format for an `Accept` header: OpenMetrics when the client asks for
 * `application/openmetrics-text` at least as strongly as for `text/plain`, the Prometheus text
 * format otherwise (also for a missing, empty or unparseable header; scrapers never get a 406).
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.trim() === '') return 'prometheus';
  const ranges = parseAccept(accept);
  const openMetrics = ranges.some((range) => range.type === 'application/openmetrics-text' && range.q > 0)
    ? quality(ranges, 'application/openmetrics-text')
    : 0;
  const text = quality(ranges, 'text/plain');
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

/** The exact `Content-Type` of `format`. */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
}
