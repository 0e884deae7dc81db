/**
 * The Lua script that applies events inside Redis. Redis runs a script to the end before serving
 * any other command, so each event's updates land together; the event's first write is its applied
 * marker (SET NX), so a duplicate is skipped before anything is touched. One call carries several
 * events (redis-encode.ts decides how many) to spare the per-call cost; it replies 1 (applied) or
 * 0 (duplicate) per event.
 *
 * ARGV[1..5]: marker TTL, session TTL, trending cap, trending key prefix and suffix. Then per event
 * 'E', its key count and its argument count (to skip a duplicate), then its ops up to the next 'E':
 * a one-letter code and its arguments. KEYS: per event its marker, then each op's keys in op order.
 * Every key the script writes is declared, except the trending sets an item delete walks ('d'; in
 * a cluster, where every key of a call must be in one slot, single-key ops 'T', 'h', 'z' replace
 * 't' and 'd', and 'o'/'O' replace the pair ops 'P'/'Q').
 *
 * Numbers arrive as JavaScript formats them (String(x) round-trips a double) and leave through
 * %.17g (or %d when whole), never Lua's default %.14g, so stored scores and sums are the exact
 * doubles. Arguments to redis.call are strings, never Lua numbers (Redis 7.0 formats each with
 * snprintf). Counted sets (co-occurrence, query clicks) and trending sets store NEGATED scores, so
 * that ZRANGE lists the highest first with ties by id ascending, as the memory adapter orders them.
 */
export const APPLY_SCRIPT = `
local LN2 = math.log(2)
local floor = math.floor
-- A whole number prints the same with %d, which costs a fraction of %.17g.
local function fmt(x)
  if x == floor(x) and x > -1e15 and x < 1e15 then return string.format('%d', x) end
  return string.format('%.17g', x)
end
local SESSION_TTL, TREND_CAP, TREND_PRE, TREND_SUF = ARGV[2], ARGV[3], ARGV[4], ARGV[5]

-- A recent-history entry is "<ts> <type> <item>" (the item may hold spaces, ts and type do not).
local function tsOf(e) return tonumber(string.sub(e, 1, string.find(e, ' ', 1, true) - 1)) end
local function itemOf(e)
  local s1 = string.find(e, ' ', 1, true)
  return string.sub(e, string.find(e, ' ', s1 + 1, true) + 1)
end

local function rewrite(k, list)
  redis.call('DEL', k)
  for i = 1, #list, 1000 do redis.call('RPUSH', k, unpack(list, i, math.min(i + 999, #list))) end
end

-- Appends to the recent list in event-time order. \`bound\` is at least the newest entry's time (the
-- shopper's lastTs), so an event at or after it appends without reading the list.
local function push(k, entry, tsStr, maxStr, bound)
  local ts = tonumber(tsStr)
  local n
  if bound == nil or ts >= bound then
    n = redis.call('RPUSH', k, entry)
    bound = ts
  else
    local last = redis.call('LINDEX', k, '-1')
    if not last or tsOf(last) <= ts then
      n = redis.call('RPUSH', k, entry)
    else
      -- A late event goes after every entry not newer than it: rare, so the list is rewritten.
      local all = redis.call('LRANGE', k, '0', '-1')
      local at = #all
      while at > 0 and tsOf(all[at]) > ts do at = at - 1 end
      table.insert(all, at + 1, entry)
      rewrite(k, all)
      n = #all
    end
  end
  if n > tonumber(maxStr) then redis.call('LTRIM', k, '-' .. maxStr, '-1') end
  return bound
end

local function remove(k, item)
  local all = redis.call('LRANGE', k, '0', '-1')
  local kept = {}
  for i = 1, #all do
    if itemOf(all[i]) ~= item then kept[#kept + 1] = all[i] end
  end
  if #kept < #all then rewrite(k, kept) end
end

-- One shopper's updates of one event: the hash is read once and written once (lastTs is the
-- max of the event times, counts are sums, the vector is the last one); list ops run in order.
-- Arguments from A[i]: session flag, max ts or '', then ops until one that is not a shopper's:
-- 'c' field n (a count) | 'v' vector | 'p' entry ts max | 'r' item | 'b' item max (list ops).
-- Returns the index of the op after them.
local function shopper(h, rk, bk, A, i)
  local session, maxTs = A[i], A[i + 1]
  i = i + 2
  -- First the count fields, so that the hash is read once.
  local fields, j = { 'ts' }, i
  while true do
    local op = A[j]
    if op == 'c' then fields[#fields + 1] = A[j + 1]; j = j + 3
    elseif op == 'p' then j = j + 4
    elseif op == 'v' or op == 'r' then j = j + 2
    elseif op == 'b' then j = j + 3
    else break end
  end
  local cur = redis.call('HMGET', h, unpack(fields))
  local stored = tonumber(cur[1])
  local set, bound, c = {}, stored, 1
  while i < j do
    local op = A[i]
    if op == 'c' then
      c = c + 1
      set[#set + 1] = A[i + 1]; set[#set + 1] = fmt((tonumber(cur[c]) or 0) + tonumber(A[i + 2])); i = i + 3
    elseif op == 'p' then
      bound = push(rk, A[i + 1], A[i + 2], A[i + 3], bound); i = i + 4
    elseif op == 'v' then
      set[#set + 1] = 'v'; set[#set + 1] = A[i + 1]; i = i + 2
    elseif op == 'r' then
      remove(rk, A[i + 1]); i = i + 2
    else
      redis.call('LREM', bk, '0', A[i + 1])
      if redis.call('RPUSH', bk, A[i + 1]) > tonumber(A[i + 2]) then redis.call('LTRIM', bk, '-' .. A[i + 2], '-1') end
      i = i + 3
    end
  end
  if maxTs ~= '' then
    -- lastTs only moves forward from 0; the field also marks that the shopper exists.
    local ts = tonumber(maxTs)
    if stored == nil then
      set[#set + 1] = 'ts'; set[#set + 1] = ts > 0 and maxTs or '0'
    elseif ts > stored then
      set[#set + 1] = 'ts'; set[#set + 1] = maxTs
    end
  end
  if #set > 0 then redis.call('HSET', h, unpack(set)) end
  if session == '1' then
    redis.call('EXPIRE', h, SESSION_TTL); redis.call('EXPIRE', rk, SESSION_TTL); redis.call('EXPIRE', bk, SESSION_TTL)
  end
  return j
end

-- log2(2^old + 2^inc), computed from the larger term so that epoch-scale exponents never overflow.
local function trend(k, markets, market, item, incStr)
  local score = tonumber(incStr)
  local old = redis.call('ZSCORE', k, item)
  if old then
    local hi, lo = -tonumber(old), score
    if lo > hi then hi, lo = lo, hi end
    local x = 2 ^ (lo - hi)
    local u = 1 + x
    -- log1p(x), without losing a tiny x to the rounding of 1 + x
    local l1p = x
    if u ~= 1 then l1p = math.log(u) * x / (u - 1) end
    score = hi + l1p / LN2
  end
  if redis.call('ZADD', k, fmt(-score), item) == 1 then
    -- In a cluster the market set is another slot's: a separate 'm' op adds the market.
    if markets then redis.call('SADD', markets, market) end
    redis.call('ZREMRANGEBYRANK', k, TREND_CAP, '-1')
  end
end

-- Adds to a bounded count (scores negated). A count at or below zero leaves. A newcomer beyond
-- max drops the lowest entry; of tied lowest entries an old one goes, the newcomer stays.
-- Numbers stay strings where they can: Redis 7.0 formats a double reply with snprintf and Lua
-- parses one with strtod, a good share of what a ZINCRBY costs. The reply is the new
-- score as %.17g; for a whole \`by\` (\`whole\`), \`negBy\` is spelled the same way, so the reply
-- equals it exactly when the entry is new. \`rank\` is max - 1.
local function bump(k, member, negBy, rank, whole)
  local r = redis.call('ZINCRBY', k, negBy, member)
  if string.byte(r, 1) ~= 45 then -- no '-': the count fell to zero or below
    redis.call('ZREM', k, member)
    return
  end
  if r ~= negBy and (whole or tonumber(r) ~= tonumber(negBy)) then return end -- an existing entry
  -- Ranks from max - 1 on, with their scores (as ZSCORE formats them): past max when there are two or more.
  local tail = redis.call('ZRANGE', k, rank, '-1', 'WITHSCORES')
  local n = #tail / 2
  if n < 2 then return end
  for j = 2, n do
    -- The newcomer is among the ones past max: it stays if tied with the entry at max - 1, which
    -- goes with every other one past max.
    if tail[2 * j - 1] == member then
      if tail[2] == r then
        local gone = { tail[1] }
        for x = 2, n do
          if x ~= j then gone[#gone + 1] = tail[2 * x - 1] end
        end
        redis.call('ZREM', k, unpack(gone))
        return
      end
      break
    end
  end
  redis.call('ZREMRANGEBYRANK', k, n == 2 and '-1' or tostring(1 - n), '-1')
end

local function review(k, rating, sentiment)
  local v = redis.call('HMGET', k, 'n', 'r', 's')
  redis.call('HSET', k,
    'n', fmt((tonumber(v[1]) or 0) + 1),
    'r', fmt((tonumber(v[2]) or 0) + tonumber(rating)),
    's', fmt((tonumber(v[3]) or 0) + tonumber(sentiment)))
end

local function delete(catalog, markets, id)
  redis.call('HDEL', catalog, id)
  local ms = redis.call('SMEMBERS', markets)
  for j = 1, #ms do redis.call('ZREM', TREND_PRE .. ms[j] .. TREND_SUF, id) end
end

local out = {}
local k, i, n = 1, 6, #ARGV
while i <= n do
  -- ARGV[i] is 'E': one event follows, then its key and argument counts (read to skip a duplicate).
  if not redis.call('SET', KEYS[k], '1', 'NX', 'EX', ARGV[1]) then
    out[#out + 1] = 0
    k, i = k + tonumber(ARGV[i + 1]), i + 3 + tonumber(ARGV[i + 2])
  else
    out[#out + 1] = 1
    k, i = k + 1, i + 3
    while i <= n and ARGV[i] ~= 'E' do
      local op = ARGV[i]
      if op == 'U' then
        i = shopper(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV, i + 1); k = k + 3
      elseif op == 'o' or op == 'O' then
        bump(KEYS[k], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], op == 'o'); k = k + 1; i = i + 4
      elseif op == 'P' or op == 'Q' then
        -- Pairs around one item: item, -by, max - 1, n, then n partners; KEYS: the item's set, then each partner's.
        local item, negBy, rank, np, whole = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], tonumber(ARGV[i + 4]), op == 'P'
        for j = 1, np do
          bump(KEYS[k], ARGV[i + 4 + j], negBy, rank, whole)
          bump(KEYS[k + j], item, negBy, rank, whole)
        end
        k = k + 1 + np; i = i + 5 + np
      elseif op == 't' then
        trend(KEYS[k], KEYS[k + 1], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]); k = k + 2; i = i + 4
      elseif op == 's' then
        review(KEYS[k], ARGV[i + 1], ARGV[i + 2]); k = k + 1; i = i + 3
      elseif op == 'i' then
        redis.call('HSET', KEYS[k], ARGV[i + 1], ARGV[i + 2]); k = k + 1; i = i + 3
      elseif op == 'd' then
        delete(KEYS[k], KEYS[k + 1], ARGV[i + 1]); k = k + 2; i = i + 2
      -- Single-key ops of cluster mode (redis-cluster.ts): a trend without its market set (the
      -- client adds the market), and an item delete split into the catalog's part and each trending set's.
      elseif op == 'T' then
        trend(KEYS[k], nil, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]); k = k + 1; i = i + 4
      elseif op == 'h' then
        redis.call('HDEL', KEYS[k], ARGV[i + 1]); k = k + 1; i = i + 2
      elseif op == 'z' then
        redis.call('ZREM', KEYS[k], ARGV[i + 1]); k = k + 1; i = i + 2
      else
        return redis.error_reply('meridian apply: unknown op ' .. tostring(op))
      end
    end
  end
end
return out
`;

/** A shopper's hash and lists in one atomic read (KEYS: hash, recent, bought). */
export const READ_USER_SCRIPT = `
return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], '0', '-1'), redis.call('LRANGE', KEYS[3], '0', '-1') }
`;
