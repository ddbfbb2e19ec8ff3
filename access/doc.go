// Package access says who may do what in Voorrang: the principal behind a
// request and its roles, the access policy of each route, local accounts
// with Argon2id passwords, integration tokens for AI platforms and scripts,
// and the rules that end a signed-in session (idle lock, absolute
// lifetime).
//
// It knows neither storage nor the web framework: accounts and sessions
// are kept by a store named for its dependency (access/redisstore), and
// the HTTP side (package ui) applies the policies.
//
// Roles:
//
//	radiologist  the reading list, claims, AI feedback
//	resident     as radiologist, limited to the sections configured for them
//	manager      statistics (pseudonymised); no patient list
//	admin        rules, algorithms, users, dead letters, the audit trail
//	integration  posts AI results, nothing else
//
// A principal may hold several roles (an admin who also reads holds admin
// and radiologist); a policy admits a principal holding any of its roles.
package access
