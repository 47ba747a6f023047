package main

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// firehose is a prepared feed: raw IRC lines grouped by channel, each
// group in send order, and what a faithful consumer must count.
type firehose struct {
	channels []string
	lines    map[string][]string // channel → lines, in order
	total    int                 // lines of every kind
	privmsgs int                 // PRIVMSG lines: chat messages, /me included
	viewers  int                 // distinct (channel, viewer) pairs that chat
}

// capLine is one capture line cut into the parts the firehose rewrites.
type capLine struct {
	tags    []string // key=value
	nick    string   // source nick, "" for tmi.twitch.tv
	command string
	target  string // CLEARCHAT's login, PRIVMSG's text, USERNOTICE's message
	hasText bool
}

func parseCapture(raw []string) []capLine {
	out := make([]capLine, 0, len(raw))
	for _, l := range raw {
		var c capLine
		if strings.HasPrefix(l, "@") {
			t, rest, _ := strings.Cut(l[1:], " ")
			c.tags = strings.Split(t, ";")
			l = rest
		}
		if strings.HasPrefix(l, ":") {
			src, rest, _ := strings.Cut(l[1:], " ")
			if n, _, ok := strings.Cut(src, "!"); ok {
				c.nick = n
			}
			l = rest
		}
		head, text, hasText := strings.Cut(l, " :")
		c.command, _, _ = strings.Cut(head, " ")
		c.target, c.hasText = text, hasText
		out = append(out, c)
	}
	return out
}

// identity is who a rewritten line comes from (or, for CLEARCHAT, is about).
type identity struct {
	login, userID, channel, roomID string
}

// render writes c as a line from id with a fresh message id and timestamp.
func (c capLine) render(b *strings.Builder, id identity, msgID string, ts int64) {
	b.Reset()
	if len(c.tags) > 0 {
		b.WriteByte('@')
		for i, kv := range c.tags {
			if i > 0 {
				b.WriteByte(';')
			}
			k, _, _ := strings.Cut(kv, "=")
			switch k {
			case "id":
				b.WriteString("id=" + msgID)
			case "tmi-sent-ts":
				b.WriteString("tmi-sent-ts=" + strconv.FormatInt(ts, 10))
			case "room-id":
				b.WriteString("room-id=" + id.roomID)
			case "user-id", "target-user-id":
				b.WriteString(k + "=" + id.userID)
			case "display-name":
				b.WriteString("display-name=" + id.login)
			case "login":
				b.WriteString("login=" + id.login)
			default:
				b.WriteString(kv)
			}
		}
		b.WriteByte(' ')
	}
	if c.nick != "" {
		b.WriteString(":" + id.login + "!" + id.login + "@" + id.login + ".tmi.twitch.tv ")
	} else {
		b.WriteString(":tmi.twitch.tv ")
	}
	b.WriteString(c.command + " #" + id.channel)
	switch {
	case c.command == "CLEARCHAT" && c.hasText:
		b.WriteString(" :" + id.login)
	case c.hasText:
		b.WriteString(" :" + c.target)
	}
}

// subject is the login a capture line is from or about.
func (c capLine) subject() string {
	switch c.command {
	case "PRIVMSG":
		return c.nick
	case "CLEARCHAT":
		return c.target
	}
	for _, kv := range c.tags {
		if v, ok := strings.CutPrefix(kv, "login="); ok {
			return v
		}
	}
	return ""
}

func channelNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "c" + strconv.Itoa(i)
	}
	return out
}

func roomID(i int) string { return strconv.Itoa(700000000 + i) }

// viewerLogin derives a distinct, valid Twitch login for variant v of a
// capture login.
func viewerLogin(login string, v int) string {
	if len(login) > 20 {
		login = login[:20]
	}
	return login + "_" + strconv.FormatInt(int64(v), 36)
}

// buildFirehose repeats the capture reps times. Repetition r presents each
// capture chatter as variant r%variants of them, so the feed has about
// 1,208×variants distinct viewers; each viewer chats in one channel, picked
// by a hash. Every line gets a distinct message id and a timestamp after
// start, in order; ids start with idPrefix.
func buildFirehose(capture []capLine, reps, variants int, channels []string, idPrefix string, start time.Time) *firehose {
	f := &firehose{channels: channels, lines: map[string][]string{}}
	ids := map[string]int{}
	seen := map[string]bool{}
	ts := start.UnixMilli()
	var b strings.Builder
	n := 0
	for r := 0; r < reps; r++ {
		v := r % variants
		for _, c := range capture {
			subj := c.subject()
			if _, ok := ids[subj]; !ok {
				ids[subj] = len(ids) + 1
			}
			login := viewerLogin(subj, v)
			h := fnv.New32a()
			h.Write([]byte(login))
			ci := int(h.Sum32() % uint32(len(channels)))
			id := identity{
				login:   login,
				userID:  strconv.Itoa(ids[subj]*1000 + v),
				channel: channels[ci],
				roomID:  roomID(ci),
			}
			n++
			c.render(&b, id, idPrefix+strconv.Itoa(r)+"-"+strconv.Itoa(n), ts+int64(n/20))
			f.lines[id.channel] = append(f.lines[id.channel], b.String())
			f.total++
			if c.command == "PRIVMSG" {
				f.privmsgs++
				if !seen[id.channel+" "+login] {
					seen[id.channel+" "+login] = true
					f.viewers++
				}
			}
		}
	}
	return f
}

// buildAudience makes n chat messages from n distinct viewers, one each,
// using the capture's messages in turn for their text and tags.
func buildAudience(capture []capLine, n int, channels []string, start time.Time) *firehose {
	var msgs []capLine
	for _, c := range capture {
		if c.command == "PRIVMSG" {
			msgs = append(msgs, c)
		}
	}
	f := &firehose{channels: channels, lines: map[string][]string{}}
	ts := start.UnixMilli()
	var b strings.Builder
	for k := 0; k < n; k++ {
		ci := k % len(channels)
		id := identity{
			login:   "w" + strconv.FormatInt(int64(k), 36),
			userID:  strconv.Itoa(900000000 + k),
			channel: channels[ci],
			roomID:  roomID(ci),
		}
		msgs[k%len(msgs)].render(&b, id, "a-"+strconv.Itoa(k), ts+int64(k/20))
		f.lines[id.channel] = append(f.lines[id.channel], b.String())
	}
	f.total, f.privmsgs, f.viewers = n, n, n
	return f
}
