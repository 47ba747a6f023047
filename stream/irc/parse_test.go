package irc

import (
	"reflect"
	"testing"

	twitch "github.com/gempir/go-twitch-irc/v4"
)

// parseLineCases are lines around what parseLine changes: sources of every
// shape, with and without tags, and lines the parser panics on.
var parseLineCases = []string{
	"@badge-info=;badges=subscriber/3;display-name=Ann;id=m1;room-id=1;user-id=7 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi there",
	":ann!ann@ann.tmi.twitch.tv PRIVMSG #c :no tags",
	"@display-name=Big\\sAnn :ann@host PRIVMSG #c :two fields",
	"@display-name=Big\\sAnn :tmi.twitch.tv PRIVMSG #c :host only",
	"@display-name=Ann :a!b!c@d PRIVMSG #c :many fields",
	"@display-name=Ann : PRIVMSG #c :empty source",
	"@login=ann;msg-id=sub :tmi.twitch.tv USERNOTICE #c :sub",
	"@badges=moderator/1;display-name=HearthBot :tmi.twitch.tv USERSTATE #c",
	"@badges=;display-name=HearthBot :tmi.twitch.tv GLOBALUSERSTATE",
	":ann!ann@ann.tmi.twitch.tv JOIN #c",
	":ann!ann@ann.tmi.twitch.tv PART #c",
	":bob@host JOIN #c",
	":ann!ann@ann.tmi.twitch.tv WHISPER hearthbot :psst",
	":tmi.twitch.tv 001 hearthbot :Welcome, GLHF!",
	":tmi.twitch.tv RECONNECT",
	"PING :tmi.twitch.tv",
	":tmi.twitch.tv NOTICE * :Login authentication failed",
	"@badges=x :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :badge without version",
	"@emotes=25:0-4 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :",
	":ann!ann@ann.tmi.twitch.tv PRIVMSG",
	":tmi.twitch.tv USERNOTICE",
	"@badges=x :tmi.twitch.tv",
	"@badges=x :tmi.twitch.tv ",
	"@a=b  :x PRIVMSG #c :double space",
	":only-source",
	"",
}

// TestParseLineIsParseMessage checks that parseLine gives what the
// library's ParseMessage gives, Raw aside, on the real capture and on the
// lines above, and panics (as a *stream.MalformedError) on the same lines.
func TestParseLineIsParseMessage(t *testing.T) {
	t.Parallel()
	for _, line := range append(captureLines(t), parseLineCases...) {
		checkParseLine(t, line)
	}
}

// FuzzCutSource compares parseLine with the library's parser.
func FuzzCutSource(f *testing.F) {
	for _, line := range parseLineCases {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		checkParseLine(t, line)
	})
}

func checkParseLine(t *testing.T, line string) {
	t.Helper()
	want, wantErr := parseSafely(line)
	got, gotErr := parseLine(line)
	if (wantErr != nil) != (gotErr != nil) {
		t.Fatalf("%q: parseLine error %v; the parser's %v", line, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if !reflect.DeepEqual(withoutRaw(got), withoutRaw(want)) {
		t.Fatalf("%q:\nparseLine   %#v\nParseMessage %#v", line, got, want)
	}
}

// withoutRaw returns a copy of msg with its Raw field emptied.
func withoutRaw(msg twitch.Message) any {
	v := reflect.New(reflect.TypeOf(msg).Elem())
	v.Elem().Set(reflect.ValueOf(msg).Elem())
	if f := v.Elem().FieldByName("Raw"); f.IsValid() {
		f.SetString("")
	}
	return v.Interface()
}

// TestChannel reads the channel from each shape of line a recording holds.
func TestChannel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ line, want string }{
		{"@id=m;user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG #Chan :hi there", "chan"},
		{":ann!ann@ann.tmi.twitch.tv JOIN #c", "c"},
		{"@room-id=1 :tmi.twitch.tv CLEARCHAT #c :ann", "c"},
		{"PRIVMSG #c :no source", "c"},
		{"PING :tmi.twitch.tv", ""},
		{":tmi.twitch.tv 001 hearthbot :Welcome", ""},
		{"@tags-only", ""},
		{"", ""},
	} {
		if got := Channel(tt.line); got != tt.want {
			t.Errorf("Channel(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
