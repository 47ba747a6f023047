package community

import "strings"

// earnedLog remembers what recent messages earned, bounded like seen.IDs:
// it grows with use up to its size, then forgets the oldest.
type earnedLog struct {
	ring []string
	max  int
	next int
	by   map[string]earning
}

type earning struct {
	userID string
	points int64
}

func newEarnedLog(n int) *earnedLog {
	return &earnedLog{max: n, by: make(map[string]earning)}
}

// add remembers what msgID earned. It keeps a copy of msgID, which may
// point into a raw chat line; userID is the viewer's own.
func (l *earnedLog) add(msgID, userID string, points int64) {
	msgID = strings.Clone(msgID)
	if len(l.ring) < l.max {
		l.ring = append(l.ring, msgID)
	} else {
		delete(l.by, l.ring[l.next])
		l.ring[l.next] = msgID
		l.next = (l.next + 1) % l.max
	}
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
