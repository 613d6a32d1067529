import { describe, expect, it } from 'vitest';
import { aggregate, type CheckResult, CheckRunner, type Clock } from './runner.js';

/** A clock whose time moves only with `advance()`. */
function fakeClock(start = Date.UTC(2026, 10, 24, 3, 0, 0)) {
  let now = start;
  let timers: Array<{ at: number; callback: () => void; handle: number }> = [];
  let nextHandle = 1;
  const clock: Clock & { advance(ms: number): Promise<void>; readonly pending: number } = {
    now: () => now,
    setTimeout(callback, ms) {
      const handle = nextHandle++;
      timers.push({ at: now + ms, callback, handle });
      return handle;
    },
    clearTimeout(handle) {
      timers = timers.filter((timer) => timer.handle !== handle);
    },
    async advance(ms) {
      now += ms;
      const due = timers.filter((timer) => timer.at <= now);
      timers = timers.filter((timer) => timer.at > now);
      for (const timer of due) timer.callback();
      await flush();
    },
    get pending() {
      return timers.length;
    },
  };
  return clock;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const defaults = { timeout: 500, cacheTtl: 1000 };

describe('CheckRunner', () => {
  it('turns a hanging check into a timeout failure exactly at its timeout (injected clock)', async () => {
    const clock = fakeClock();
    let signal: AbortSignal | undefined;
    const runner = new CheckRunner(
      'test',
      {
        'db:ping': (context) => {
          signal = context.signal;
          return new Promise(() => {});
        },
      },
      defaults,
      { clock },
    );
    const pending = runner.run();
    await clock.advance(499);
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    const [result] = await pending;
    expect(result).toMatchObject({
      key: 'db:ping',
      status: 'fail',
      critical: true,
      output: 'check "db:ping" timed out after 500 ms',
      durationMs: 500,
      time: '2026-11-24T03:00:00.500Z',
    });
    expect(result?.error?.name).toBe('CheckTimeoutError');
    expect(signal?.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('answers a hanging check within timeout + 50 ms of real time', async () => {
    const runner = new CheckRunner(
      'test',
      { 'db:ping': { check: () => new Promise(() => {}), timeout: 100 } },
      defaults,
    );
    // A plain timer armed just before, for the same 100 ms: on a loaded machine both fire late by
    // the same amount, so what is measured against it is the runner's own overhead, not the load.
    const started = performance.now();
    const sibling = new Promise<number>((resolve) => setTimeout(() => resolve(performance.now()), 100));
    const [result] = await runner.run();
    const answered = performance.now();
    const fired = await sibling;
    expect(result?.status).toBe('fail');
    expect(result?.output).toBe('check "db:ping" timed out after 100 ms');
    expect(answered - started).toBeGreaterThanOrEqual(99);
    expect(answered - fired).toBeLessThan(50);
  });

  it('coalesces 10 concurrent runs into one execution of each check', async () => {
    const clock = fakeClock();
    let calls = 0;
    let release: () => void = () => {};
    const runner = new CheckRunner(
      'test',
      {
        'db:ping': () => {
          calls++;
          return new Promise<undefined>((resolve) => {
            release = () => resolve(undefined);
          });
        },
      },
      defaults,
      { clock },
    );
    const runs = Array.from({ length: 10 }, () => runner.run());
    await flush();
    expect(calls).toBe(1);
    release();
    const results = await Promise.all(runs);
    expect(calls).toBe(1);
    expect(new Set(results.map(([result]) => result)).size).toBe(1);
    expect(results[0]?.[0]?.status).toBe('pass');
  });

  it('reuses a result for cacheTtl after it finished, then runs the check again', async () => {
    const clock = fakeClock();
    let calls = 0;
    const runner = new CheckRunner(
      'test',
      {
        'db:ping': () => {
          calls++;
          return { observedValue: calls, observedUnit: 'calls' };
        },
        'cache:ping': { check: () => undefined, cacheTtl: '5s' },
      },
      defaults,
      { clock },
    );
    const first = await runner.run();
    await clock.advance(999);
    expect(await runner.run()).toEqual(first);
    expect(calls).toBe(1);
    await clock.advance(1);
    const second = await runner.run();
    expect(calls).toBe(2);
    expect(second[0]?.observedValue).toBe(2);
    expect(second[1]).toBe(first[1]);
  });

  it('runs every time with cacheTtl 0 (concurrent runs are still shared)', async () => {
    let calls = 0;
    const runner = new CheckRunner(
      'test',
      { 'db:ping': () => void calls++ },
      { timeout: 500, cacheTtl: 0 },
      { clock: fakeClock() },
    );
    await Promise.all([runner.run(), runner.run()]);
    await runner.run();
    expect(calls).toBe(2);
  });

  it.each([
    ['a rejection', () => Promise.reject(new Error('connection refused')), 'connection refused'],
    [
      'a synchronous throw',
      () => {
        throw new Error('boom');
      },
      'boom',
    ],
    ['a rejection with a string', () => Promise.reject('nope'), 'nope'],
    ['a rejection with a number', () => Promise.reject(42), 'check failed: 42'],
  ])('reports %s as fail with its message as output', async (_name, check, output) => {
    const [result] = await new CheckRunner('test', { 'x:y': check }, defaults, { clock: fakeClock() }).run();
    expect(result?.status).toBe('fail');
    expect(result?.output).toBe(output);
    expect(result?.error).toBeInstanceOf(Error);
  });

  it('passes on what a check returns: status, observed value and unit, output', async () => {
    const clock = fakeClock();
    const runner = new CheckRunner(
      'test',
      {
        'disk:utilization': {
          check: () => ({ status: 'warn', observedValue: 91, observedUnit: 'percent', output: 'disk almost full' }),
          componentType: 'system',
          componentId: 'sda1',
          critical: false,
        },
      },
      defaults,
      { clock },
    );
    const [result] = await runner.run();
    expect(result).toEqual({
      key: 'disk:utilization',
      status: 'warn',
      critical: false,
      componentType: 'system',
      componentId: 'sda1',
      observedValue: 91,
      observedUnit: 'percent',
      output: 'disk almost full',
      time: '2026-11-24T03:00:00.000Z',
      durationMs: 0,
      error: undefined,
    });
  });

  it('keeps answering when onResult throws, and retries a check whose reason cannot be printed', async () => {
    const clock = fakeClock();
    let calls = 0;
    const runner = new CheckRunner(
      'test',
      {
        'a:b': () => {
          calls++;
          return Promise.reject(Object.create(null));
        },
      },
      { timeout: 500, cacheTtl: 0 },
      {
        clock,
        onResult: () => {
          throw new Error('subscriber bug');
        },
      },
    );
    const [first] = await runner.run();
    expect(first?.status).toBe('fail');
    expect(first?.output).toBe('check failed: [object Object]');
    const [second] = await runner.run();
    expect(second?.status).toBe('fail');
    expect(calls).toBe(2);
  });

  it('drops a non-string observedUnit or output (health+json wants strings)', async () => {
    const [result] = await new CheckRunner(
      'test',
      { 'a:b': () => ({ status: 'warn', observedValue: 3, observedUnit: 7, output: { why: 'x' } }) as never },
      defaults,
      { clock: fakeClock() },
    ).run();
    expect([result?.status, result?.observedValue, result?.observedUnit, result?.output]).toEqual([
      'warn',
      3,
      undefined,
      undefined,
    ]);
  });

  it('calls onResult once per execution, not for cached results', async () => {
    const seen: CheckResult[] = [];
    const runner = new CheckRunner('test', { 'a:b': () => undefined }, defaults, {
      clock: fakeClock(),
      onResult: (result) => seen.push(result),
    });
    await Promise.all([runner.run(), runner.run()]);
    await runner.run();
    expect(seen.map((result) => [result.key, result.status])).toEqual([['a:b', 'pass']]);
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { 'has space': () => undefined },
      'test: check name "has space" must look like "<component>:<measurement>" (no spaces, at most one colon)',
    ],
    [
      { 'a:b:c': () => undefined },
      'test: check name "a:b:c" must look like "<component>:<measurement>" (no spaces, at most one colon)',
    ],
    [{ 'a:b': 42 }, 'test: check "a:b" must be a function or an object with a "check" function'],
    [{ 'a:b': { check: () => undefined, timeout: 0 } }, 'test: "timeout" of check "a:b" must be positive, got 0'],
    [
      { 'a:b': { check: () => undefined, critical: 'yes' } },
      'test: "critical" of check "a:b" must be a boolean, got string',
    ],
    [
      { 'a:b': { check: () => undefined, cacheTtl: 'soon' } },
      `test: "cacheTtl" of check "a:b" must be a duration such as '250ms', '5s', '5m', '1h', '1d' or a non-negative number of milliseconds, got "soon"`,
    ],
  ])('rejects bad checks at creation (%#)', (checks, message) => {
    expect(() => new CheckRunner('test', checks as never, defaults)).toThrow(new TypeError(message));
  });
});

describe('aggregate', () => {
  const result = (status: CheckResult['status'], critical: boolean) => ({ status, critical }) as CheckResult;
  it.each([
    [[], 'pass'],
    [[result('pass', true)], 'pass'],
    [[result('warn', true)], 'warn'],
    [[result('fail', false)], 'warn'],
    [[result('fail', false), result('pass', true)], 'warn'],
    [[result('fail', true), result('pass', false)], 'fail'],
    [[result('warn', false), result('fail', true)], 'fail'],
  ] as const)('%j → %s', (results, expected) => {
    expect(aggregate(results)).toBe(expected);
  });
});
