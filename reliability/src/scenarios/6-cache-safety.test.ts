import { isDeepStrictEqual } from 'node:util';
import { type RedisServer, startRedis } from '@expresskit/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheSafetyServer, startCacheSafetyServer } from '../lib/cache-safety-process.js';
import { stopChildren } from '../lib/children.js';
import { recordCase } from '../lib/results.js';

const ENTRY_PREFIX = 'expresskit:cache:e:';
const ROUNDS = 3;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  xCache: string | null;
  cacheStatus: string | null;
  setCookie: string | null;
}

async function get(server: CacheSafetyServer, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(server.url + path, { headers });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    xCache: res.headers.get('x-cache'),
    cacheStatus: res.headers.get('cache-status'),
    setCookie: res.headers.get('set-cookie'),
  };
}

/** Every entry key in Redis (SCAN, not KEYS), without the prefix. */
async function entryKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${ENTRY_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch.map((key) => key.slice(ENTRY_PREFIX.length)));
  } while (cursor !== '0');
  return keys.sort();
}

async function waitForKey(redis: Redis, key: string, timeoutMs = 5_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await redis.exists(ENTRY_PREFIX + key)) === 1) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

const miss = (reason: string) => ({ xCache: 'MISS', cacheStatus: `expresskit; fwd=miss; detail=${reason}` });

describe('6. cache safety', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let a: CacheSafetyServer;
  let b: CacheSafetyServer;
  beforeAll(async () => {
    redisServer = await startRedis();
    redis = redisServer.client();
    [a, b] = await Promise.all([
      startCacheSafetyServer('a', 5, redisServer.url),
      startCacheSafetyServer('b', 4, redisServer.url),
    ]);
  });
  afterAll(async () => {
    await stopChildren();
    await redisServer?.close();
  });

  it('never serves a Set-Cookie, private, no-store or Authorization response to another client; serves a shared one from the cache', async () => {
    const started = performance.now();
    /** Answers that differ from what the cache must send (a leak shows here as client 1's body or cookie). */
    const leaks: string[] = [];
    let requests = 0;
    let client2Requests = 0;
    /** Client 2's view, with no cookie and no Authorization, through both processes, twice each. */
    const asClient2 = async (path: string): Promise<Answer[]> => {
      const answers: Answer[] = [];
      for (const server of [a, b, b, a]) answers.push(await get(server, path));
      requests += 4;
      client2Requests += 4;
      return answers;
    };
    /** Compares each answer with its expected members (the last expectation repeats); records any difference. */
    const check = (what: string, answers: Answer[], expected: Partial<Answer>[]) => {
      answers.forEach((answer, i) => {
        const want = expected[Math.min(i, expected.length - 1)] ?? {};
        for (const [member, value] of Object.entries(want)) {
          const got = answer[member as keyof Answer];
          if (!isDeepStrictEqual(got, value))
            leaks.push(`${what} #${i}: ${member} ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
        }
      });
    };

    for (let n = 1; n <= ROUNDS; n++) {
      // Client 1 alternates between the processes; client 2 always asks both.
      const one = n % 2 === 1 ? a : b;

      const session = await get(one, `/cookie/${n}`);
      requests += 1;
      check(`cookie ${n} client 1`, [session], [{ status: 200, ...miss('set-cookie') }]);
      const own = String(session.body.session);
      expect(session.setCookie).toBe(`session=${own}; Path=/; HttpOnly`);
      for (const answer of await asClient2(`/cookie/${n}`)) {
        if (answer.body.session === own || answer.setCookie?.includes(own))
          leaks.push(`cookie ${n}: client 2 got ${own}`);
        check(
          `cookie ${n} client 2`,
          [answer],
          [
            {
              status: 200,
              ...miss('set-cookie'),
              setCookie: `session=${String(answer.body.session)}; Path=/; HttpOnly`,
            },
          ],
        );
      }

      for (const [route, reason] of [
        ['private', 'private'],
        ['no-store', 'no-store'],
      ] as const) {
        const alice = await get(one, `/${route}/${n}`, { Cookie: 'user=alice' });
        requests += 1;
        check(
          `${route} ${n} client 1`,
          [alice],
          [
            {
              status: 200,
              body: { route, n: String(n), user: 'alice', basket: "alice's basket" },
              ...miss(reason),
              setCookie: null,
            },
          ],
        );
        check(`${route} ${n} client 2`, await asClient2(`/${route}/${n}`), [
          {
            status: 200,
            body: { route, n: String(n), user: 'anonymous', basket: "anonymous's basket" },
            ...miss(reason),
          },
        ]);
      }

      const me = await get(one, `/me/${n}`, { Authorization: 'Bearer alice' });
      requests += 1;
      check(
        `me ${n} client 1`,
        [me],
        [
          {
            status: 200,
            body: { route: 'me', n: String(n), user: 'alice', account: "alice's account" },
            xCache: 'BYPASS',
            cacheStatus: 'expresskit; fwd=bypass; detail=authorization',
          },
        ],
      );
      // The anonymous answer is the same for everyone: stored by the first request, then served from the cache.
      const anonymous = {
        status: 200,
        body: { route: 'me', n: String(n), user: 'anonymous', account: "anonymous's account" },
      };
      const meAnswers = await asClient2(`/me/${n}`);
      check(`me ${n} client 2`, meAnswers, [
        { ...anonymous, xCache: 'MISS', cacheStatus: 'expresskit; fwd=miss; stored' },
        { ...anonymous, xCache: 'HIT' },
      ]);
    }

    // The control: a response without any of those headers IS shared, across the two processes.
    const shared = await get(a, '/shared/1');
    const storedInRedis = await waitForKey(redis, 'GET /shared/1 http://127.0.0.1');
    const sharedAnswers = await asClient2('/shared/1');
    requests += 1;
    check('shared client 1', [shared], [{ status: 200, xCache: 'MISS', cacheStatus: 'expresskit; fwd=miss; stored' }]);
    check('shared client 2', sharedAnswers, [{ status: 200, body: shared.body, xCache: 'HIT' }]);

    const keys = await entryKeys(redis);
    const expectedKeys = [
      ...Array.from({ length: ROUNDS }, (_, i) => `GET /me/${i + 1} http://127.0.0.1`),
      'GET /shared/1 http://127.0.0.1',
    ].sort();
    const storedMe = await Promise.all(
      Array.from({ length: ROUNDS }, (_, i) => redis.getBuffer(`${ENTRY_PREFIX}GET /me/${i + 1} http://127.0.0.1`)),
    );
    const aliceInRedis = storedMe.filter((value) => value?.includes('alice')).length;
    const exits = [await a.stop(), await b.stop()];
    const processErrors = (a.output() + b.output()).split('\n').filter((line) => /error/i.test(line));

    recordCase({
      scenario: '6-cache-safety',
      case: 'two processes (Express 5 and 4), one Redis L2',
      figures: {
        'requests sent': requests,
        "client 2's requests (no cookie, no Authorization)": client2Requests,
        "answers with client 1's body or cookie, or another status / cache status": leaks.length,
        'entry keys in Redis': keys.length,
        'entry keys of Set-Cookie / private / no-store responses in Redis': keys.filter((k) =>
          /\/(cookie|private|no-store)\//.test(k),
        ).length,
        "stored /me entries holding client 1's account": aliceInRedis,
        'shared response: stored in Redis, then HITs on both processes': `${storedInRedis}, ${sharedAnswers.filter((x) => x.xCache === 'HIT').length} of ${sharedAnswers.length}`,
        'exit codes after SIGTERM (a / b)': exits.join(' / '),
        'elapsed (s)': +((performance.now() - started) / 1000).toFixed(1),
      },
    });

    expect(leaks).toEqual([]);
    expect(keys).toEqual(expectedKeys);
    expect(aliceInRedis).toBe(0);
    expect(storedMe.every((value) => value?.includes("anonymous's account"))).toBe(true);
    expect(storedInRedis).toBe(true);
    expect(sharedAnswers.map((x) => x.body)).toEqual([shared.body, shared.body, shared.body, shared.body]);
    expect(processErrors).toEqual([]);
    expect(exits).toEqual([0, 0]);
  });
});
