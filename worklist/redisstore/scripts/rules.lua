-- rules.lua: publish a rules file.
--
-- KEYS[1] the rules hash (yaml, version)
-- ARGV[1] the rules file
--
-- Returns the version of the rules in the hash: unchanged when it holds
-- this file already, raised by one when the file is new. Version and file
-- change together.
if redis.call("HGET", KEYS[1], "yaml") == ARGV[1] then
  return tonumber(redis.call("HGET", KEYS[1], "version"))
end
redis.call("HSET", KEYS[1], "yaml", ARGV[1])
return redis.call("HINCRBY", KEYS[1], "version", 1)
