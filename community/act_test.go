package community

import (
	"slices"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestActsAnnounced: subs, resubs, gifts, cheers (EventSub's and chat's)
// and raids become notices with their amount, once each even when IRC and
// EventSub both report them; a bot's are not announced, an anonymous
// cheer is, without a name.
func TestActsAnnounced(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	sub := event(hearth.EventSub, 0, "ann", "")
	sub.Months = 1
	resub := event(hearth.EventResub, time.Second, "bob", "")
	resub.Months, resub.Text = 14, "fourteen!"
	resubAgain := resub // EventSub's report of the same act
	resubAgain.ID = "other-path"
	gift := event(hearth.EventSubGift, 2*time.Second, "cat", "")
	gift.Count = 5
	cheer := event(hearth.EventCheer, 3*time.Second, "dan", "")
	cheer.Bits, cheer.Text = 300, "cheer300 gg"
	anon := event(hearth.EventCheer, 4*time.Second, "", "")
	anon.Bits = 100
	chatCheer := withBits(chatAt("eve", 5*time.Second, "cheer50"), 50)
	raid := event(hearth.EventRaid, 6*time.Second, "fay", "")
	raid.Count = 42
	botRaid := event(hearth.EventRaid, 7*time.Second, "nightbot", "")
	botRaid.Count = 3
	c.Handle(chatAt("nightbot", 0, "hi")) // known, so known as a bot

	var got []Notice
	for _, r := range run(c, sub, resub, resubAgain, gift, cheer, anon, chatCheer, raid, botRaid) {
		for _, n := range r.Notices {
			if n.Kind != NoticeWelcome {
				got = append(got, n)
			}
		}
	}
	type shown struct {
		kind   NoticeKind
		login  string
		amount int64
		text   string
	}
	var gotShown []shown
	for _, n := range got {
		gotShown = append(gotShown, shown{n.Kind, n.Login, n.Amount, n.Text})
	}
	want := []shown{
		{NoticeSub, "ann", 1, ""},
		{NoticeResub, "bob", 14, "fourteen!"},
		{NoticeSubGift, "cat", 5, ""},
		{NoticeCheer, "dan", 300, "cheer300 gg"},
		{NoticeCheer, "", 100, ""},
		{NoticeCheer, "eve", 50, "cheer50"},
		{NoticeRaid, "fay", 42, ""},
	}
	if !slices.Equal(gotShown, want) {
		t.Errorf("notices\n got %v\nwant %v", gotShown, want)
	}
}

// TestTopChatters: the stream's most active chatters, most messages first.
func TestTopChatters(t *testing.T) {
	c := NewChannel("chan", plainRules(), nil, nil)
	live(c)
	var evs []hearth.Event
	for i, who := range []string{"ann", "bob", "bob", "cat", "bob", "cat"} {
		evs = append(evs, chatAt(who, time.Duration(i+1)*time.Second, "message"))
	}
	run(c, evs...)
	var got []string
	for _, v := range c.TopChatters() {
		got = append(got, v.Login)
	}
	if want := []string{"bob", "cat", "ann"}; !slices.Equal(got, want) {
		t.Errorf("TopChatters = %v, want %v", got, want)
	}
}
