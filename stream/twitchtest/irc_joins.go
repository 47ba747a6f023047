package twitchtest

// JoinedConnections returns how many open, registered connections have
// joined channel ("#name" or "name") right now: a test of several Hearth
// instances checks that each channel is joined by exactly one of them.
func (s *Server) JoinedConnections(channel string) int {
	ch := channelName(channel)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.joinedLocked(ch))
}
