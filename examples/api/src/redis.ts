import { once } from 'node:events';
import type { Cluster, Redis } from 'ioredis';

/**
 * Resolves `true` once `client` is connected, or `false` after `timeoutMs`. With
 * `enableOfflineQueue: false` commands sent before the connection is up fail at once, so the app
 * waits here before serving; if Redis is unreachable it starts anyway, degraded (see README).
 */
export async function waitForRedis(client: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    await once(client, 'ready', { signal: timeout });
    return true;
  } catch {
    return false;
  }
}
