/**
 * Preloaded into an app process (`node --expose-gc --import <this file> server.js`) by scenario 4:
 * on SIGUSR2 it forces full garbage collections and prints one line
 * `heap-probe <n> {"heapUsed":…,"rss":…,…,"prototypeKeys":[…]}` (n counts the probes), so the test
 * reads the heap the process really retains (after GC), and whether anything was added to
 * `Object.prototype`, without changing the app or adding a route to it.
 */
const PREFIX = 'heap-probe';
let probes = 0;

process.on('SIGUSR2', () => {
  const collect = globalThis.gc;
  if (collect === undefined) {
    process.stdout.write(`${PREFIX} error: start the process with --expose-gc\n`);
    return;
  }
  // Several passes: weak references and finalizers free more on the second and third.
  for (let i = 0; i < 4; i++) collect();
  probes += 1;
  const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
  // Prototype pollution shows as enumerable keys on Object.prototype (normally none).
  const prototypeKeys: string[] = [];
  for (const key in Object.prototype) prototypeKeys.push(key);
  process.stdout.write(
    `${PREFIX} ${probes} ${JSON.stringify({ heapUsed, heapTotal, rss, external, arrayBuffers, prototypeKeys })}\n`,
  );
});
