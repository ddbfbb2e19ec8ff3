package access

// A Policy says who may call a route.
type Policy string

// The policies.
const (
	// Public routes answer anyone: health, readiness, the sign-in page
	// and its assets.
	Public Policy = "public"
	// SignedIn routes answer any principal: who am I, sign out.
	SignedIn Policy = "signed-in"
	// Reader routes serve the reading list: radiologists and residents.
	Reader Policy = "reader"
	// ManagerOnly routes serve statistics: managers (and admins).
	ManagerOnly Policy = "manager"
	// AdminOnly routes change the service or show what only admins may
	// see: admins.
	AdminOnly Policy = "admin"
	// IntegrationOnly routes take results from AI platforms: integration
	// principals.
	IntegrationOnly Policy = "integration"
)

// AllPolicies lists the policies.
func AllPolicies() []Policy {
	return []Policy{Public, SignedIn, Reader, ManagerOnly, AdminOnly, IntegrationOnly}
}

// Roles returns the roles a policy admits; nil for Public and SignedIn,
// which do not look at roles.
func (p Policy) Roles() []Role {
	switch p {
	case Reader:
		return []Role{Radiologist, Resident}
	case ManagerOnly:
		return []Role{Manager, Admin}
	case AdminOnly:
		return []Role{Admin}
	case IntegrationOnly:
		return []Role{Integration}
	}
	return nil
}

// Allows reports whether pr may call a route of policy p. A nil pr is
// nobody signed in.
func (p Policy) Allows(pr *Principal) bool {
	switch p {
	case Public:
		return true
	case SignedIn:
		return pr != nil
	}
	return pr != nil && pr.HasAny(p.Roles()...)
}
