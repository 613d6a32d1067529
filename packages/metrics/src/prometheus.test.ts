import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expressMajors, freePort } from '@expresskit/testing';
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
// our OpenMetrics output with Prometheus's own parser (promtool only checks the text format).
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
  });

  afterAll(async () => {
    if (prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGKILL');
      await exited;
    }
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
    m.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses the OpenMetrics output it negotiated, with no scrape error', async () => {
    let target: Target | undefined;
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/targets`);
        const body = (await res.json()) as { data: { activeTargets: Target[] } };
        target = body.data.activeTargets[0];
        if (target !== undefined && target.health !== 'unknown') break;
      } catch {
        // not listening yet
      }
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
  }, 60_000);
});
