import diagnostics_channel from 'node:diagnostics_channel';

/**
 * The `node:diagnostics_channel` channels expresskit packages publish on. Publishers only build a
 * payload when the channel has subscribers, so an unobserved channel costs one boolean check.
 * `@expresskit/metrics` subscribes to these by name; no package imports another to report.
 */
export const CHANNELS = {
  rateLimit: 'expresskit:rate-limit',
  cache: 'expresskit:cache',
  health: 'expresskit:health',
} as const;

export type ChannelName = (typeof CHANNELS)[keyof typeof CHANNELS];

/** `expresskit:rate-limit` */
export type RateLimitEvent =
  | {
      /** The request was allowed (`allowed`) or rejected (`limited`; in shadow mode it was let through). */
      type: 'allowed' | 'limited';
      /** The policy that decided: for `limited` the first violated one, else the tightest. */
      policy: string;
      /** Every policy the request violated (empty for `allowed`). */
      violated: readonly string[];
      /** A short, non-reversible hash of the client key, never the key itself. */
      keyHash: string;
      /** Remaining quota of `policy` after this request. */
      remaining: number;
      /** `true` when the limiter runs in shadow mode (limited requests are not rejected). */
      shadow: boolean;
    }
  | {
      /** A store command failed or timed out (`store-error`); the store was declared unusable
       * (`degraded`) or usable again (`recovered`). */
      type: 'store-error' | 'degraded' | 'recovered';
      /** The store's name, e.g. `redis`. */
      store: string;
      /** The configured `onStoreError` policy applied while degraded. */
      policy: 'fail-open' | 'fail-closed' | 'fallback';
      error?: Error;
    };

/** `expresskit:cache` */
export type CacheEvent =
  | {
      type: 'hit' | 'miss' | 'stale' | 'bypass' | 'store';
      /** The route template (`/products/:id`) when the publisher knows it, else `undefined`. */
      route: string | undefined;
      /** Why a request bypassed the cache or a response was not stored, e.g. `authorization`. */
      reason?: string;
    }
  | {
      type: 'invalidate';
      tags?: readonly string[];
      keys?: readonly string[];
      prefix?: string;
      /** `true` when everything was invalidated (`invalidate({ all: true })`, or L1 flushed). */
      all?: boolean;
      /** `true` when the invalidation arrived from another instance over the bus. */
      remote: boolean;
    }
  | {
      type: 'error';
      route: string | undefined;
      /** Which part failed, e.g. `l2-get`, `l2-set`, `bus`. */
      operation: string;
      error: Error;
    };

/** `expresskit:health` */
export type HealthEvent =
  | {
      /** One check ran. */
      type: 'check';
      /** The check's key, `"<component>:<measurement>"`. */
      check: string;
      status: 'pass' | 'warn' | 'fail';
      critical: boolean;
      durationMs: number;
      error?: Error;
    }
  | {
      /** A probe's overall state changed, or shutdown began. */
      type: 'state';
      probe: 'live' | 'ready' | 'startup' | 'shutdown' | 'pressure';
      status: 'pass' | 'warn' | 'fail';
      previous: 'pass' | 'warn' | 'fail' | undefined;
    };

/** Payload type of each channel. */
export interface ChannelPayloads {
  'expresskit:rate-limit': RateLimitEvent;
  'expresskit:cache': CacheEvent;
  'expresskit:health': HealthEvent;
}

/** A diagnostics channel whose payloads are typed. */
export interface TypedChannel<T> {
  readonly name: string;
  readonly hasSubscribers: boolean;
  publish(message: T): void;
}

/** The channel `name`, typed with its payload. */
export function channel<N extends ChannelName>(name: N): TypedChannel<ChannelPayloads[N]> {
  return diagnostics_channel.channel(name) as unknown as TypedChannel<ChannelPayloads[N]>;
}

/**
 * Subscribes `listener` to `name` and returns the function that unsubscribes it. The listener is
 * called synchronously by the publisher; it must not throw.
 */
export function subscribe<N extends ChannelName>(name: N, listener: (message: ChannelPayloads[N]) => void): () => void {
  const onMessage = (message: unknown): void => listener(message as ChannelPayloads[N]);
  diagnostics_channel.subscribe(name, onMessage);
  return () => {
    diagnostics_channel.unsubscribe(name, onMessage);
  };
}
