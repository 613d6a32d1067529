export { type ExpressFactory, expressMajors } from './express.js';
export { loadBothWays } from './loads.js';
export { freeClusterPort, freePort } from './ports.js';
export {
  describeRedis,
  type RedisCluster,
  type RedisServer,
  redisAvailable,
  startRedis,
  startRedisCluster,
} from './redis.js';
export { type LoopbackPair, loopbackPair } from './sockets.js';
