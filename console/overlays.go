package console

import (
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// overlaysPage is the overlays gallery: a card per kind, the theme
// editor, the channel's custom stylesheet and its goals.
type overlaysPage struct {
	Cards []overlayCard
	// Theme are the parameters every kind takes for its look, which the
	// theme editor sets on every card at once.
	Theme []hearth.OverlayParam
	// CSS is the channel's custom stylesheet.
	CSS   string
	Goals []goalRow
	// GoalKinds are the kinds a goal may count; GoalFull says the
	// channel holds hearth.MaxGoals and may add no more.
	GoalKinds []string
	MaxGoals  int
	GoalFull  bool
}

// paramView is what the "param" template gets: the page's view, one
// parameter, the id its input takes, and the channel's goals (the
// choices of a goal parameter).
type paramView struct {
	V     view
	P     hearth.OverlayParam
	ID    string
	Goals []goalRow
}

// field pairs a parameter with the page's view for the "param" template.
func field(v view, p hearth.OverlayParam, id string) paramView {
	pv := paramView{V: v, P: p, ID: id}
	if page, ok := v.Data.(overlaysPage); ok {
		pv.Goals = page.Goals
	}
	return pv
}

// overlayCard is one kind in the gallery.
type overlayCard struct {
	hearth.OverlayKind
	// URL is the kind's URL for the channel, without parameters but its
	// channel and token.
	URL string
	// Live says the channel has something for this kind to show, so its
	// card starts with the live page rather than sample data.
	Live bool
	// Tests are the test events its buttons play.
	Tests []string
}

// goalRow is one goal as the gallery lists it.
type goalRow struct {
	hearth.Goal
	Title string // through hearth.DisplayText
}

// themeParams are the catalog's parameters the theme editor sets.
var themeParams = []string{"theme", "color", "muted", "accent", "bg", "edge", "font", "size", "radius", "gap"}

// testEvents are the test events a card of kind offers: what the page
// shows, from what the test route plays.
func testEvents(kind string) []string {
	switch kind {
	case "alerts", "feed":
		return []string{hearth.OverlayFollow, hearth.OverlaySub, hearth.OverlayCheer, hearth.OverlayRaid,
			hearth.OverlayRedemption, hearth.OverlayWelcome, hearth.OverlayRankUp, hearth.OverlayPollResult}
	case "welcome":
		return []string{hearth.OverlayWelcome, hearth.OverlayWelcomeBack}
	case "credits":
		return []string{hearth.OverlayCredits}
	}
	return nil
}

// overlays shows the gallery: every kind with its live preview, its
// parameters, its URL to copy and its test events; the theme editor;
// the custom stylesheet; the goals. What changes anything is sent by
// the page's script to the API.
func (con *Console) overlays(c *fiber.Ctx) error {
	ch := channelOf(c)
	ctx := c.UserContext()
	p := overlaysPage{GoalKinds: hearth.GoalKinds(), MaxGoals: hearth.MaxGoals}
	var err error
	if p.CSS, err = con.cfg.Engine.OverlayCSS(ctx, ch); err != nil {
		return con.fail(c, ch, err)
	}
	goals, err := con.cfg.Engine.Goals(ctx, ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	for _, g := range goals {
		p.Goals = append(p.Goals, goalRow{Goal: g, Title: hearth.DisplayText(g.Title, g.ID)})
	}
	p.GoalFull = len(goals) >= hearth.MaxGoals
	if con.cfg.Overlays == nil {
		return con.render(c, "overlays", ch, p)
	}
	token, err := con.overlayToken(c, ch)
	if err != nil {
		return con.fail(c, ch, err)
	}
	has, err := con.hasData(c, ch, len(goals) > 0)
	if err != nil {
		return con.fail(c, ch, err)
	}
	q := url.Values{"channel": {ch}, "token": {token}}.Encode()
	for i, k := range con.cfg.Overlays.Catalog() {
		card := overlayCard{URL: c.BaseURL() + "/overlays/" + url.PathEscape(k.Kind) + "?" + q, Live: has[k.Kind], Tests: testEvents(k.Kind)}
		card.OverlayKind = k
		card.Params = nil
		for _, prm := range k.Params {
			switch {
			case prm.Name == "preview":
			case slices.Contains(themeParams, prm.Name):
				if i == 0 {
					p.Theme = append(p.Theme, prm)
				}
			default:
				card.Params = append(card.Params, prm)
			}
		}
		p.Cards = append(p.Cards, card)
	}
	return con.render(c, "overlays", ch, p)
}

// overlayToken returns the channel's overlay token.
func (con *Console) overlayToken(c *fiber.Ctx, ch string) (string, error) {
	chs, err := con.cfg.Store.Channels(c.UserContext())
	if err != nil {
		return "", err
	}
	for _, info := range chs {
		if info.Name == ch {
			return info.OverlayToken, nil
		}
	}
	return "", hearth.Errorf(hearth.ENOTFOUND, "no such channel")
}

// hasData says which kinds have something of the channel's to show now,
// so their cards start live. The alerts and the credits show nothing
// between events, so they always start with sample data.
func (con *Console) hasData(c *fiber.Ctx, ch string, goals bool) (map[string]bool, error) {
	ctx := c.UserContext()
	o, err := con.cfg.Engine.Overview(ctx, ch)
	if err != nil {
		return nil, err
	}
	b, err := con.cfg.Engine.Leaderboard(ctx, ch, 1)
	if err != nil {
		return nil, err
	}
	has := map[string]bool{
		hearth.TopicLeaderboard: len(b.Entries) > 0,
		hearth.TopicPoll:        o.Poll.Status != "",
		hearth.TopicChat:        o.ActiveChatters > 0,
		hearth.TopicGoal:        goals,
	}
	for _, ev := range o.Events {
		switch ev.Kind {
		case hearth.OverlayWelcome, hearth.OverlayWelcomeBack:
			has["welcome"] = true
		case hearth.OverlayRankUp, hearth.OverlayPollResult:
		default:
			has["feed"] = true
		}
	}
	return has, nil
}
