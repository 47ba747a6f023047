package community

import "github.com/hearthlive/hearth"

// permission says who may run a command.
type permission int

const (
	everyone   permission = iota // every viewer
	moderators                   // the channel's moderators and its broadcaster
)

func (p permission) allows(roles hearth.Role) bool {
	switch p {
	case everyone:
		return true
	case moderators:
		return roles.Has(hearth.RoleModerator) || roles.Has(hearth.RoleBroadcaster)
	}
	return false
}

// Allowed reports whether a viewer holding roles may run command name, as
// the command table declares. It reports false for a name that is not one
// of CommandNames.
func Allowed(name string, roles hearth.Role) bool {
	s := commands.byName(name)
	return s != nil && s.permission.allows(roles)
}
