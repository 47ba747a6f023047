package community

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestSeenModerator follows each chatter's last message's badge.
func TestSeenModerator(t *testing.T) {
	c := NewChannel("arena", DefaultRules(), nil, nil)
	mia := withRoles(chat("m1", "mia", 0), hearth.RoleModerator|hearth.RoleSubscriber)
	c.Handle(mia)
	c.Handle(withRoles(chat("v1", "vic", time.Second), hearth.RoleVIP))
	if !c.SeenModerator(mia.User.ID) {
		t.Error("a chatter with the moderator badge is not seen as one")
	}
	if c.SeenModerator(chat("x", "vic", 0).User.ID) || c.SeenModerator("nosuchid") {
		t.Error("a chatter without the badge is seen as a moderator")
	}
	c.Handle(chat("m2", "mia", time.Minute))
	if c.SeenModerator(mia.User.ID) {
		t.Error("a moderator whose last message had no badge is still seen as one")
	}
}
