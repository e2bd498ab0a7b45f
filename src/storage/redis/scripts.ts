/**
 * The Lua scripts of the Redis read model (read-model.ts describes the
 * keys). Each read is one script call, so it is one round trip and sees one
 * applied revision, and it refuses to answer while a rebuild runs (the
 * model is being refilled). The apply script moves the applied revision
 * only from the value the applier read (compare and set), so racing
 * appliers never apply a batch twice or move the replica back.
 *
 * Every script takes the key prefix as ARGV[1] (keys are built inside the
 * script, so ioredis cannot prefix them) and no KEYS: the read model is for
 * one Redis, not a cluster. Comparisons of names are byte-wise (Redis may
 * run Lua with a locale whose string order differs), as in every backend.
 */

/** Appends, for each name in ARGV[2..], its version count and then field, record pairs to `out`. */
const APPEND_VERSIONS = `
local function appendVersions(out)
  for i = 2, #ARGV do
    local fields = redis.call('HGETALL', ARGV[1] .. 'v:' .. ARGV[i])
    out[#out + 1] = #fields / 2
    for j = 1, #fields do out[#out + 1] = fields[j] end
  end
  return out
end
`;

/** Shared by the read scripts: the state check, member splitting, filters. */
const PRELUDE = `
local P = ARGV[1]
local function readable()
  local s = redis.call('HMGET', P .. 'state', 'applied', 'rebuild')
  if s[2] and s[2] ~= '' then return nil end
  return s[1] or '0'
end
local function passes(filter, doc)
  if filter.nodep and doc.x then return false end
  if filter.p and doc.p ~= filter.p then return false end
  if filter.c and doc.c ~= filter.c then return false end
  if filter.e and doc.e ~= filter.e then return false end
  if filter.l then
    for k, v in pairs(filter.l) do
      if doc.l[k] ~= v then return false end
    end
  end
  return true
end
`;

/** ARGV: prefix, name, sort key. Reply: {applied, record JSON or nil}, or {"rebuilding"}. */
export const GET_VERSION = `${PRELUDE}
local applied = readable()
if not applied then return {'rebuilding'} end
return {applied, redis.call('HGET', P .. 'v:' .. ARGV[2], ARGV[3])}
`;

/** ARGV: prefix, key, field. Reply: {applied, value or nil}, or {"rebuilding"}. */
export const GET_FIELD = `${PRELUDE}
local applied = readable()
if not applied then return {'rebuilding'} end
return {applied, redis.call('HGET', P .. ARGV[2], ARGV[3])}
`;

/** ARGV: prefix, key. Reply: {applied, field, value, field, value, ...}, or {"rebuilding"}. */
export const GET_HASH = `${PRELUDE}
local applied = readable()
if not applied then return {'rebuilding'} end
local reply = {applied}
for _, item in ipairs(redis.call('HGETALL', P .. ARGV[2])) do reply[#reply + 1] = item end
return reply
`;

/** ARGV: prefix, names... Reply: {applied, count1, key, json, ..., count2, ...}, or {"rebuilding"}. */
export const VERSIONS_OF = `${PRELUDE}${APPEND_VERSIONS}
local applied = readable()
if not applied then return {'rebuilding'} end
return appendVersions({applied})
`;

/**
 * ARGV: prefix, index key, "asc"|"desc", grouping "name"|"time"|"none",
 * exclusive start member ("" = the first), rows wanted, filter JSON ("" =
 * none), mode "a"|"l", budget of rows examined.
 * Reply: {applied, resume record JSON ("" unless the budget ran out), records...}, or {"rebuilding"}.
 */
export const LIST_PAGE = `${PRELUDE}
local applied = readable()
if not applied then return {'rebuilding'} end
local index = P .. ARGV[2]
local desc = ARGV[3] == 'desc'
local grouping = ARGV[4]
local after = ARGV[5]
local want = tonumber(ARGV[6])
local filter = nil
if ARGV[7] ~= '' then filter = cjson.decode(ARGV[7]) end
local latestMode = ARGV[8] == 'l'
local budget = tonumber(ARGV[9])
local CHUNK = 256
local out = {}
local examined = 0
local last = nil

local function parts(member)
  local list, start = {}, 1
  while true do
    local i = string.find(member, '\\0', start, true)
    if not i then list[#list + 1] = string.sub(member, start) return list end
    list[#list + 1] = string.sub(member, start, i - 1)
    start = i + 1
  end
end
local function rowOf(member)
  local p = parts(member)
  if latestMode then
    local name = p[#p]
    return name, redis.call('HGET', P .. 'latest', name)
  end
  return p[#p - 2], p[#p]
end
-- true when the page is decided (full, or out of budget)
local function consider(member)
  examined = examined + 1
  last = member
  local name, key = rowOf(member)
  if key then
    local ok = true
    if filter then
      local doc
      if latestMode then doc = redis.call('HGET', P .. 'search', name)
      else doc = redis.call('HGET', P .. 'f:' .. name, key) end
      ok = doc and passes(filter, cjson.decode(doc))
    end
    if ok then
      local record = redis.call('HGET', P .. 'v:' .. name, key)
      if record then out[#out + 1] = record end
    end
  end
  return #out >= want or examined >= budget
end
local function groupOf(member)
  if grouping == 'time' then return string.sub(member, 1, 15) end
  local i = string.find(member, '\\0', 1, true)
  if i then return string.sub(member, 1, i - 1) end
  return member
end

if not desc or grouping == 'none' then
  local lo, hi = '-', '+'
  if after ~= '' then
    if desc then hi = '(' .. after else lo = '(' .. after end
  end
  while true do
    local chunk
    if desc then chunk = redis.call('ZREVRANGEBYLEX', index, hi, lo, 'LIMIT', 0, CHUNK)
    else chunk = redis.call('ZRANGEBYLEX', index, lo, hi, 'LIMIT', 0, CHUNK) end
    local done = false
    for _, m in ipairs(chunk) do
      if consider(m) then done = true break end
    end
    if done or #chunk < CHUNK then break end
    if desc then hi = '(' .. chunk[#chunk] else lo = '(' .. chunk[#chunk] end
  end
else
  -- Backwards by group; each group is read in ascending order (the tie-breaks run ascending).
  local done = false
  local hi = '+'
  if after ~= '' then
    local g = groupOf(after)
    for _, m in ipairs(redis.call('ZRANGEBYLEX', index, '(' .. after, '(' .. g .. '\\1')) do
      if consider(m) then done = true break end
    end
    hi = '(' .. g .. '\\0'
  end
  local buffer, current = {}, nil
  local function flush()
    for i = #buffer, 1, -1 do
      if consider(buffer[i]) then return true end
    end
    buffer = {}
    return false
  end
  while not done do
    local chunk = redis.call('ZREVRANGEBYLEX', index, hi, '-', 'LIMIT', 0, CHUNK)
    for _, m in ipairs(chunk) do
      local g = groupOf(m)
      if g ~= current then
        if flush() then done = true break end
        current = g
      end
      buffer[#buffer + 1] = m
    end
    if done then break end
    if #chunk < CHUNK then flush() break end
    hi = '(' .. chunk[#chunk]
  end
end

local resume = ''
if #out < want and examined >= budget and last then
  local name, key = rowOf(last)
  if key then resume = redis.call('HGET', P .. 'v:' .. name, key) or '' end
end
local reply = {applied, resume}
for _, record in ipairs(out) do reply[#reply + 1] = record end
return reply
`;

/**
 * ARGV: prefix, rows wanted, filter JSON ("" = none), cursor score ("" =
 * none), cursor name, the four scores of core/search.ts (exact name, name
 * contains, label/input/output, description), then the lower-cased terms.
 * Reply: {applied, record JSON, score, record JSON, score, ...} best first, or {"rebuilding"}.
 */
export const SEARCH_PAGE = `${PRELUDE}
local applied = readable()
if not applied then return {'rebuilding'} end
local want = tonumber(ARGV[2])
local filter = nil
if ARGV[3] ~= '' then filter = cjson.decode(ARGV[3]) end
local hasAfter = ARGV[4] ~= ''
local afterScore = tonumber(ARGV[4])
local afterName = ARGV[5]
local EXACT, CONTAINS, FIELD, DESCRIPTION = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local terms = {}
for i = 10, #ARGV do terms[#terms + 1] = ARGV[i] end

local function bytesLess(a, b)
  local la, lb = #a, #b
  local n = la
  if lb < n then n = lb end
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return la < lb
end
-- whether (sa, na) comes before (sb, nb): score descending, then name ascending
local function before(sa, na, sb, nb)
  if sa ~= sb then return sa > sb end
  return bytesLess(na, nb)
end
local function scoreOf(doc)
  local score = 0
  for _, term in ipairs(terms) do
    if doc.n == term then score = score + EXACT
    elseif string.find(doc.n, term, 1, true) then score = score + CONTAINS
    else
      local inField = false
      for _, field in ipairs(doc.f) do
        if string.find(field, term, 1, true) then inField = true break end
      end
      if inField then score = score + FIELD
      elseif string.find(doc.d, term, 1, true) then score = score + DESCRIPTION
      else return nil end
    end
  end
  return score
end

local top = {}
local docs = redis.call('HGETALL', P .. 'search')
for i = 1, #docs, 2 do
  local name = docs[i]
  local doc = cjson.decode(docs[i + 1])
  if not filter or passes(filter, doc) then
    local score = scoreOf(doc)
    if score and (not hasAfter or before(afterScore, afterName, score, name)) then
      if #top < want or before(score, name, top[#top][1], top[#top][2]) then
        local pos = #top + 1
        while pos > 1 and before(score, name, top[pos - 1][1], top[pos - 1][2]) do pos = pos - 1 end
        table.insert(top, pos, {score, name})
        if #top > want then table.remove(top) end
      end
    end
  end
end
local reply = {applied}
for _, hit in ipairs(top) do
  local key = redis.call('HGET', P .. 'latest', hit[2])
  local record = key and redis.call('HGET', P .. 'v:' .. hit[2], key)
  if record then
    reply[#reply + 1] = record
    reply[#reply + 1] = tostring(hit[1])
  end
end
return reply
`;

/**
 * ARGV: prefix, expected applied, new applied, primary, rebuild token
 * ("" = none), then writes (read-model.ts Write, flattened).
 * Reply: {outcome, applied, primary, rebuild} with outcome "ok", "conflict"
 * (the state is not what the applier read: re-read it) or "primary" (fed
 * by another primary).
 */
export const APPLY = `
local P = ARGV[1]
local state = P .. 'state'
local s = redis.call('HMGET', state, 'applied', 'primary', 'rebuild')
local applied, primary, rebuild = s[1] or '0', s[2] or '', s[3] or ''
if primary ~= '' and primary ~= ARGV[4] then return {'primary', applied, primary, rebuild} end
if applied ~= ARGV[2] or rebuild ~= ARGV[5] then return {'conflict', applied, primary, rebuild} end
local i = 6
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'H' then redis.call('HSET', P .. ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) i = i + 4
  elseif op == 'D' then redis.call('HDEL', P .. ARGV[i + 1], ARGV[i + 2]) i = i + 3
  elseif op == 'A' then redis.call('ZADD', P .. ARGV[i + 1], 0, ARGV[i + 2]) i = i + 3
  elseif op == 'R' then redis.call('ZREM', P .. ARGV[i + 1], ARGV[i + 2]) i = i + 3
  else return redis.error_reply('unknown read-model write ' .. tostring(op)) end
end
redis.call('HSET', state, 'applied', ARGV[3], 'primary', ARGV[4])
if rebuild ~= '' then
  local t = redis.call('TIME')
  redis.call('HSET', state, 'heartbeat', t[1] * 1000 + math.floor(t[2] / 1000))
end
return {'ok', ARGV[3], ARGV[4], rebuild}
`;

/**
 * ARGV: prefix. Reply: {applied, primary, rebuild token, ms since the
 * rebuild's last step} (Redis's clock, so every process judges a stalled
 * rebuild alike).
 */
export const STATE = `
local P = ARGV[1]
local s = redis.call('HMGET', P .. 'state', 'applied', 'primary', 'rebuild', 'heartbeat')
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local age = 0
if s[4] then age = now - tonumber(s[4]) end
return {s[1] or '0', s[2] or '', s[3] or '', tostring(age)}
`;

/** ARGV: prefix, token, revision, primary. Marks the model rebuilding under `token` (a takeover when one runs). */
export const BEGIN_REBUILD = `
local P = ARGV[1]
local t = redis.call('TIME')
redis.call('HSET', P .. 'state', 'rebuild', ARGV[2], 'applied', ARGV[3], 'primary', ARGV[4],
  'heartbeat', t[1] * 1000 + math.floor(t[2] / 1000))
return 'ok'
`;

/** ARGV: prefix, token. Ends the rebuild when `token` still holds it: 1, else 0. */
export const FINISH_REBUILD = `
local P = ARGV[1]
if redis.call('HGET', P .. 'state', 'rebuild') ~= ARGV[2] then return 0 end
redis.call('HDEL', P .. 'state', 'rebuild', 'heartbeat')
return 1
`;

/** ARGV: prefix, names... Reply: {applied, primary, rebuild token, count1, key, json, ..., count2, ...}. */
export const APPLY_READ = `${APPEND_VERSIONS}
local s = redis.call('HMGET', ARGV[1] .. 'state', 'applied', 'primary', 'rebuild')
return appendVersions({s[1] or '0', s[2] or '', s[3] or ''})
`;
