package community

import (
	"strconv"
	"time"

	"github.com/hearthlive/hearth"
)

// dedupWindow is how many recent event ids a channel remembers. A reconnect
// re-delivers at most a few hundred lines, so this is ample.
const dedupWindow = 8192

// sameReportWindow is how far apart IRC's and EventSub's reports of the
// same act may be. Both carry Twitch's own timestamps, seconds apart; a
// viewer cannot subscribe twice, nor a streamer raid the same channel
// twice, within it.
const sameReportWindow = 10 * time.Minute

// reportsKept bounds the acts remembered; past it, those older than the
// window are forgotten.
const reportsKept = 4096

// Shapes in which Twitch reports an act: IRC sends one gift per recipient
// and a cheer as a chat message with bits; EventSub one gift event with
// the total and a cheer event of its own.
const (
	shapeIRC = iota
	shapeEventSub
)

// report is what was counted of one act within the window: how many of
// it each shape reported.
type report struct {
	at     time.Time
	counts [2]int
}

// reports recognises an act that IRC and EventSub both report, so that it
// counts once. Each path produces the same key from the normalised event:
// the kind of act and who did it (with the bits, for a cheer).
type reports struct {
	byKey map[string]*report
}

func newReports() *reports { return &reports{byKey: make(map[string]*report)} }

// crossKey returns the key under which both paths report ev, its shape,
// and how many of the act it reports; "" for events only one path reports.
func crossKey(ev hearth.Event) (key string, shape, n int) {
	if ev.User.ID == "" {
		return "", 0, 0
	}
	switch ev.Kind {
	case hearth.EventSub, hearth.EventResub, hearth.EventRaid:
		return ev.Kind.String() + ":" + ev.User.ID, shapeIRC, 1
	case hearth.EventSubGift:
		if ev.Target.ID != "" {
			return "subgift:" + ev.User.ID, shapeIRC, 1
		}
		return "subgift:" + ev.User.ID, shapeEventSub, max(ev.Count, 1)
	case hearth.EventChat:
		if ev.Bits > 0 {
			return "cheer:" + ev.User.ID + ":" + strconv.Itoa(ev.Bits), shapeIRC, 1
		}
	case hearth.EventCheer:
		return "cheer:" + ev.User.ID + ":" + strconv.Itoa(ev.Bits), shapeEventSub, 1
	}
	return "", 0, 0
}

// counted reports how much of ev was not already counted from the other
// path: for a sub, resub or raid, 1 or 0 (any second report within the
// window is the same act); for gifts and cheers, the reports of each shape
// are paired, so n gifts from one path and n from the other count n.
func (r *reports) counted(ev hearth.Event) (fresh, total int) {
	key, shape, n := crossKey(ev)
	if key == "" {
		return 1, 1
	}
	rep, ok := r.byKey[key]
	if !ok || ev.Time.Sub(rep.at).Abs() > sameReportWindow {
		if len(r.byKey) >= reportsKept {
			r.prune(ev.Time)
		}
		rep = &report{at: ev.Time}
		r.byKey[key] = rep
	}
	before := max(rep.counts[0], rep.counts[1])
	switch ev.Kind {
	case hearth.EventSub, hearth.EventResub, hearth.EventRaid:
		rep.counts[0]++
		if rep.counts[0] > 1 {
			return 0, n
		}
		return 1, n
	}
	rep.counts[shape] += n
	return max(rep.counts[0], rep.counts[1]) - before, n
}

func (r *reports) prune(now time.Time) {
	for k, rep := range r.byKey {
		if now.Sub(rep.at).Abs() > sameReportWindow {
			delete(r.byKey, k)
		}
	}
}

// sameAct reports whether ev repeats an act the other path already
// reported, so it is dropped as a duplicate. For gifts it leaves in
// ev.Count only the gifts not counted yet, and for a chat message whose
// cheer was counted it clears ev.Bits (the message itself still counts).
func (c *Channel) sameAct(ev *hearth.Event) bool {
	fresh, total := c.reports.counted(*ev)
	if fresh == total {
		return false
	}
	switch ev.Kind {
	case hearth.EventChat:
		ev.Bits = 0
		return false
	case hearth.EventSubGift:
		if fresh > 0 {
			ev.Count = fresh
			return false
		}
	}
	return true
}

// knownStreamState reports an online or offline that says what Twitch
// already reported: Helix and EventSub both report the stream's state.
func (c *Channel) knownStreamState(ev hearth.Event) bool {
	switch ev.Kind {
	case hearth.EventOnline:
		return c.live && c.stream.Source == hearth.SourceTwitch
	case hearth.EventOffline:
		return !c.live && c.twitchReports
	}
	return false
}
