package access

import (
	"fmt"
	"slices"
	"strings"
)

// A Role is what a principal is to the department.
type Role string

// The roles.
const (
	Radiologist Role = "radiologist"
	Resident    Role = "resident"
	Manager     Role = "manager"
	Admin       Role = "admin"
	Integration Role = "integration"
)

// AllRoles lists the roles in the order README's table shows them.
func AllRoles() []Role { return []Role{Radiologist, Resident, Manager, Admin, Integration} }

// ParseRole reads a role by name, ignoring case.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(AllRoles(), r) {
		return "", fmt.Errorf("%w: unknown role %q (roles: radiologist, resident, manager, admin, integration)", ErrInvalid, s)
	}
	return r, nil
}

// ParseRoles reads a comma-separated list of roles; duplicates are
// dropped and the result is sorted.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for f := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		r, err := ParseRole(f)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no role given", ErrInvalid)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
