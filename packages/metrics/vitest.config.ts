import { mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.ts';

// isolate: false: the test files share one module graph per worker (express, prom-client and
// supertest load once). Safe here: every test closes its metrics instances, servers and
// subscriptions, and nothing in this package keeps process-wide state beyond WeakMaps.
export default mergeConfig(packageConfig(), { test: { isolate: false } });
