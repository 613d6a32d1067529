export {
  type EventLoopDelayCheckOptions,
  eventLoopDelayCheck,
  heapCheck,
  type RedisCheckOptions,
  type RedisLike,
  redisCheck,
  rssCheck,
  type ThresholdOptions,
} from './checks.js';
export { type HealthOptions, type HealthRouter, health } from './health.js';
export type { PressureSample } from './pressure.js';
export type { ProbeName } from './probes.js';
export {
  HEALTH_CONTENT_TYPE,
  type HealthBody,
  type HealthCheckEntry,
  type HealthReport,
  type ServiceInfo,
} from './render.js';
export {
  type CheckContext,
  type CheckFunction,
  type CheckOutcome,
  type CheckResult,
  CheckTimeoutError,
  type HealthCheck,
  type HealthStatus,
} from './runner.js';
export {
  type GracefulShutdownOptions,
  gracefulShutdown,
  type ShutdownAware,
  type ShutdownController,
  type ShutdownHook,
} from './shutdown.js';
export { type UnderPressureHandler, type UnderPressureOptions, underPressure } from './under-pressure.js';
