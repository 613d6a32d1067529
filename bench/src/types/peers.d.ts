// Minimal declarations for the peer libraries that ship none: only what the bench uses.

declare module 'apicache' {
  import type { RequestHandler } from 'express';

  interface ApiCacheOptions {
    defaultDuration?: string;
    enabled?: boolean;
    headers?: Record<string, string>;
  }
  interface ApiCacheInstance {
    middleware(duration?: string | number, toggle?: unknown, options?: ApiCacheOptions): RequestHandler;
    options(options: ApiCacheOptions): ApiCacheInstance;
    clear(target?: string): unknown;
    newInstance(options?: ApiCacheOptions): ApiCacheInstance;
  }
  const apicache: ApiCacheInstance;
  export default apicache;
}

declare module 'express-paginate' {
  import type { Request, RequestHandler } from 'express';

  interface PageLink {
    number: number;
    url: string;
  }
  const paginate: {
    middleware(limit?: number, maxLimit?: number): RequestHandler;
    hasNextPages(req: Request): (pageCount: number) => boolean;
    href(req: Request): (prev?: boolean | Record<string, unknown>, params?: Record<string, unknown>) => string;
    getArrayPages(req: Request): (limit: number, pageCount: number, currentPage: number) => PageLink[];
  };
  export default paginate;
}

declare module 'express-partial-response' {
  import type { RequestHandler } from 'express';

  function partialResponse(options?: { query?: string }): RequestHandler;
  export default partialResponse;
}

declare module 'json-mask' {
  function mask(value: unknown, fields: string): unknown;
  namespace mask {
    function compile(fields: string): unknown;
    function filter(value: unknown, compiled: unknown): unknown;
  }
  export default mask;
}
