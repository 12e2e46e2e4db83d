"""The Lua scripts :mod:`ttabot.llm.state_redis` runs inside Redis, one per update.

A script runs atomically: no other client's command lands between its reads and
its writes, so a cooldown merge, a limiter check-and-log or a count is one step
for every process sharing the database. Each starts by replacing a key that
someone made another type (ttabot's own keys have had these types since the
Redis backend was added), and treats every value it reads as untrusted text.
"""

from __future__ import annotations

# Every script starts over a key that someone made another type ('none' is no key).
_RESET_OTHER_TYPE = """
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= '{kind}' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
"""

# KEYS[1] hash; ARGV key, until, now, longest cooldown (s), most entries. The later
# deadline wins; ended entries go, and so do entries no reader believes (not a number,
# nan, or past the longest cooldown): one planted a year ahead would otherwise win
# every merge. A table flooded past the most entries (no reader reads it) starts over.
PUBLISH_COOLDOWN = (
    _RESET_OTHER_TYPE.format(kind="hash")
    + """
if redis.call('HLEN', KEYS[1]) > tonumber(ARGV[5]) then redis.call('DEL', KEYS[1]) end
local now = tonumber(ARGV[3])
local latest = now + tonumber(ARGV[4])
local function believed(v)
  return v ~= nil and v == v and v > now and v <= latest
end
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if not believed(current) then current = 0 end
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if not believed(tonumber(all[i + 1])) then redis.call('HDEL', KEYS[1], all[i]) end
end
return 1
"""
)

# KEYS[1] sorted set; ARGV limit, window (s), member. Time is the server's.
ACQUIRE = (
    _RESET_OTHER_TYPE.format(kind="zset")
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
-- Logged on this clock, no request can be ahead of it: entries that are were planted.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '(' .. tostring(now + 1), '+inf')
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
return tostring(math.max(tonumber(oldest[2]) + window - now, 0.001))
"""
)


# KEYS[1] hash; ARGV field, value.
PUT = (
    _RESET_OTHER_TYPE.format(kind="hash")
    + """
return redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
"""
)

# KEYS[1] hash; ARGV field. HINCRBY refuses a field that is not an integer (and one that
# would overflow): a count no reader believes (not 1-9 digits) starts over from 0.
COUNT = (
    _RESET_OTHER_TYPE.format(kind="hash")
    + """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and not (string.match(current, '^%d+$') and #current <= 9) then
  redis.call('HSET', KEYS[1], ARGV[1], '0')
end
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
"""
)
