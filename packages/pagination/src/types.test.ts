import express, { type Request, type Response } from 'express';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CursorValue, PageMeta, Pagination, SqlFragment } from './index.js';
import { paginate } from './index.js';

describe('public types', () => {
  it('types req.pagination as a union narrowed by mode, and res.paginate', () => {
    const handler = (req: Request, res: Response): void => {
      expectTypeOf(req.pagination).toEqualTypeOf<Pagination>();
      if (req.pagination.mode === 'offset') {
        expectTypeOf(req.pagination.offset).toEqualTypeOf<number>();
        expectTypeOf(req.pagination.fetch).toEqualTypeOf<number>();
      } else {
        expectTypeOf(req.pagination.after).toEqualTypeOf<readonly CursorValue[] | undefined>();
        expectTypeOf(req.pagination.where()).toEqualTypeOf<SqlFragment | undefined>();
      }
      expectTypeOf(res.paginate).parameter(1).toEqualTypeOf<PageMeta | undefined>();
      res.paginate([{ id: 1 }], { total: 1 });
    };
    const app = express();
    app.get('/', paginate(), handler);
    // @ts-expect-error mode is a closed set
    expect(() => paginate({ mode: 'keyset' })).toThrow(TypeError);
  });
});
