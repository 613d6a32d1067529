import { type CacheEvent, type HealthEvent, type RateLimitEvent, subscribe } from '@expresskit/core';
import { OVERFLOW_ROUTE, UNMATCHED_ROUTE } from './options.js';
import type { Series } from './series.js';

const STATUSES = ['pass', 'warn', 'fail'] as const;
const HEALTH_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

/**
 * Subscribes to the expresskit diagnostics channels and turns their events into series. A
 * package that is not installed publishes nothing, so its series stay empty. Returns the
 * function that unsubscribes. Listeners never throw (a publisher calls them synchronously).
 */
export function subscribeChannels(series: Series, routeLabel: string): () => void {
  const cacheRequests = series.counter(
    'expresskit_cache_requests_total',
    'Cache lookups by route and result (hit, miss, stale, bypass).',
    [routeLabel, 'result'],
  );
  const cacheStores = series.counter('expresskit_cache_stores_total', 'Responses stored in the cache, by route.', [
    routeLabel,
  ]);
  const cacheInvalidations = series.counter(
    'expresskit_cache_invalidations_total',
    'Cache invalidations, local or received from another instance (remote).',
    ['source'],
  );
  const cacheErrors = series.counter('expresskit_cache_errors_total', 'Cache store or bus failures, by operation.', [
    'operation',
  ]);
  const decisions = series.counter(
    'expresskit_rate_limit_decisions_total',
    'Rate-limit decisions by policy and outcome (allowed, limited, shadow_limited).',
    ['policy', 'outcome'],
  );
  const storeErrors = series.counter('expresskit_rate_limit_store_errors_total', 'Rate-limit store failures.', [
    'store',
  ]);
  const degraded = series.gauge(
    'expresskit_rate_limit_store_degraded',
    '1 while the rate-limit store is declared unusable, 0 once it recovered.',
    ['store', 'policy'],
  );
  const checkStatus = series.gauge(
    'expresskit_health_check_status',
    'Latest status of each health check: 1 for the current status, 0 for the others.',
    ['check', 'status'],
  );
  const checkDuration = series.histogram(
    'expresskit_health_check_duration_seconds',
    'Duration of health checks.',
    ['check'],
    HEALTH_BUCKETS,
  );
  const probeStatus = series.gauge(
    'expresskit_health_probe_status',
    'Overall status of each probe (live, ready, startup, shutdown, pressure): 1 for the current status.',
    ['probe', 'status'],
  );

  const bounded = (metric: string, key: string, value: string): string =>
    series.guard(metric).admit(key) ? value : OVERFLOW_ROUTE;
  // the events of every request (a cache lookup, a rate-limit decision): label objects kept per pair
  const lookupLabels = foldedPairs(series, 'expresskit_cache_requests_total', routeLabel, 'result');
  const decisionLabels = foldedPairs(series, 'expresskit_rate_limit_decisions_total', 'policy', 'outcome');

  const onCache = (event: CacheEvent): void => {
    if (event.type === 'invalidate') {
      cacheInvalidations.inc({ source: event.remote ? 'remote' : 'local' });
    } else if (event.type === 'error') {
      const operation = bounded('expresskit_cache_errors_total', event.operation, event.operation);
      cacheErrors.inc({ operation });
    } else {
      const raw = event.route ?? UNMATCHED_ROUTE;
      if (event.type === 'store') {
        cacheStores.inc({ [routeLabel]: bounded('expresskit_cache_stores_total', raw, raw) });
      } else {
        cacheRequests.inc(lookupLabels(raw, event.type));
      }
    }
  };

  const onRateLimit = (event: RateLimitEvent): void => {
    if (!('store' in event)) {
      const outcome = event.type === 'allowed' ? 'allowed' : event.shadow ? 'shadow_limited' : 'limited';
      decisions.inc(decisionLabels(event.policy, outcome));
    } else if (event.type === 'store-error') {
      storeErrors.inc({ store: bounded('expresskit_rate_limit_store_errors_total', event.store, event.store) });
    } else {
      const store = bounded('expresskit_rate_limit_store_degraded', event.store, event.store);
      degraded.set({ store, policy: event.policy }, event.type === 'degraded' ? 1 : 0);
    }
  };

  const onHealth = (event: HealthEvent): void => {
    if (event.type === 'check') {
      const check = bounded('expresskit_health_check_status', event.check, event.check);
      for (const status of STATUSES) checkStatus.set({ check, status }, status === event.status ? 1 : 0);
      checkDuration.observe({ check }, Math.max(0, event.durationMs) / 1000);
    } else {
      for (const status of STATUSES) probeStatus.set({ probe: event.probe, status }, status === event.status ? 1 : 0);
    }
  };

  const guard =
    <T>(listener: (event: T) => void) =>
    (event: T): void => {
      try {
        listener(event);
      } catch {
        // a malformed event from a publisher must never break its request
      }
    };

  const unsubscribers = [
    subscribe('expresskit:cache', guard(onCache)),
    subscribe('expresskit:rate-limit', guard(onRateLimit)),
    subscribe('expresskit:health', guard(onHealth)),
  ];
  return () => {
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
  };
}

/**
 * The labels `{ [first]: a, [second]: b }` of a counter whose `first` label is bounded by the
 * metric's guard (folded into `(overflow)` past `maxLabelSets`). The object of an admitted pair is
 * made once and reused (prom-client never mutates it); a refused pair is checked, and counted as
 * an overflow, on every event, as before.
 */
function foldedPairs(
  series: Series,
  metric: string,
  first: string,
  second: string,
): (a: string, b: string) => Record<string, string> {
  const guard = series.guard(metric);
  const known = new Map<string, Map<string, Record<string, string>>>();
  return (a, b) => {
    let byB = known.get(a);
    const hit = byB?.get(b);
    if (hit !== undefined) return hit;
    const admitted = guard.admit(`${a}\0${b}`);
    const labels = { [first]: admitted ? a : OVERFLOW_ROUTE, [second]: b };
    if (!admitted) return labels;
    if (byB === undefined) {
      byB = new Map();
      known.set(a, byB);
    }
    byB.set(b, labels);
    return labels;
  };
}
