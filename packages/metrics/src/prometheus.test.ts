import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { channel } from '@expresskit/core';
import { expressMajors, freePort } from '@expresskit/testing';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Metrics, metrics } from './metrics.js';
import { describePrometheus, PROMETHEUS } from './testing/promtool.js';
import { samples } from './testing/read.js';

interface Target {
  health: string;
  lastError: string;
  lastScrape: string;
}

// A real Prometheus server scrapes the handler: it asks for OpenMetrics first, so this checks
// our OpenMetrics output with Prometheus's own parser (promtool only checks the text format),
// including hostile label values, and reads back what Prometheus stored.
const HOSTILE_ROUTE = '/q"uote/back\\slash/new\nline/{x}';

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as T;
  } catch {
    return undefined; // not listening yet, or busy: the caller polls until its deadline
  }
}
describePrometheus('a real Prometheus server scraping the handler', () => {
  const express5 = expressMajors[1]?.express;
  let m: Metrics;
  let app: Server;
  let prometheus: ChildProcess;
  let dir: string;
  let apiPort: number;

  beforeAll(async () => {
    if (express5 === undefined) throw new Error('no Express 5 in the matrix');
    m = metrics({ bodySizes: true });
    const server = express5();
    server.use(m.middleware);
    server.get('/metrics', m.handler);
    server.get('/products/:id', (_req, res) => {
      res.send('p');
    });
    await request(server).get('/products/1').expect(200, 'p');
    channel('expresskit:cache').publish({ type: 'hit', route: HOSTILE_ROUTE });
    app = server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => app.once('listening', () => resolve()));
    const { port } = app.address() as AddressInfo;
    dir = mkdtempSync(path.join(tmpdir(), 'expresskit-prometheus-'));
    apiPort = await freePort();
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: app\n    static_configs: [{ targets: ['127.0.0.1:${port}'] }]\n`,
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${apiPort}`,
      ],
      { stdio: 'ignore' },
    );
    prometheus.on('error', () => {}); // a failed spawn shows as a target that never comes up
  });

  afterAll(async () => {
    if (prometheus?.pid !== undefined && prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGKILL');
      await exited;
    }
    app?.closeAllConnections();
    if (app !== undefined) await new Promise((resolve) => app.close(resolve));
    m?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('parses the OpenMetrics output it negotiated, with no scrape error', async () => {
    let target: Target | undefined;
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      const body = await getJson<{ data: { activeTargets: Target[] } }>(`http://127.0.0.1:${apiPort}/api/v1/targets`);
      target = body?.data.activeTargets[0];
      if (target !== undefined && target.health !== 'unknown') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(target?.lastError).toBe('');
    expect(target?.health).toBe('up');
    const scrapes = await samples(
      m.registry,
      'expresskit_metrics_scrape_duration_seconds',
      'expresskit_metrics_scrape_duration_seconds_count',
    );
    expect(scrapes.map((sample) => sample.labels.format)).toEqual(['openmetrics']);

    // what Prometheus stored: the hostile label value intact, and the canonical OpenMetrics `le`
    type Vector = { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    const query = async (promql: string): Promise<Vector['data']['result']> =>
      (await getJson<Vector>(`http://127.0.0.1:${apiPort}/api/v1/query?query=${encodeURIComponent(promql)}`))?.data
        .result ?? [];
    expect((await query('expresskit_cache_requests_total')).map((r) => [r.metric.http_route, r.value[1]])).toEqual([
      [HOSTILE_ROUTE, '1'],
    ]);
    const bucket = await query('http_server_request_duration_seconds_bucket{le="10.0",http_route="/products/:id"}');
    expect(bucket.map((r) => r.value[1])).toEqual(['1']);
  }, 60_000);
});
