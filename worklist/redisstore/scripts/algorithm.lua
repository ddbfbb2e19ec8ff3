-- algorithm.lua: change an algorithm's record in the registry.
--
-- KEYS[1] the records hash (algorithm ID -> record JSON)
-- KEYS[2] the registry's version
-- KEYS[3] the algorithm's history list
-- ARGV[1] the algorithm ID
-- ARGV[2] the record the change was made from ("" for none)
-- ARGV[3] the new record
-- ARGV[4] the change (who, when, why, before, after) for the history
-- ARGV[5] how many changes the history keeps
--
-- Returns the registry's new version, or -1 when the record is no longer
-- the one the change was made from (another change came first: make it
-- again from that). Record, version and history are written together or
-- not at all.
local cur = redis.call("HGET", KEYS[1], ARGV[1])
if (cur or "") ~= ARGV[2] then
  return -1
end
redis.call("HSET", KEYS[1], ARGV[1], ARGV[3])
redis.call("LPUSH", KEYS[3], ARGV[4])
redis.call("LTRIM", KEYS[3], 0, tonumber(ARGV[5]) - 1)
return redis.call("INCR", KEYS[2])
