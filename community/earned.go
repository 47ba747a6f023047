package community

// earnedLog remembers what recent messages earned, bounded like seen.IDs.
type earnedLog struct {
	ring []string
	next int
	by   map[string]earning
}

type earning struct {
	userID string
	points int64
}

func newEarnedLog(n int) *earnedLog {
	return &earnedLog{ring: make([]string, n), by: make(map[string]earning, n)}
}

func (l *earnedLog) add(msgID, userID string, points int64) {
	if old := l.ring[l.next]; old != "" {
		delete(l.by, old)
	}
	l.ring[l.next] = msgID
	l.next = (l.next + 1) % len(l.ring)
	l.by[msgID] = earning{userID: userID, points: points}
}

// take returns and forgets what msgID earned.
func (l *earnedLog) take(msgID string) (userID string, points int64, ok bool) {
	e, ok := l.by[msgID]
	if !ok {
		return "", 0, false
	}
	delete(l.by, msgID)
	return e.userID, e.points, true
}
