import type { RequestListener } from 'node:http';

/** What a server factory gets from the process that runs it. */
export interface ServerContext {
  /** `redis://127.0.0.1:<port>` of the bench's redis-server, for the Redis contenders. */
  redisUrl?: string | undefined;
}

/** One contender's server: the request listener and what to release when it stops. */
export interface BenchServer {
  handler: RequestListener;
  close(): Promise<void>;
}

export type ServerFactory = (context: ServerContext) => BenchServer | Promise<BenchServer>;

/** A server that holds nothing to release. */
export function plain(handler: RequestListener): BenchServer {
  return { handler, close: async () => {} };
}

export function requireRedisUrl(context: ServerContext): string {
  if (!context.redisUrl) throw new TypeError('this bench server needs a redis-server (context.redisUrl)');
  return context.redisUrl;
}
