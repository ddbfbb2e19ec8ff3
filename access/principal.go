package access

import "slices"

// How a principal proved who it is.
const (
	ByPassword = "password" // a local account
	ByOIDC     = "oidc"     // the hospital's identity provider
	ByToken    = "token"    // an integration token (Bearer)
)

// A Principal is who makes a request: a person signed in, or a program
// holding a token.
type Principal struct {
	// Name identifies the principal in claims, feedback and the audit
	// trail: the account name, the identity provider's user name, or the
	// token's name.
	Name string `json:"name"`
	// Display is the name colleagues see; empty means Name.
	Display string `json:"display,omitempty"`
	Roles   []Role `json:"roles"`
	// Sections limit what a resident sees of the reading list; empty
	// means every section. They apply only to a principal without the
	// radiologist role.
	Sections []string `json:"sections,omitempty"`
	// Method is ByPassword, ByOIDC or ByToken.
	Method string `json:"method"`
}

// Has reports whether p holds role r.
func (p *Principal) Has(r Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// HasAny reports whether p holds any of roles.
func (p *Principal) HasAny(roles ...Role) bool {
	return slices.ContainsFunc(roles, p.Has)
}

// SectionLimit returns the sections p may see of the reading list, or nil
// when p may see all of it: a resident with sections configured, who is not
// also a radiologist.
func (p *Principal) SectionLimit() []string {
	if p == nil || p.Has(Radiologist) || !p.Has(Resident) {
		return nil
	}
	return p.Sections
}

// DisplayName is Display, or Name when Display is empty.
func (p *Principal) DisplayName() string {
	if p.Display != "" {
		return p.Display
	}
	return p.Name
}
