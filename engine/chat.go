package engine

import (
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

// chatKept is how many recent lines the chat overlay's state holds: more
// than any chat box shows, few enough that a state stays small.
const chatKept = 50

// chatFeed is the chat overlay's state of one channel: its recent lines,
// and when they were last published. Under a flood, lines are published
// at most once a tick, the latest state winning.
type chatFeed struct {
	lines     []hearth.ChatLine
	dirty     bool
	published time.Time // wall clock
}

// chat updates the chat overlay's lines for an event the channel applied:
// a message adds a line, a deleted message, a timeout or a ban takes
// lines away, and a cleared chat all of them.
func (a *actor) chat(ev hearth.Event) {
	f := &a.chatFeed
	switch ev.Kind {
	case hearth.EventChat:
		if ev.User.ID == "" {
			return
		}
		line := hearth.ChatLine{
			ID:          ev.ID,
			Login:       ev.User.Login,
			DisplayName: hearth.DisplayText(ev.User.DisplayName, ev.User.Login),
			Color:       ev.Color,
			Badges:      ev.Badges,
			Bot:         a.ch.IsBot(ev.User.Login),
			Action:      ev.Action,
			Fragments:   hearth.ChatFragments(ev.Text, ev.Emotes),
			At:          ev.Time,
		}
		if line.Badges == nil {
			line.Badges = []string{}
		}
		if line.Fragments == nil {
			line.Fragments = []hearth.ChatFragment{}
		}
		if len(f.lines) == 2*chatKept {
			// Drop the older half at once, so a flood moves lines once
			// every chatKept messages rather than on each.
			f.lines = f.lines[:copy(f.lines, f.lines[chatKept:])]
		}
		f.lines = append(f.lines, line)
	case hearth.EventMessageDeleted:
		f.lines = slices.DeleteFunc(f.lines, func(l hearth.ChatLine) bool { return l.ID == ev.TargetMessageID })
	case hearth.EventTimeout, hearth.EventBan:
		f.lines = slices.DeleteFunc(f.lines, func(l hearth.ChatLine) bool { return l.Login == ev.Target.Login })
	case hearth.EventChatCleared:
		f.lines = f.lines[:0]
	default:
		return
	}
	if now := a.e.opts.Clock.Now(); now.Sub(f.published) >= tick {
		a.publishChat()
		return
	}
	f.dirty = true
}

// publishChat publishes the chat overlay's state: a copy of the last
// chatKept lines, since the hub may still hold the last state when the
// next line comes.
func (a *actor) publishChat() {
	f := &a.chatFeed
	f.dirty = false
	f.published = a.e.opts.Clock.Now()
	a.e.opts.Broadcaster.Publish(a.ch.Name(), hearth.TopicChat, hearth.ChatState{
		Channel: a.ch.Name(),
		Lines:   append([]hearth.ChatLine{}, f.lines[max(0, len(f.lines)-chatKept):]...),
		Now:     a.now(),
	})
}
