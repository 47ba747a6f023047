package community

import "github.com/hearthlive/hearth"

// Allowed reports whether a viewer holding roles may run command name.
// Adding and removing points is for the channel's moderators and the
// broadcaster; every other Hearth command is for everyone. It reports false
// for a name that is not one of CommandNames, so a command added later is
// closed until it is listed here.
func Allowed(name string, roles hearth.Role) bool {
	switch name {
	case CmdAddPoints, CmdRemovePoints:
		return roles.Has(hearth.RoleModerator) || roles.Has(hearth.RoleBroadcaster)
	case CmdPoints, CmdRank, CmdTop, CmdStreak, CmdWatchtime, CmdGive:
		return true
	}
	return false
}
