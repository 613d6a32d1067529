import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = path.join(import.meta.dirname, '..', 'test', 'fixtures', 'cluster.mjs');

describe('node:cluster aggregation with real workers', () => {
  let primary: ChildProcess;
  let ports: { primary: number; workers: number[]; silent: number[] };

  beforeAll(async () => {
    primary = spawn(process.execPath, [FIXTURE], {
      cwd: path.join(import.meta.dirname, '..'),
      stdio: ['pipe', 'pipe', 'inherit'],
      // two workers with metrics, a third without: it never answers, so each scrape waits the
      // 3 s clusterTimeout for it and then serves the other two
      env: { ...process.env, WORKERS: '3', SILENT_AFTER: '2', CLUSTER_TIMEOUT: '3s' },
    });
    const stdout = primary.stdout;
    if (stdout === null) throw new Error('no stdout');
    const lines = createInterface({ input: stdout });
    ports = await new Promise((resolve, reject) => {
      lines.once('line', (line) => resolve(JSON.parse(line) as typeof ports));
      primary.once('exit', (code) => reject(new Error(`cluster fixture exited with ${String(code)}`)));
    });
  });

  afterAll(async () => {
    if (primary.exitCode !== null || primary.signalCode !== null) return;
    const exited = new Promise((resolve) => primary.once('exit', resolve));
    primary.stdin?.end();
    // the fixture exits on stdin end; should it not within 10 s, kill it (its workers die with its IPC channel)
    const timer = setTimeout(() => primary.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  });

  it('sums the counters and histograms of every answering worker in both formats; gauges stay per process', async () => {
    const [first, second] = ports.workers;
    expect(ports.workers).toHaveLength(2);
    expect(ports.silent).toHaveLength(1);
    await request(`http://127.0.0.1:${ports.silent[0]}`).get('/hello/s').expect(200);
    for (let i = 0; i < 3; i++) await request(`http://127.0.0.1:${first}`).get(`/hello/a${i}`).expect(200);
    for (let i = 0; i < 2; i++) await request(`http://127.0.0.1:${second}`).get(`/hello/b${i}`).expect(200);
    await request(`http://127.0.0.1:${second}`).get('/nope').expect(404);

    // both formats at once: each scrape waits clusterTimeout for the silent worker
    const primary = `http://127.0.0.1:${ports.primary}`;
    const [res, open] = await Promise.all([
      request(primary).get('/metrics').expect(200),
      request(primary).get('/metrics').set('Accept', 'application/openmetrics-text').expect(200),
    ]);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = res.text.split('\n');
    expect(lines).toContain(
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/hello/:name",http_response_status_code="200"} 5',
    );
    expect(lines).toContain(
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="(unmatched)",http_response_status_code="404"} 1',
    );
    expect(lines).toContain(
      'http_server_request_duration_seconds_bucket{le="+Inf",http_request_method="GET",http_route="/hello/:name",http_response_status_code="200"} 5',
    );
    expect(lines.filter((line) => line.startsWith('http_server_active_requests'))).toEqual([]);

    expect(open.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(open.text.endsWith('# EOF\n')).toBe(true);
    expect(open.text.split('\n')).toContain(
      'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/hello/:name",http_response_status_code="200"} 5',
    );
  });
});
