package hearth

import "time"

// TopicChat is the overlay topic a ChatState is published on.
const TopicChat = "chat"

// ChatState is what the chat overlay shows: the channel's most recent chat
// lines, oldest first. A line deleted by a moderator, or written by a
// viewer who was timed out or banned since, is no longer in it.
type ChatState struct {
	Channel string     `json:"channel"`
	Lines   []ChatLine `json:"lines"`
	// Now is the server's clock when the state was made, so a page can
	// fade lines by age without trusting the browser's clock.
	Now time.Time `json:"now"`
}

// ChatLine is one chat message as viewers see it. Text comes from chat:
// pages show it as text, never as HTML.
type ChatLine struct {
	ID          string `json:"id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"` // as hearth.DisplayText shows it
	Color       string `json:"color,omitempty"`
	// Badges are badge set names (see Event.Badges).
	Badges []string `json:"badges"`
	Bot    bool     `json:"bot,omitempty"`
	Action bool     `json:"action,omitempty"` // a /me line
	// Fragments are the message in order: runs of text and emotes.
	Fragments []ChatFragment `json:"fragments"`
	At        time.Time      `json:"at"`
}

// ChatFragment is a run of a chat line's text, or one emote: Emote is the
// emote's Twitch id and Text its name.
type ChatFragment struct {
	Text  string `json:"text"`
	Emote string `json:"emote,omitempty"`
}

// EmoteSpan is one Twitch emote in a message: its id and where it stands,
// from Start to End (exclusive), counted in Unicode code points as Twitch
// counts them.
type EmoteSpan struct {
	ID         string
	Start, End int
}

// MaxEmoteIDLen is the longest emote id kept. Twitch's ids are digits or
// "emotesv2_" and 32 hex digits.
const MaxEmoteIDLen = 64

// ValidEmoteID reports whether id can be an emote id: 1 to MaxEmoteIDLen
// ASCII letters, digits and underscores, so it is safe in an image URL.
func ValidEmoteID(id string) bool {
	if id == "" || len(id) > MaxEmoteIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ChatFragments splits text into runs of text and the emotes spans name,
// each text run as DisplayText shows it (runs with nothing visible are
// left out). Spans out of order, overlapping, outside text or with an
// invalid id are ignored: the text they cover stays text.
func ChatFragments(text string, spans []EmoteSpan) []ChatFragment {
	runes := []rune(text)
	var out []ChatFragment
	addText := func(s []rune) {
		if t := DisplayText(string(s), ""); t != "" {
			out = append(out, ChatFragment{Text: t})
		}
	}
	at := 0
	for _, sp := range spans {
		if sp.Start < at || sp.End <= sp.Start || sp.End > len(runes) || !ValidEmoteID(sp.ID) {
			continue
		}
		addText(runes[at:sp.Start])
		out = append(out, ChatFragment{Text: DisplayText(string(runes[sp.Start:sp.End]), sp.ID), Emote: sp.ID})
		at = sp.End
	}
	addText(runes[at:])
	return out
}
