/**
 * Scenario 5's child process (`node --expose-gc memory-bounds-child.js <mode> …`), so that its RSS
 * is the memory of one store and nothing else. It talks to the test over IPC:
 * - `rate-limit <count> <maxKeys>`: runs `runRateLimitBounds` and sends `{ type: 'result', result }`;
 * - `cache <maxBytes> <bodyBytes>`: serves `/items/:id`, sends `{ type: 'ready', port, baseline }`,
 *   answers `{ type: 'measure' }` with `{ type: 'measured', … }` and `{ type: 'finish', sent }`
 *   with `{ type: 'result', result, peakRss, final }`, then exits.
 */
import { serveCacheBounds } from './memory-bounds-cache.js';
import { runRateLimitBounds } from './memory-bounds-rate-limit.js';
import { memorySampler, settledMemory } from './memory-bounds-sampler.js';

const [mode, first = '0', second = '0'] = process.argv.slice(2);
const send = (message: unknown): void => {
  process.send?.(message);
};
const sampler = memorySampler(100);

if (mode === 'rate-limit') {
  const result = runRateLimitBounds(Number(first), Number(second), sampler);
  sampler.stop();
  send({ type: 'result', result });
  process.disconnect?.();
} else if (mode === 'cache') {
  const served = await serveCacheBounds(Number(first), Number(second), sampler);
  process.on('message', (message: { type: string; sent?: number }) => {
    if (message.type === 'measure') send({ type: 'measured', ...served.measure() });
    if (message.type === 'finish') {
      void served.finish(message.sent ?? 0).then((result) => {
        sampler.stop();
        send({ type: 'result', result, peakRss: sampler.peakRss, final: settledMemory() });
        process.disconnect?.();
      });
    }
  });
  send({ type: 'ready', port: served.port, baseline: served.baseline });
} else {
  throw new Error(`memory-bounds-child: unknown mode ${String(mode)}`);
}
