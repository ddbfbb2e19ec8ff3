package redisstore

// keys builds every Redis key of the store. All carry the hash tag
// {access}, so that on Redis Cluster they share a slot and one MULTI can
// write a session and its principal's index.
type keys struct{ prefix string }

func (k keys) tag() string { return k.prefix + "{access}:" }

// accounts is a hash: account name -> the account as JSON.
func (k keys) accounts() string { return k.tag() + "accounts" }

// session is a string: the session as JSON, under the SHA-256 of its ID
// (a copy of the database does not hold usable session IDs), expiring
// when the session's lifetime ends.
func (k keys) session(sum string) string { return k.tag() + "session:" + sum }

// sessionsOf is a set: the sums of a principal's sessions, for signing
// out everywhere.
func (k keys) sessionsOf(name string) string { return k.tag() + "sessions-of:" + name }

// loginState is a string: what an OpenID Connect sign-in under way must
// remember (PKCE verifier, nonce, where to go), under the SHA-256 of its
// state parameter, for a few minutes.
func (k keys) loginState(sum string) string { return k.tag() + "login:" + sum }
