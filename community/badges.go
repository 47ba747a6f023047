package community

import "github.com/hearthlive/hearth"

// noteModerator remembers whether a chatter's message carried the
// moderator badge: the console's word for who moderates a channel whose
// broadcaster has not let Hearth ask Twitch. It is kept in memory only,
// from the messages seen since start, and follows the last one, so a
// moderator removed on Twitch drops out with their next message.
func (c *Channel) noteModerator(userID string, roles hearth.Role) {
	if roles.Has(hearth.RoleModerator) {
		if c.mods == nil {
			c.mods = make(map[string]struct{})
		}
		c.mods[userID] = struct{}{}
		return
	}
	if c.mods != nil {
		delete(c.mods, userID)
	}
}

// SeenModerator reports whether the last chat message of the user with
// userID since start carried the moderator badge.
func (c *Channel) SeenModerator(userID string) bool {
	_, ok := c.mods[userID]
	return ok
}
