export type { LabelNames } from './labels.js';
export { type Metrics, metrics } from './metrics.js';
export type { MetricsOptions, ScrapeAuth } from './options.js';
