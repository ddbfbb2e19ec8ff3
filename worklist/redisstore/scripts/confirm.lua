-- confirm.lua: make an input's de-duplication key a write of this
-- connection, so that a WAIT that follows on the same connection counts
-- the replicas that hold the input.
--
-- KEYS[1] the input's de-duplication key
-- ARGV[1] its time to live in milliseconds
--
-- Returns 1 when the key is there (its time to live set again, a write
-- that replicates after everything the primary wrote before, the input
-- among it), 0 when it is not: the write that set it was lost, as when
-- the primary failed before a replica had it and that replica took over.
if redis.call("EXISTS", KEYS[1]) == 0 then
  return 0
end
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return 1
