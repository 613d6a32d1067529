import { expressBaseline, nodeHttp } from './basic.js';
import { apicacheCache, expressStrongEtag, HANDLER_COST_MS, oursCache, oursEtag, uncachedSlow } from './cache.js';
import { fullStack, fullStackBaseline } from './full-stack.js';
import { oursFields, oursMetrics, partialResponseFields, promBundleMetrics } from './observe.js';
import { expressPaginateServer, oursPaginate } from './paginate.js';
import { erlMemory, erlRedis, flexibleMemory, flexibleRedis, oursMemory, oursRedis } from './rate-limit.js';
import type { ServerFactory } from './types.js';

/** Every server a scenario can start, by name (the child process gets the name on its command line). */
export const SERVERS = {
  'node-http': nodeHttp,
  express: expressBaseline,
  'rate-limit/ours-memory': oursMemory,
  'rate-limit/erl-memory': erlMemory,
  'rate-limit/flexible-memory': flexibleMemory,
  'rate-limit/ours-redis': oursRedis,
  'rate-limit/erl-redis': erlRedis,
  'rate-limit/flexible-redis': flexibleRedis,
  'cache/ours': () => oursCache(),
  'cache/apicache': apicacheCache,
  'cache/uncached-slow': uncachedSlow,
  'cache/ours-slow': () => oursCache(HANDLER_COST_MS),
  'etag/ours': oursEtag,
  'etag/express-strong': expressStrongEtag,
  'metrics/ours': oursMetrics,
  'metrics/prom-bundle': promBundleMetrics,
  'fields/ours': oursFields,
  'fields/partial-response': partialResponseFields,
  'pagination/ours': oursPaginate,
  'pagination/express-paginate': expressPaginateServer,
  'full-stack/ours': fullStack,
  'full-stack/express': fullStackBaseline,
} satisfies Record<string, ServerFactory>;

export type ServerName = keyof typeof SERVERS;

export function isServerName(name: string): name is ServerName {
  return Object.hasOwn(SERVERS, name);
}
