package engine

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// latest records the last state published on each topic, and how many.
type latest struct {
	mu     sync.Mutex
	states map[string]any
	count  map[string]int
}

func (l *latest) Publish(_, topic string, state any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.states == nil {
		l.states, l.count = map[string]any{}, map[string]int{}
	}
	l.states[topic] = state
	l.count[topic]++
}

func (l *latest) get(topic string) (any, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.states[topic], l.count[topic]
}

func (l *latest) chat() hearth.ChatState {
	s, _ := l.get(hearth.TopicChat)
	st, _ := s.(hearth.ChatState)
	return st
}

func lineIDs(st hearth.ChatState) []string {
	ids := []string{}
	for _, l := range st.Lines {
		ids = append(ids, l.ID)
	}
	return ids
}

func TestChatOverlayLines(t *testing.T) {
	t.Parallel()
	pub := &latest{}
	e := startEngine(t, newStore(t), Options{EventClock: true, Broadcaster: pub})
	zoe := chat(1, "zoe")
	zoe.User.DisplayName = "\u202eZoé\u200b"
	zoe.Color, zoe.Badges = "#1E90FF", []string{"moderator"}
	zoe.Text = "hi Kappa <b>x</b> Kappa"
	zoe.Emotes = []hearth.EmoteSpan{{ID: "25", Start: 3, End: 8}, {ID: "25", Start: 18, End: 23}, {ID: "bad id", Start: 0, End: 2}}
	e.Handle(zoe)
	e.Handle(chat(2, "nightbot"))
	e.Handle(chat(3, "troll"))
	e.Handle(chat(4, "bob"))
	e.Handle(chat(5, "troll"))
	waitFor(t, e, "five lines shown", func() bool { return len(pub.chat().Lines) == 5 })

	st := pub.chat()
	want := hearth.ChatLine{
		ID: "m1", Login: "zoe", DisplayName: "Zoé", Color: "#1E90FF", Badges: []string{"moderator"},
		Fragments: []hearth.ChatFragment{{Text: "hi"}, {Text: "Kappa", Emote: "25"}, {Text: "<b>x</b>"}, {Text: "Kappa", Emote: "25"}},
		At:        zoe.Time,
	}
	if !reflect.DeepEqual(st.Lines[0], want) {
		t.Errorf("first line\n%+v\nwant\n%+v", st.Lines[0], want)
	}
	if !st.Lines[1].Bot || st.Lines[2].Bot {
		t.Errorf("bot flags: nightbot %v, troll %v", st.Lines[1].Bot, st.Lines[2].Bot)
	}

	e.Handle(hearth.Event{Kind: hearth.EventMessageDeleted, Channel: "chan", ID: "clearmsg:m4", Time: zoe.Time, TargetMessageID: "m4"})
	e.Handle(hearth.Event{Kind: hearth.EventTimeout, Channel: "chan", ID: "clearchat:t", Time: zoe.Time,
		Target: hearth.Identity{ID: "u-troll", Login: "troll"}})
	waitFor(t, e, "deleted and timed-out lines gone", func() bool {
		return reflect.DeepEqual(lineIDs(pub.chat()), []string{"m1", "m2"})
	})
	e.Handle(hearth.Event{Kind: hearth.EventChatCleared, Channel: "chan", ID: "clearchat:all", Time: zoe.Time})
	waitFor(t, e, "a cleared chat", func() bool { return len(pub.chat().Lines) == 0 })
}

// TestChatOverlayFloodIsBounded: a flood of messages keeps the state to
// the last chatKept lines and publishes far fewer states than messages.
func TestChatOverlayFloodIsBounded(t *testing.T) {
	t.Parallel()
	pub := &latest{}
	clock := &fakeClock{now: t0}
	e := startEngine(t, newStore(t), Options{EventClock: true, Broadcaster: pub, Clock: clock})
	const n = 5000
	start := time.Now()
	for i := range n {
		e.Handle(chat(i, fmt.Sprint("v", i%300)))
	}
	if err := e.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.add(tick)
	waitFor(t, e, "the last line shown", func() bool {
		ids := lineIDs(pub.chat())
		return len(ids) > 0 && ids[len(ids)-1] == fmt.Sprint("m", n-1)
	})
	st := pub.chat()
	if len(st.Lines) != chatKept || st.Lines[0].ID != fmt.Sprint("m", n-chatKept) {
		t.Errorf("the state holds %d lines from %s; want the last %d", len(st.Lines), st.Lines[0].ID, chatKept)
	}
	// Besides the first line's, a state goes out on the channel's
	// ticks only, once each at most, while the clock stands still.
	ticks := int(time.Since(start)/tick) + 1
	if _, published := pub.get(hearth.TopicChat); published > ticks+2 {
		t.Errorf("%d chat states published for %d messages in %d ticks", published, n, ticks)
	}
}
