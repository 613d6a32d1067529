import { expressMajors } from '@expresskit/testing';
import initSqlJs, { type Database, type SqlValue } from 'sql.js';
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SortKeyInput } from './keyset.js';
import { paginate } from './paginate.js';
import type { CursorPageInfo, PageBody } from './types.js';

interface Row {
  id: number;
  score: number;
  name: string;
}

let SQL: Awaited<ReturnType<typeof initSqlJs>>;
let db: Database | undefined;
beforeAll(async () => {
  SQL = await initSqlJs();
});
afterEach(() => {
  db?.close();
  db = undefined;
});

function openTable(count: number): Database {
  const database = new SQL.Database();
  database.run('CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, score INTEGER NOT NULL, name TEXT NOT NULL)');
  for (let i = 0; i < count; i += 1)
    database.run('INSERT INTO items (score, name) VALUES (?, ?)', [i % 4, `n${(i * 7) % 5}`]);
  return database;
}

function select(database: Database, sql: string, params: SqlValue[] = []): Row[] {
  const statement = database.prepare(sql);
  statement.bind(params);
  const rows: Row[] = [];
  while (statement.step()) rows.push(statement.getAsObject() as unknown as Row);
  statement.free();
  return rows;
}

const cases: ReadonlyArray<{ name: string; sort: SortKeyInput[]; orderBy: string }> = [
  { name: 'score ascending, id tiebreaker', sort: ['score'], orderBy: 'score ASC, id ASC' },
  { name: 'score descending, id tiebreaker', sort: ['-score'], orderBy: 'score DESC, id DESC' },
  {
    name: 'mixed: score descending, name ascending',
    sort: ['-score', 'name'],
    orderBy: 'score DESC, name ASC, id ASC',
  },
];

describe.each(expressMajors)('keyset walk over a sql.js table on $name', ({ express }) => {
  it.each(cases)('$name: every row exactly once, forwards with inserts, then backwards', async ({ sort, orderBy }) => {
    const database = openTable(40);
    db = database;
    const app = express();
    app.get('/items', paginate({ mode: 'cursor', secret: 'walk-secret-0123456789abcdef', sort }), (req, res) => {
      const page = req.pagination;
      if (page.mode !== 'cursor') throw new Error('cursor mode expected');
      const where = page.where();
      const sql = `SELECT id, score, name FROM items ${where ? `WHERE ${where.sql}` : ''} ORDER BY ${page.orderBy()} LIMIT ?`;
      res.paginate(select(database, sql, [...((where?.params ?? []) as SqlValue[]), page.fetch]));
    });
    const all = () => select(database, `SELECT id, score, name FROM items ORDER BY ${orderBy}`);
    const get = async (url: string): Promise<PageBody<Row>> => {
      const response = await request(app).get(url.replace(/^https?:\/\/[^/]+/, ''));
      expect(response.status).toBe(200);
      return response.body as PageBody<Row>;
    };

    // Forwards, inserting rows between pages: some sort after the current position, some before it.
    const behind = new Set<number>();
    const visited: number[] = [];
    let page = await get('/items?limit=7');
    let pages = 1;
    for (;;) {
      visited.push(...page.data.map((row) => row.id));
      if (page.links.next === null) break;
      const position = page.data.at(-1)?.id;
      for (const score of [-1, 2, 9]) {
        database.run('INSERT INTO items (score, name) VALUES (?, ?)', [score, `i${pages}`]);
        const id = Number(select(database, 'SELECT last_insert_rowid() AS id')[0]?.id);
        const order = all().map((row) => row.id);
        if (order.indexOf(id) < order.indexOf(position ?? -1)) behind.add(id);
      }
      page = await get(page.links.next);
      pages += 1;
    }
    const final = all().map((row) => row.id);
    expect(new Set(visited).size).toBe(visited.length);
    expect(visited).toEqual(final.filter((id) => !behind.has(id)));
    expect(behind.size).toBeGreaterThan(0);
    expect(visited.length).toBeGreaterThan(40);
    expect(pages).toBeGreaterThan(6);
    expect(page.pagination).toMatchObject({ has_more: false, next_cursor: null });

    // Backwards from the last page with ?before=: the whole final table, once, in order.
    const backwards: number[][] = [];
    let back = page;
    for (;;) {
      backwards.unshift(back.data.map((row) => row.id));
      if (back.links.prev === null) break;
      expect(back.links.prev).toContain('before=');
      back = await get(back.links.prev);
    }
    expect(backwards.flat()).toEqual(final);
    expect(backwards.slice(1, -1).every((chunk) => chunk.length === 7)).toBe(true);
    expect(backwards[0]?.length).toBeGreaterThan(0);
    expect((back.pagination as CursorPageInfo).has_more).toBe(false);
    expect(back.links.next).not.toBeNull();
  });
});
