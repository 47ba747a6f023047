package overlays

import (
	"slices"

	"github.com/hearthlive/hearth"
)

// The parameters every page takes: preview and status, then the theme's
// (docs/overlays.md#themes).
var common = []hearth.OverlayParam{
	{Name: "preview", Description: "1 fills the page with sample data and connects to nothing, to place it in OBS"},
	{Name: "status", Description: "1 shows a small \"reconnecting\" badge while the page is not connected"},
	{Name: "theme", Description: "dark (default) or light"},
	{Name: "color", Description: "text colour: #rgb, #rrggbb (with alpha too) or a CSS colour name"},
	{Name: "muted", Description: "secondary text colour"},
	{Name: "accent", Description: "names and highlights colour"},
	{Name: "bg", Description: "panels' colour"},
	{Name: "edge", Description: "panels' border colour"},
	{Name: "font", Description: "a font family installed where OBS runs"},
	{Name: "size", Description: "base text size in pixels, 10 to 64"},
	{Name: "radius", Description: "corner radius in pixels, 0 to 48"},
	{Name: "gap", Description: "space between rows in pixels, 0 to 48"},
}

// catalog describes each kind: the size it is made for, and its URL's
// parameters. docs/overlays.md says the same, with screenshots.
var catalog = []hearth.OverlayKind{
	{Kind: hearth.TopicLeaderboard, Width: 400, Height: 600},
	{Kind: "alerts", Width: 800, Height: 200, Params: []hearth.OverlayParam{
		{Name: "hold", Description: "milliseconds each alert stays on screen, 500 to 30000 (default 5000)"},
		{Name: "kinds", Description: "comma list of the kinds shown: welcome, welcome_back, rank_up, follow, redemption, poll_result, sub, resub, subgift, cheer, raid (default all)"},
	}},
	{Kind: hearth.TopicPoll, Width: 800, Height: 600, Params: []hearth.OverlayParam{
		{Name: "hide_after", Description: "seconds a closed poll stays on screen, 1 to 600 (default 15)"},
	}},
	{Kind: "feed", Width: 400, Height: 500, Params: []hearth.OverlayParam{
		{Name: "kinds", Description: "comma list of the kinds shown (default follow,sub,resub,subgift,cheer,raid,redemption; also welcome, welcome_back, rank_up, poll_result)"},
		{Name: "length", Description: "how many lines it keeps, 1 to 30 (default 8)"},
	}},
	{Kind: "credits", Width: 1280, Height: 720, Params: []hearth.OverlayParam{
		{Name: "speed", Description: "pixels a second the roll scrolls, 20 to 400 (default 60)"},
	}},
	{Kind: "welcome", Width: 1280, Height: 80, Params: []hearth.OverlayParam{
		{Name: "length", Description: "how many names it keeps, 1 to 50 (default 20)"},
	}},
	{Kind: hearth.TopicChat, Width: 400, Height: 600, Params: []hearth.OverlayParam{
		{Name: "length", Description: "lines shown at most, 1 to 50 (default 15)"},
		{Name: "fade", Description: "seconds after which a line fades out, 1 to 3600; 0 (default) keeps lines"},
		{Name: "bots", Description: "0 hides the channel's known bots (default 1)"},
		{Name: "badges", Description: "0 hides badges (default 1)"},
	}},
	{Kind: hearth.TopicGoal, Width: 600, Height: 120, Params: []hearth.OverlayParam{
		{Name: "id", Description: "the goal shown; every goal of the channel, stacked, when absent (120 pixels high each)"},
	}},
}

// Catalog describes every overlay kind, in the order of Kinds. The caller
// may modify the result.
func Catalog() []hearth.OverlayKind {
	out := make([]hearth.OverlayKind, len(catalog))
	for i, k := range catalog {
		k.Params = append(slices.Clone(k.Params), common...)
		out[i] = k
	}
	return out
}

// Catalog describes every overlay kind the hub serves.
func (h *Hub) Catalog() []hearth.OverlayKind { return Catalog() }
