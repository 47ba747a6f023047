package community

import (
	"testing"

	"github.com/hearthlive/hearth"
)

func TestAllowed(t *testing.T) {
	tests := []struct {
		name    string
		command string
		roles   hearth.Role
		want    bool
	}{
		{"ViewerPoints", CmdPoints, 0, true},
		{"ViewerRank", CmdRank, 0, true},
		{"ViewerTop", CmdTop, 0, true},
		{"ViewerStreak", CmdStreak, 0, true},
		{"ViewerWatchtime", CmdWatchtime, 0, true},
		{"ViewerGive", CmdGive, 0, true},
		{"ViewerAddPoints", CmdAddPoints, 0, false},
		{"ViewerRemovePoints", CmdRemovePoints, 0, false},
		{"SubscriberAddPoints", CmdAddPoints, hearth.RoleSubscriber, false},
		{"VIPAddPoints", CmdAddPoints, hearth.RoleVIP | hearth.RoleSubscriber, false},
		{"ModeratorAddPoints", CmdAddPoints, hearth.RoleModerator, true},
		{"ModeratorRemovePoints", CmdRemovePoints, hearth.RoleModerator | hearth.RoleSubscriber, true},
		{"BroadcasterAddPoints", CmdAddPoints, hearth.RoleBroadcaster, true},
		{"BroadcasterRemovePoints", CmdRemovePoints, hearth.RoleBroadcaster, true},
		{"ModeratorGive", CmdGive, hearth.RoleModerator, true},
		{"UnknownCommand", "uptime", hearth.RoleBroadcaster, false},
		{"EmptyCommand", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowed(tc.command, tc.roles); got != tc.want {
				t.Fatalf("Allowed(%q, %b) = %v, want %v", tc.command, tc.roles, got, tc.want)
			}
		})
	}
}
