import { createHash } from 'node:crypto';
import { strongEtag } from '@expresskit/cache';
import { compileFields } from '@expresskit/fields';
import mask from 'json-mask';
import { describe, expect, it } from 'vitest';
import { MICRO_CONTENDERS, MICRO_SCENARIOS } from '../micro.js';
import { CATALOG, FIELDS_MASK, PAYLOAD } from '../payload.js';
import { paragraph, renderReport, type ScenarioResult } from '../report.js';
import { parseOptions } from './options.js';
import {
  combineSlices,
  cpuRatios,
  evaluateTargets,
  median,
  roundOrder,
  roundRatios,
  sliceOrder,
  summarize,
} from './stats.js';

describe('stats', () => {
  it('median of odd and even counts, unsorted input left alone', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('ratios are taken round by round, then the median', () => {
    const base = [{ rps: 100 }, { rps: 50 }, { rps: 200 }];
    const ours = [{ rps: 120 }, { rps: 40 }, { rps: 300 }];
    expect(roundRatios(ours, base)).toEqual([1.2, 0.8, 1.5]);
    const rows = summarize(
      [
        { id: 'base', label: 'Base' },
        { id: 'ours', label: 'Ours' },
      ],
      'base',
      new Map([
        ['base', base.map((s) => ({ ...s, p50: s.rps / 10, p99: s.rps }))],
        ['ours', ours.map((s) => ({ ...s, p50: 1, p99: 9 }))],
      ]),
    );
    expect(rows).toEqual([
      {
        id: 'base',
        label: 'Base',
        rps: 100,
        p50: 10,
        p99: 100,
        ratio: 1,
        ratios: [1, 1, 1],
        cpu: undefined,
        cpuRatio: undefined,
      },
      {
        id: 'ours',
        label: 'Ours',
        rps: 120,
        p50: 1,
        p99: 9,
        ratio: 1.2,
        ratios: [1.2, 0.8, 1.5],
        cpu: undefined,
        cpuRatio: undefined,
      },
    ]);
    expect(
      evaluateTargets(
        [{ subject: 'ours', reference: 'base', min: 1.25 }],
        new Map([
          ['base', base],
          ['ours', ours],
        ]),
      ),
    ).toEqual([{ subject: 'ours', reference: 'base', min: 1.25, ratio: 1.2, cpuRatio: undefined, met: false }]);
    expect(() => roundRatios([{ rps: 1 }], base)).toThrow(RangeError);
  });

  it('CPU per request: medians, and baseline ÷ own round by round (above 1: cheaper)', () => {
    const base = [
      { rps: 100, cpu: 200 },
      { rps: 100, cpu: 300 },
      { rps: 100, cpu: 250 },
    ];
    const ours = [
      { rps: 90, cpu: 250 },
      { rps: 110, cpu: 200 },
      { rps: 100, cpu: 250 },
    ];
    expect(cpuRatios(ours, base)).toEqual([0.8, 1.5, 1]);
    const [baseRow, ourRow] = summarize(
      [
        { id: 'base', label: 'Base' },
        { id: 'ours', label: 'Ours' },
      ],
      'base',
      new Map([
        ['base', base],
        ['ours', ours],
      ]),
    );
    expect([baseRow?.cpu, baseRow?.cpuRatio, ourRow?.cpu, ourRow?.cpuRatio]).toEqual([250, 1, 250, 1]);
    const samples = new Map([
      ['base', base],
      ['ours', ours],
    ]);
    expect(evaluateTargets([{ subject: 'ours', reference: 'base', min: 1 }], samples)).toEqual([
      { subject: 'ours', reference: 'base', min: 1, ratio: 1, cpuRatio: 1, met: true },
    ]);
    // One round without a CPU figure (or a zero): no CPU ratio at all rather than one of fewer rounds.
    expect(cpuRatios([{ rps: 1 }, { rps: 1, cpu: 2 }, { rps: 1, cpu: 3 }], base)).toBeUndefined();
    expect(
      cpuRatios(
        [
          { rps: 1, cpu: 0 },
          { rps: 1, cpu: 2 },
          { rps: 1, cpu: 3 },
        ],
        base,
      ),
    ).toBeUndefined();
    expect(() => cpuRatios([{ rps: 1, cpu: 1 }], base)).toThrow(RangeError);
  });

  it('slices of a round add up: req/s and CPU per request from the totals, latency the median slice', () => {
    const sample = combineSlices([
      { requests: 1000, seconds: 0.5, p50: 1, p99: 6, cpuMicros: 200_000 },
      { requests: 500, seconds: 0.5, p50: 2, p99: 9, cpuMicros: 100_000 },
      { requests: 1500, seconds: 0.5, p50: 1, p99: 5, cpuMicros: 330_000 },
    ]);
    expect(sample).toEqual({ rps: 2000, requests: 3000, seconds: 1.5, p50: 1, p99: 6, cpu: 210 });
    expect(combineSlices([{ requests: 0, seconds: 1, p50: 0, p99: 0, cpuMicros: 5 }]).cpu).toBeUndefined();
    expect(() => combineSlices([])).toThrow(RangeError);
  });

  it('slices run forwards, then backwards', () => {
    expect([0, 1, 2, 3].map((slice) => sliceOrder(['a', 'b', 'c'], slice).join(''))).toEqual([
      'abc',
      'cba',
      'abc',
      'cba',
    ]);
  });

  it('the order rotates by one each round', () => {
    expect([0, 1, 2, 3].map((round) => roundOrder(['a', 'b', 'c'], round).join(''))).toEqual([
      'abc',
      'bca',
      'cab',
      'abc',
    ]);
  });
});

describe('options', () => {
  const ids = ['ceiling', 'etag'];
  it('full, quick and --only', () => {
    expect(parseOptions([], ids)).toEqual({
      quick: false,
      only: undefined,
      rounds: 5,
      duration: 3,
      warmup: 2,
      slices: 6,
      connections: 10,
      out: 'RESULTS.md',
    });
    expect(parseOptions(['--quick'], ids)).toMatchObject({
      quick: true,
      rounds: 3,
      duration: 1,
      out: 'RESULTS.quick.md',
    });
    expect(parseOptions(['--only', 'etag', '--rounds', '5'], ids)).toMatchObject({
      only: ['etag'],
      rounds: 5,
      out: 'RESULTS.partial.md',
    });
  });

  it('bad arguments throw a TypeError naming them', () => {
    expect(() => parseOptions(['--only', 'nope'], ids)).toThrow('bench: unknown scenario nope; known: ceiling, etag');
    expect(() => parseOptions(['--rounds', '2'], ids)).toThrow('bench: "--rounds" must be at least 3, got 2');
    expect(() => parseOptions(['--duration', '0'], ids)).toThrow(
      'bench: "--duration" must be a positive number, got 0',
    );
    expect(() => parseOptions(['--nope'], ids)).toThrow(TypeError);
  });
});

describe('report', () => {
  const result: ScenarioResult = {
    id: 'x',
    title: 'X',
    about: 'About X.',
    baseline: 'peer',
    unit: 'req/s',
    rows: [
      { id: 'peer', label: 'Peer', rps: 1000, p50: 2, p99: 7.5, ratio: 1, ratios: [1, 1, 1], cpu: 300, cpuRatio: 1 },
      {
        id: 'ours',
        label: 'Ours',
        rps: 1500.4,
        p50: 1,
        p99: 4,
        ratio: 1.5,
        ratios: [1.4, 1.5, 1.6],
        cpu: 200.04,
        cpuRatio: 1.49,
      },
    ],
    targets: [{ subject: 'ours', reference: 'peer', min: 1, ratio: 1.5, cpuRatio: 1.49, met: true }],
  };

  it('the paragraph is the template filled with the figures', () => {
    expect(paragraph(result, 3)).toBe(
      'About X.\n\nIn this run Ours ran at 1.50× the baseline (Peer), median of 3 same-round ratios ranging 1.40–1.60, and cost 200.0 µs of server CPU per request against 300.0 µs (CPU ratio 1.49×). Targets: Ours ÷ Peer: **1.50×** (target ≥ 1.00×) — met; by CPU per request 1.49×.',
    );
    expect(paragraph({ ...result, error: 'boom' }, 3)).toBe('About X.\n\nNot measured in this run: boom');
    // A ratio that two decimals would round onto its target shows three.
    const close = { ...result, targets: [{ ...result.targets[0], ratio: 0.996, cpuRatio: undefined, met: false }] };
    expect(paragraph(close as ScenarioResult, 3)).toContain('Ours ÷ Peer: **0.996×** (target ≥ 1.00×) — **not met**.');
  });

  it('the report has the machine, the table and the targets', () => {
    const text = renderReport(
      {
        date: '2026-11-24T04:00:00.000Z',
        node: 'v20.20.2',
        cpu: 'CPU',
        cores: 2,
        memoryGiB: 4,
        os: 'Linux 6',
        loadBefore: 1,
        loadAfter: 2,
        mode: 'full',
        rounds: 3,
        duration: 5,
        warmup: 2,
        slices: 6,
        connections: 10,
        elapsedSeconds: 300,
      },
      [result],
    );
    expect(text).toContain('- Machine: CPU, 2 cores, 4.0 GiB, Linux 6\n- Node.js v20.20.2;');
    expect(text).toContain(
      '| Peer (baseline) | 1000 | 2.0 | 7.5 | 1.00× | 300.0 | 1.00× |\n| Ours | 1500 | 1.0 | 4.0 | 1.50× | 200.0 | 1.49× |',
    );
    expect(text).toContain('| X: Ours ÷ Peer | 1.50× | ≥ 1.00× | met | 1.49× |');
  });
});

describe('micro-benchmark contenders do the same work', () => {
  it('compileFields and json-mask select the same members from the 1,000 products', () => {
    const expected = CATALOG.map(({ id, name, price, supplier }) => ({
      id,
      name,
      price,
      supplier: { name: supplier.name },
    }));
    expect(mask(CATALOG, FIELDS_MASK)).toEqual(expected);
    expect(compileFields(FIELDS_MASK).select(CATALOG)).toEqual(expected);
    for (const contender of MICRO_CONTENDERS) expect(contender.run()).toEqual(expected);
  });

  it('the ETag micro-benchmarks tag the bytes Express sends, both ways', () => {
    const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('base64').slice(0, 27);
    const tags = (id: string) =>
      Object.fromEntries(MICRO_SCENARIOS.find((s) => s.id === id)?.contenders.map((c) => [c.id, c.run()]) ?? []);
    const page = Buffer.from(JSON.stringify(PAYLOAD));
    expect(tags('etag-micro')).toEqual({ express: `"1760-${sha1(page)}"`, ours: strongEtag(page) });
    expect(strongEtag(page)).toMatch(/^"1760-[A-Za-z0-9_-]{11}"$/);
    const catalog = Buffer.from(JSON.stringify(CATALOG));
    expect(tags('etag-micro-catalog')).toEqual({
      express: `"${catalog.byteLength.toString(16)}-${sha1(catalog)}"`,
      ours: strongEtag(catalog),
    });
  });
});
