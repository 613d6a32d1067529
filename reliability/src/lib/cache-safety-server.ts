/**
 * Scenario 6's server: a small Express app that uses `@expresskit/cache` the way a user would,
 * with the Redis L2 and the invalidation bus, and routes whose answers belong to one client.
 * Run as a process: `REDIS_URL=… EXPRESS_MAJOR=4|5 NAME=a node cache-safety-server.js`; it prints
 * `cache-safety server <name> listening on http://127.0.0.1:<port>` and exits 0 on SIGTERM.
 *
 * - `GET /cookie/:n`: a new session for a client without one (`Set-Cookie`), the session in the body;
 * - `GET /private/:n`, `GET /no-store/:n`: the basket of the user named by the `user` cookie,
 *   `Cache-Control: private` / `no-store`;
 * - `GET /me/:n`: the account of the `Authorization: Bearer <user>` caller (no Cache-Control of its own);
 * - `GET /shared/:n`: the same for everyone (cacheable): which instance rendered it, and when.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { redisStore, responseCache } from '@expresskit/cache';
import express5, { type Request } from 'express';
import express4 from 'express4';
import { Redis } from 'ioredis';

const name = process.env.NAME ?? 'server';
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('cache-safety-server: REDIS_URL is required');
const express = process.env.EXPRESS_MAJOR === '4' ? express4 : express5;

/** The `user` cookie, or "anonymous". */
function cookieUser(req: Request): string {
  const match = /(?:^|;\s*)user=([a-z0-9-]+)/.exec(req.headers.cookie ?? '');
  return match?.[1] ?? 'anonymous';
}

const client = new Redis(redisUrl);
client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
const cache = responseCache({ store: redisStore({ client }), ttl: '5m' });

const app = express();
app.disable('x-powered-by');
app.use(cache);
app.get('/cookie/:n', (req, res) => {
  const existing = /(?:^|;\s*)session=([0-9a-f-]+)/.exec(req.headers.cookie ?? '')?.[1];
  const session = existing ?? randomUUID();
  if (!existing) res.cookie('session', session, { httpOnly: true });
  res.json({ route: 'cookie', n: req.params.n, session });
});
app.get('/private/:n', (req, res) => {
  const user = cookieUser(req);
  res
    .set('Cache-Control', 'private, max-age=60')
    .json({ route: 'private', n: req.params.n, user, basket: `${user}'s basket` });
});
app.get('/no-store/:n', (req, res) => {
  const user = cookieUser(req);
  res.set('Cache-Control', 'no-store').json({ route: 'no-store', n: req.params.n, user, basket: `${user}'s basket` });
});
app.get('/me/:n', (req, res) => {
  const user = /^Bearer ([a-z0-9-]+)$/.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';
  res.json({ route: 'me', n: req.params.n, user, account: `${user}'s account` });
});
app.get('/shared/:n', (req, res) => {
  res.json({ route: 'shared', n: req.params.n, renderedBy: name, renderedAt: Date.now() });
});

await cache.ready;
const server = createServer(app);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`cache-safety server ${name} listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(async () => {
    await cache.close();
    await client.quit();
    process.exit(0);
  });
});
