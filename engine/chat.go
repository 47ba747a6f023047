package engine

import (
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

// chatKept is how many recent lines the chat overlay's state holds: more
// than any chat box shows, few enough that a state stays small.
const chatKept = 50

// chatFeed is the chat overlay's state of one channel: its recent
// messages, and when they were last published. Under a flood, lines are
// published at most once a tick, the latest state winning. The messages
// are kept as the events they came in (their text, badges and emotes
// already parsed), and turned into the overlay's lines only when
// published: at most chatKept lines a tick, instead of one line per
// message of a flood that no page will see.
type chatFeed struct {
	events    []hearth.Event
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
		if len(f.events) == 2*chatKept {
			// Drop the older half at once, so a flood moves messages
			// once every chatKept messages rather than on each.
			f.events = f.events[:copy(f.events, f.events[chatKept:])]
		}
		f.events = append(f.events, ev)
	case hearth.EventMessageDeleted:
		f.events = slices.DeleteFunc(f.events, func(m hearth.Event) bool { return m.ID == ev.TargetMessageID })
	case hearth.EventTimeout, hearth.EventBan:
		f.events = slices.DeleteFunc(f.events, func(m hearth.Event) bool { return m.User.Login == ev.Target.Login })
	case hearth.EventChatCleared:
		f.events = f.events[:0]
	default:
		return
	}
	if now := a.e.opts.Clock.Now(); now.Sub(f.published) >= tick {
		a.publishChat()
		return
	}
	f.dirty = true
}

// chatLine is a message as the chat overlay shows it, its name as
// hearth.DisplayText shows it.
func (a *actor) chatLine(ev hearth.Event) hearth.ChatLine {
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
	return line
}

// publishChat publishes the chat overlay's state: the last chatKept
// messages as lines, new values each time, since the hub may still hold
// the last state when the next message comes.
func (a *actor) publishChat() {
	f := &a.chatFeed
	f.dirty = false
	f.published = a.e.opts.Clock.Now()
	recent := f.events[max(0, len(f.events)-chatKept):]
	lines := make([]hearth.ChatLine, len(recent))
	for i, ev := range recent {
		lines[i] = a.chatLine(ev)
	}
	a.e.opts.Broadcaster.Publish(a.ch.Name(), hearth.TopicChat, hearth.ChatState{
		Channel: a.ch.Name(),
		Lines:   lines,
		Now:     a.now(),
	})
}
