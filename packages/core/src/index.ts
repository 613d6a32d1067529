export {
  type CacheEvent,
  CHANNELS,
  type ChannelName,
  type ChannelPayloads,
  channel,
  type HealthEvent,
  type RateLimitEvent,
  subscribe,
  type TypedChannel,
} from './channels.js';
export { type Duration, parseDuration } from './duration.js';
export { ExpressLayer } from './layer.js';
export {
  isProblemError,
  PROBLEM_CONTENT_TYPE,
  type ProblemDetails,
  ProblemError,
  type ProblemInit,
  problemType,
  sendProblem,
} from './problem.js';
