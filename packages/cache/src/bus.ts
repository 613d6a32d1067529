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

/**
 * Subscribes a `client.duplicate()` to `channel`. Every (re)connection of the subscriber calls
 * `onConnect` (pub/sub does not replay what was published while disconnected).
 */
export function redisBus(client: Redis | Cluster, channel: string, handlers: BusHandlers): InvalidationBus {
  const origin = randomUUID();
  const subscriber = client.duplicate();
  let closed = false;
  subscriber.on('error', (error: Error) => handlers.onError(error));
  subscriber.on('ready', () => {
    if (!closed) handlers.onConnect();
  });
  subscriber.on('message', (received: string, raw: string) => {
    if (received !== channel) return;
    const invalidation = parseMessage(raw, origin);
    if (invalidation) handlers.onMessage(invalidation);
  });
  const ready = subscriber.subscribe(channel).then(
    () => undefined,
    (error: unknown) => {
      if (!closed) handlers.onError(error instanceof Error ? error : new Error(String(error)));
    },
  );
  return {
    ready,
    async publish(invalidation) {
      await client.publish(channel, JSON.stringify({ origin, ...invalidation }));
    },
    async close() {
      closed = true;
      subscriber.disconnect();
    },
  };
}
