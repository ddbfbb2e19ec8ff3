-- apply.lua: compare-and-set one study and record the change, atomically.
--
-- KEYS[1]  study hash (fields v = version, d = study JSON)
-- KEYS[2]  the site's ranking (sorted set)
-- KEYS[3]  the site's change stream (which study changed, not the study:
--          readers read it from KEYS[1], so that it is stored once)
-- KEYS[4]  de-duplication key of the input
-- KEYS[5]  the accession's pending list
-- KEYS[6]  the turnaround records of the day the study closed (a string)
-- KEYS[7]  the patient's index of open studies
-- KEYS[8]  the site's audit stream
-- KEYS[9]  the site's escalation times (sorted set)
-- KEYS[10] the site's waiting index (sorted set by ready time)
-- KEYS[11] the accession's closed marker
-- KEYS[12] the turnaround records of the day the study had closed before,
--          when that day was another (the study reopened, or closed anew)
-- KEYS[13] the turnaround records of a settled day, one whose studies are
--          no longer kept, so that nothing more is appended to them
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
-- ARGV[11] turnaround record to append to KEYS[6] ("" adds none)
-- ARGV[12] "add" or "rem": the study's place in the patient index ("" leaves it)
-- ARGV[13] audit record JSON ("" adds none)
-- ARGV[14] when the study's rank escalates, in Unix milliseconds, or "" when
--          it will not (or it is off the list)
-- ARGV[15] the waiting index score (ready time, ms), used with ARGV[4]
-- ARGV[16] when KEYS[6] expires (Unix ms): the day's end plus the retention
-- ARGV[17] "closed": the study is closed; it expires after ARGV[18] ms and
--          KEYS[11] keeps ARGV[19] (its day) for ARGV[20] ms. "open": it is
--          open again: it does not expire and KEYS[11] is removed.
-- ARGV[21] withdrawal record to append to KEYS[12] ("" adds none)
-- ARGV[22] when KEYS[12] expires (Unix ms)
-- ARGV[23] the channel to announce the change on, with KEYS[3] as the
--          message, so that readers on Redis Cluster read it at once ("":
--          none; the readers' XREAD blocks on KEYS[3] itself elsewhere)
--
-- Returns {"dup", value} when the de-duplication key exists (the input was
-- applied before), {"conflict"} when the study's version is not ARGV[1]
-- (someone else wrote it; read again), {"gone"} when the study does not
-- exist but its closed marker does (it closed and expired: the input is
-- for a study gone for good), or {"ok", change stream ID or ""}.
-- Guarantees: either everything is written or nothing; a retried script
-- that had run finds a newer version, so turnaround records are appended
-- once per version.
if ARGV[8] ~= "" then
  local seen = redis.call("GET", KEYS[4])
  if seen then
    return {"dup", seen}
  end
end
local v = redis.call("HGET", KEYS[1], "v")
if not v then
  if redis.call("EXISTS", KEYS[11]) == 1 then
    return {"gone"}
  end
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
  redis.call("ZREM", KEYS[10], ARGV[5])
else
  redis.call("ZADD", KEYS[2], ARGV[4], ARGV[5])
  redis.call("ZADD", KEYS[10], ARGV[15], ARGV[5])
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
  if ARGV[23] ~= "" then
    redis.call("PUBLISH", ARGV[23], KEYS[3])
  end
end
if ARGV[8] ~= "" then
  redis.call("SET", KEYS[4], ARGV[8], "EX", ARGV[9])
end
local n = tonumber(ARGV[10])
if n > 0 then
  redis.call("LTRIM", KEYS[5], n, -1)
end
if ARGV[11] ~= "" then
  -- The first record of a day stores the settled day's records at their
  -- length: APPEND left them room to grow, as much again.
  if redis.call("EXISTS", KEYS[6]) == 0 then
    local settled = redis.call("GET", KEYS[13])
    if settled then
      redis.call("SET", KEYS[13], settled, "KEEPTTL")
    end
  end
  redis.call("APPEND", KEYS[6], ARGV[11])
  redis.call("PEXPIREAT", KEYS[6], ARGV[16])
end
if ARGV[21] ~= "" then
  redis.call("APPEND", KEYS[12], ARGV[21])
  redis.call("PEXPIREAT", KEYS[12], ARGV[22])
end
if ARGV[17] == "closed" then
  redis.call("PEXPIRE", KEYS[1], ARGV[18])
  redis.call("SET", KEYS[11], ARGV[19], "PX", ARGV[20])
elseif ARGV[17] == "open" then
  redis.call("PERSIST", KEYS[1])
  redis.call("DEL", KEYS[11])
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
