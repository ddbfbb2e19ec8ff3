-- apply.lua: compare-and-set one study and record the change, atomically.
--
-- KEYS[1] study hash (fields v = version, d = study JSON)
-- KEYS[2] the site's ranking (sorted set)
-- KEYS[3] the site's change stream (which study changed, not the study:
--         readers read it from KEYS[1], so that it is stored once)
-- KEYS[4] de-duplication key of the input
-- KEYS[5] the accession's pending list
-- KEYS[6] the site's turnaround stream
-- KEYS[7] the patient's index of open studies
-- KEYS[8] the site's audit stream
-- KEYS[9] the site's escalation times (sorted set)
-- ARGV[1]  version the caller read ("0": the study must not exist)
-- ARGV[2]  new version
-- ARGV[3]  new study JSON
-- ARGV[4]  ranking score, or "" to take the study off the ranking
-- ARGV[5]  accession (ranking member, patient index member)
-- ARGV[6]  change kind for the stream: "upsert", "remove", or "" for no record
-- ARGV[7]  approximate maximum length of the change stream
-- ARGV[8]  value for the de-duplication key ("" sets none)
-- ARGV[9]  its time to live in seconds (expiry only frees memory)
-- ARGV[10] how many pending events the caller merged (trimmed from the
--          list); 0 when it did not read the study (it wrote it last, or
--          guesses a new one). A list of another length is a conflict: an
--          event was kept meanwhile, so the caller reads and merges it.
-- ARGV[11] turnaround record JSON ("" adds none)
-- ARGV[12] "add" or "rem": the study's place in the patient index ("" leaves it)
-- ARGV[13] audit record JSON ("" adds none)
-- ARGV[14] when the study's rank escalates, in Unix milliseconds, or "" when
--          it will not (or it is off the list)
--
-- Returns {"dup", value} when the de-duplication key exists (the input was
-- applied before), {"conflict"} when the study's version is not ARGV[1]
-- (someone else wrote it; read again), or {"ok", change stream ID or ""}.
-- Guarantees: either everything is written or nothing.
if ARGV[8] ~= "" then
  local seen = redis.call("GET", KEYS[4])
  if seen then
    return {"dup", seen}
  end
end
local v = redis.call("HGET", KEYS[1], "v")
if not v then
  v = "0"
end
if v ~= ARGV[1] then
  return {"conflict"}
end
if redis.call("LLEN", KEYS[5]) ~= tonumber(ARGV[10]) then
  return {"conflict"}
end
redis.call("HSET", KEYS[1], "v", ARGV[2], "d", ARGV[3])
if ARGV[4] == "" then
  redis.call("ZREM", KEYS[2], ARGV[5])
else
  redis.call("ZADD", KEYS[2], ARGV[4], ARGV[5])
end
if ARGV[14] == "" then
  redis.call("ZREM", KEYS[9], ARGV[5])
else
  redis.call("ZADD", KEYS[9], ARGV[14], ARGV[5])
end
local id = ""
if ARGV[6] ~= "" then
  id = redis.call("XADD", KEYS[3], "MAXLEN", "~", ARGV[7], "*",
    "k", ARGV[6], "a", ARGV[5], "v", ARGV[2])
end
if ARGV[8] ~= "" then
  redis.call("SET", KEYS[4], ARGV[8], "EX", ARGV[9])
end
local n = tonumber(ARGV[10])
if n > 0 then
  redis.call("LTRIM", KEYS[5], n, -1)
end
if ARGV[11] ~= "" then
  redis.call("XADD", KEYS[6], "*", "d", ARGV[11])
end
if ARGV[12] == "add" then
  redis.call("SADD", KEYS[7], ARGV[5])
elseif ARGV[12] == "rem" then
  redis.call("SREM", KEYS[7], ARGV[5])
end
if ARGV[13] ~= "" then
  redis.call("XADD", KEYS[8], "MAXLEN", "~", "100000", "*", "d", ARGV[13])
end
return {"ok", id}
