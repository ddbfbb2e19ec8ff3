-- pend.lua: keep an event for an accession that has no study yet.
--
-- KEYS[1] study hash
-- KEYS[2] the accession's pending list
-- KEYS[3] de-duplication key of the input
-- KEYS[4] the accession's closed marker
-- ARGV[1] event JSON
-- ARGV[2] value for the de-duplication key ("" sets none)
-- ARGV[3] its time to live in seconds
--
-- Returns {"dup", value} when the input was applied before, {"conflict"}
-- when the study exists by now (apply the event to it instead), {"gone"}
-- when it closed and expired (the event is ignored), or
-- {"ok", length of the pending list}. The event and the de-duplication key
-- are written together or not at all.
if ARGV[2] ~= "" then
  local seen = redis.call("GET", KEYS[3])
  if seen then
    return {"dup", seen}
  end
end
if redis.call("EXISTS", KEYS[1]) == 1 then
  return {"conflict"}
end
if redis.call("EXISTS", KEYS[4]) == 1 then
  return {"gone"}
end
local n = redis.call("RPUSH", KEYS[2], ARGV[1])
if ARGV[2] ~= "" then
  redis.call("SET", KEYS[3], ARGV[2], "EX", ARGV[3])
end
return {"ok", tostring(n)}
