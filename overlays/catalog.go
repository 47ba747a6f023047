package overlays

import (
	"slices"

	"github.com/hearthlive/hearth"
)

// The parameters every page takes.
var (
	previewParam = hearth.OverlayParam{Name: "preview", Description: "1 fills the page with sample data and connects to nothing, to place it in OBS"}
	statusParam  = hearth.OverlayParam{Name: "status", Description: "1 shows a small \"reconnecting\" badge while the page is not connected"}
)

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
}

// Catalog describes every overlay kind, in the order of Kinds. The caller
// may modify the result.
func Catalog() []hearth.OverlayKind {
	out := make([]hearth.OverlayKind, len(catalog))
	for i, k := range catalog {
		k.Params = append(slices.Clone(k.Params), previewParam, statusParam)
		out[i] = k
	}
	return out
}

// Catalog describes every overlay kind the hub serves.
func (h *Hub) Catalog() []hearth.OverlayKind { return Catalog() }
