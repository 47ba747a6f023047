package hearth

import "testing"

// TestAllowed holds the permission table: every action for every role,
// with and without the broadcaster's grants.
func TestAllowed(t *testing.T) {
	all := []Action{ActionView, ActionPolls, ActionSegments, ActionAdjustPoints, ActionSettings,
		ActionForget, ActionOverlayTokens, ActionRemoveChannel, ActionChannels, ActionGrants}
	granted := Grants{Actions: Grantable}
	for _, a := range all {
		grantable := a == ActionSettings || a == ActionForget || a == ActionOverlayTokens || a == ActionRemoveChannel
		cases := []struct {
			role Access
			g    Grants
			want bool
		}{
			{AccessOperator, Grants{}, true},
			{AccessBroadcaster, Grants{}, a != ActionChannels},
			{AccessModerator, Grants{}, !grantable && a != ActionChannels && a != ActionGrants},
			{AccessModerator, granted, a != ActionChannels && a != ActionGrants},
			{AccessNone, granted, false},
			{Access("admin"), granted, false},
		}
		for _, c := range cases {
			if got := Allowed(c.role, a, c.g); got != c.want {
				t.Errorf("Allowed(%q, %q, %v) = %v, want %v", c.role, a, c.g.Actions, got, c.want)
			}
		}
	}
	// A grant of an action that is not grantable changes nothing.
	if Allowed(AccessModerator, ActionChannels, Grants{Actions: []Action{ActionChannels}}) {
		t.Error("a moderator was granted the channel list")
	}
}

func TestPointsAllowed(t *testing.T) {
	cases := []struct {
		name  string
		role  Access
		delta int64
		g     Grants
		want  bool
	}{
		{"ModeratorWithinDefault", AccessModerator, DefaultPointLimit, Grants{}, true},
		{"ModeratorOverDefault", AccessModerator, DefaultPointLimit + 1, Grants{}, false},
		{"ModeratorTakesOverDefault", AccessModerator, -DefaultPointLimit - 1, Grants{}, false},
		{"ModeratorWithinOwnLimit", AccessModerator, 50, Grants{PointLimit: 50}, true},
		{"ModeratorOverOwnLimit", AccessModerator, -51, Grants{PointLimit: 50}, false},
		{"BroadcasterAnyAmount", AccessBroadcaster, 1 << 40, Grants{PointLimit: 1}, true},
		{"OperatorAnyAmount", AccessOperator, -(1 << 40), Grants{}, true},
		{"NoRole", AccessNone, 1, Grants{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := PointsAllowed(c.role, c.delta, c.g); got != c.want {
				t.Errorf("PointsAllowed(%q, %d, %+v) = %v, want %v", c.role, c.delta, c.g, got, c.want)
			}
		})
	}
}
