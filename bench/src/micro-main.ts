/**
 * Runs one micro-benchmark in this (fresh) process and prints its samples as JSON:
 * `node dist/micro-main.js <scenario id> <rounds> <slice ms>`. The bench driver starts one of these
 * per micro scenario, so that a measurement does not depend on what the driver did before it (15
 * minutes of autocannon leave a heap that slows allocation-heavy calls unevenly).
 */
import { MICRO_SCENARIOS, runMicro } from './micro.js';

const [id, rounds, sliceMs] = process.argv.slice(2);
const scenario = MICRO_SCENARIOS.find((s) => s.id === id);
if (scenario === undefined || !(Number(rounds) >= 1) || !(Number(sliceMs) > 0)) {
  console.error(`usage: micro-main.js <${MICRO_SCENARIOS.map((s) => s.id).join('|')}> <rounds> <slice ms>`);
  process.exit(2);
}
const samples = runMicro(scenario.contenders, Number(rounds), Number(sliceMs));
process.stdout.write(`${JSON.stringify(Object.fromEntries(samples))}\n`);
