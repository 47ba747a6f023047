package overlays

import (
	"slices"

	"github.com/hearthlive/hearth"
)

// shownKinds are the event kinds an alerts or feed page can show.
var shownKinds = []string{
	hearth.OverlayFollow, hearth.OverlaySub, hearth.OverlayResub, hearth.OverlaySubGift, hearth.OverlayCheer,
	hearth.OverlayRaid, hearth.OverlayRedemption, hearth.OverlayWelcome, hearth.OverlayWelcomeBack,
	hearth.OverlayRankUp, hearth.OverlayPollResult,
}

// Shorthands for the catalog's parameter types.
func intParam(name string, lo, hi int, def, desc string) hearth.OverlayParam {
	return hearth.OverlayParam{Name: name, Type: hearth.OverlayParamInt, Min: lo, Max: hi, Default: def, Description: desc}
}

func boolParam(name, def, desc string) hearth.OverlayParam {
	return hearth.OverlayParam{Name: name, Type: hearth.OverlayParamBool, Default: def, Description: desc}
}

func colorParam(name, desc string) hearth.OverlayParam {
	return hearth.OverlayParam{Name: name, Type: hearth.OverlayParamColor, Description: desc}
}

// The parameters every page takes: preview and status, then the theme's
// (docs/overlays.md#themes), whose bounds are theme.go's.
var common = []hearth.OverlayParam{
	boolParam("preview", "0", "1 fills the page with sample data and connects to nothing, to place it in OBS"),
	boolParam("status", "0", "1 shows a small \"reconnecting\" badge while the page is not connected"),
	{Name: "theme", Type: hearth.OverlayParamChoice, Choices: []string{"dark", "light"}, Default: "dark", Description: "dark (default) or light"},
	colorParam("color", "text colour: #rgb, #rrggbb (with alpha too) or a CSS colour name"),
	colorParam("muted", "secondary text colour"),
	colorParam("accent", "names and highlights colour"),
	colorParam("bg", "panels' colour"),
	colorParam("edge", "panels' border colour"),
	{Name: "font", Type: hearth.OverlayParamFont, Description: "a font family installed where OBS runs"},
	intParam("size", sizeMin, sizeMax, "", "base text size in pixels, 10 to 64"),
	intParam("radius", 0, spaceMax, "", "corner radius in pixels, 0 to 48"),
	intParam("gap", 0, spaceMax, "", "space between rows in pixels, 0 to 48"),
}

// catalog describes each kind: the size it is made for, and its URL's
// parameters. docs/overlays.md says the same, with screenshots.
var catalog = []hearth.OverlayKind{
	{Kind: hearth.TopicLeaderboard, Width: 400, Height: 600},
	{Kind: "alerts", Width: 800, Height: 200, Params: []hearth.OverlayParam{
		intParam("hold", 500, 30000, "5000", "milliseconds each alert stays on screen, 500 to 30000 (default 5000)"),
		{Name: "kinds", Type: hearth.OverlayParamList, Choices: shownKinds, Description: "comma list of the kinds shown: welcome, welcome_back, rank_up, follow, redemption, poll_result, sub, resub, subgift, cheer, raid (default all)"},
	}},
	{Kind: hearth.TopicPoll, Width: 800, Height: 600, Params: []hearth.OverlayParam{
		intParam("hide_after", 1, 600, "15", "seconds a closed poll stays on screen, 1 to 600 (default 15)"),
	}},
	{Kind: "feed", Width: 400, Height: 500, Params: []hearth.OverlayParam{
		{Name: "kinds", Type: hearth.OverlayParamList, Choices: shownKinds, Default: "follow,sub,resub,subgift,cheer,raid,redemption", Description: "comma list of the kinds shown (default follow,sub,resub,subgift,cheer,raid,redemption; also welcome, welcome_back, rank_up, poll_result)"},
		intParam("length", 1, 30, "8", "how many lines it keeps, 1 to 30 (default 8)"),
	}},
	{Kind: "credits", Width: 1280, Height: 720, Params: []hearth.OverlayParam{
		intParam("speed", 20, 400, "60", "pixels a second the roll scrolls, 20 to 400 (default 60)"),
	}},
	{Kind: "welcome", Width: 1280, Height: 80, Params: []hearth.OverlayParam{
		intParam("length", 1, 50, "20", "how many names it keeps, 1 to 50 (default 20)"),
	}},
	{Kind: hearth.TopicChat, Width: 400, Height: 600, Params: []hearth.OverlayParam{
		intParam("length", 1, 50, "15", "lines shown at most, 1 to 50 (default 15)"),
		intParam("fade", 0, 3600, "0", "seconds after which a line fades out, 1 to 3600; 0 (default) keeps lines"),
		boolParam("bots", "1", "0 hides the channel's known bots (default 1)"),
		boolParam("badges", "1", "0 hides badges (default 1)"),
	}},
	{Kind: hearth.TopicGoal, Width: 600, Height: 120, Params: []hearth.OverlayParam{
		{Name: "id", Type: hearth.OverlayParamGoal, Description: "the goal shown; every goal of the channel, stacked, when absent (120 pixels high each)"},
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
