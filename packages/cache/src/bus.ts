/** The L1 invalidation bus: Redis pub/sub on a dedicated subscriber connection. */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

export interface Invalidation {
  readonly tags?: readonly string[];
  readonly keys?: readonly string[];
  readonly prefix?: string;
  /** Flush everything. */
  readonly all?: boolean;
}

export interface BusHandlers {
  /** An invalidation published by another instance. */
  onMessage(invalidation: Invalidation): void;
  /** The subscriber (re)connected: messages may have been lost meanwhile, so L1 must be flushed. */
  onConnect(): void;
  onError(error: Error): void;
}

export interface InvalidationBus {
  /** Resolves once the first subscription is active. */
  readonly ready: Promise<void>;
  publish(invalidation: Invalidation): Promise<void>;
  close(): Promise<void>;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/** Parses a bus message; `undefined` for malformed ones and for this instance's own. */
export function parseMessage(raw: string, self: string): Invalidation | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== 'object') return undefined;
  const record = data as Record<string, unknown>;
  if (record.origin === self || typeof record.origin !== 'string') return undefined;
  const tags = strings(record.tags);
  const keys = strings(record.keys);
  return {
    ...(tags ? { tags } : {}),
    ...(keys ? { keys } : {}),
    ...(typeof record.prefix === 'string' ? { prefix: record.prefix } : {}),
    ...(record.all === true ? { all: true } : {}),
  };
}

const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * The subscriber connection: a duplicate of the user's client that connects now and queues
 * commands while it is not connected, whatever the user's `enableOfflineQueue` / `lazyConnect`
 * (with `enableOfflineQueue: false` a SUBSCRIBE sent before the connection is up fails at once).
 */
function duplicateSubscriber(client: Redis | Cluster): Redis | Cluster {
  const override = { enableOfflineQueue: true, lazyConnect: false, autoResubscribe: true };
  return client.isCluster ? (client as Cluster).duplicate([], override) : (client as Redis).duplicate(override);
}

/**
 * Subscribes a duplicate of `client` to `channel` on its every 'ready' (the first connection and
 * each reconnection; SUBSCRIBE is idempotent). Each confirmed subscription calls `onConnect`
 * (pub/sub does not replay what was published while disconnected). `ready` resolves on the first
 * confirmed subscription, or after `readyTimeoutMs` with an `onError` (the bus keeps trying).
 */
export function redisBus(
  client: Redis | Cluster,
  channel: string,
  handlers: BusHandlers,
  readyTimeoutMs = 5_000,
): InvalidationBus {
  const origin = randomUUID();
  const subscriber = duplicateSubscriber(client);
  let closed = false;
  let subscribed = false;
  let settle = (): void => {};
  const ready = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(() => {
    if (!subscribed && !closed) {
      handlers.onError(
        new Error(
          `cache: the invalidation bus is not subscribed after ${readyTimeoutMs} ms (is Redis reachable?); it keeps trying and flushes L1 once subscribed`,
        ),
      );
    }
    settle();
  }, readyTimeoutMs);
  timer.unref();
  subscriber.on('error', (error: Error) => {
    if (!closed) handlers.onError(error);
  });
  subscriber.on('ready', () => {
    if (closed) return;
    subscriber.subscribe(channel).then(
      () => {
        if (closed) return;
        subscribed = true;
        clearTimeout(timer);
        handlers.onConnect();
        settle();
      },
      (error: unknown) => {
        if (!closed) handlers.onError(toError(error));
      },
    );
  });
  subscriber.on('message', (received: string, raw: string) => {
    if (received !== channel) return;
    const invalidation = parseMessage(raw, origin);
    if (invalidation) handlers.onMessage(invalidation);
  });
  return {
    ready,
    async publish(invalidation) {
      await client.publish(channel, JSON.stringify({ origin, ...invalidation }));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      settle();
      subscriber.disconnect();
    },
  };
}
