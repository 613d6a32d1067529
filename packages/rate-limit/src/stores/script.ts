import { createHash } from 'node:crypto';

/**
 * The Redis side of `decide()` in `gcra.ts`, step for step: every policy of one request in one
 * script (one round trip, atomic), `TIME` as the clock so that instances with skewed clocks agree.
 *
 * `redis.replicate_commands()` lets Redis 3.2–4 replicate the writes after `TIME` (a no-op since 5).
 *
 * KEYS: one per policy (`rl:{<key>}:<policy>`, one hash slot). ARGV: operation (0 consume,
 * 1 peek, 2 charge), cost, then per policy: algorithm (0 gcra, 1 fixed window), interval, tolerance.
 * Reply: allowed (0/1), then per policy: conform, remaining, reset (µs), retry (µs, -1 never).
 */
export const SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local op = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local n = #KEYS
local allowed = 1
local steps = {}
for i = 1, n do
  local kind = tonumber(ARGV[3 * i])
  local a = tonumber(ARGV[3 * i + 1])
  local b = tonumber(ARGV[3 * i + 2])
  local stored = tonumber(redis.call('GET', KEYS[i]))
  local s = {}
  if kind == 0 then
    local base = now
    if stored ~= nil and stored >= now then base = stored end
    local nxt = base + cost * a
    local allow_at = nxt - b
    s.conform = allow_at <= now
    s.rb = math.max(0, math.floor((b - (base - now)) / a))
    s.tb = base - now
    s.ra = math.max(0, math.floor((b - (nxt - now)) / a))
    s.ta = nxt - now
    if s.conform then s.retry = 0 elseif cost * a > b then s.retry = -1 else s.retry = allow_at - now end
    s.next = nxt
    s.ttl = nxt - now
  else
    local start = math.floor(now / a) * a
    local finish = start + a
    local count = 0
    if stored ~= nil and stored >= start then count = stored - start end
    local after = count + cost
    s.conform = after <= b
    s.rb = math.max(0, b - count)
    s.tb = finish - now
    s.ra = math.max(0, b - after)
    s.ta = finish - now
    if s.conform then s.retry = 0 elseif cost > b then s.retry = -1 else s.retry = finish - now end
    s.next = start + math.min(after, b)
    s.ttl = finish - now
  end
  if not s.conform then allowed = 0 end
  steps[i] = s
end
local charged = op == 2 or (op == 0 and allowed == 1)
local after = op == 2 or allowed == 1
local reply = { (op == 2 or allowed == 1) and 1 or 0 }
for i = 1, n do
  local s = steps[i]
  if charged then
    local ttl_ms = math.ceil(s.ttl / 1000)
    if ttl_ms > 0 then
      redis.call('SET', KEYS[i], string.format('%.0f', s.next), 'PX', ttl_ms)
    else
      redis.call('DEL', KEYS[i])
    end
  end
  local conform = (op == 2 or s.conform) and 1 or 0
  local retry = s.retry
  if op == 2 then retry = 0 end
  if after then
    reply[#reply + 1] = conform
    reply[#reply + 1] = s.ra
    reply[#reply + 1] = s.ta
  else
    reply[#reply + 1] = conform
    reply[#reply + 1] = s.rb
    reply[#reply + 1] = s.tb
  end
  reply[#reply + 1] = retry
end
return reply
`;

/** SHA-1 of the script, for EVALSHA. */
export const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');
