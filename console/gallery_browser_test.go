package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth/internal/browsertest"
)

// gallerySignIn signs the browser in with the admin token and opens
// the arena's overlays page at a desk's width.
func gallerySignIn(t *testing.T, ctx context.Context, f *gallerySite) {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(cctx,
		chromedp.EmulateViewport(1200, 900),
		chromedp.Navigate(f.base+"/login"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", galleryAdminToken),
		chromedp.Click("#signin"),
		chromedp.WaitVisible("#who"),
		chromedp.Navigate(f.base+"/channels/arena/overlays"),
		chromedp.WaitReady("[data-overlays-api]"),
	); err != nil {
		t.Fatalf("sign in and open the gallery: %v", err)
	}
}

// galleryFrame is a script expression for the document of kind's preview.
func galleryFrame(kind string) string {
	return `document.querySelector('[data-overlay="` + kind + `"] iframe').contentDocument`
}

// galleryInput types value into the input a selector names, as a person
// would: the input event follows.
func galleryInput(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	evalIn[bool](t, ctx, `(() => { const i = document.querySelector(`+jsString(selector)+`); i.value = `+jsString(value)+`;
		i.dispatchEvent(new Event("input", { bubbles: true })); return true; })()`)
}

// TestGalleryInBrowser: in a real Chromium, signed in as the operator,
// the gallery shows the eight kinds with sample content; a parameter
// changes the URL to copy (and a value the overlay would refuse is
// refused); the theme reaches every card; a test event plays in the
// alerts' live page; a saved stylesheet changes a preview's computed
// style; a stylesheet the server refuses shows the server's reason as
// text.
func TestGalleryInBrowser(t *testing.T) {
	f := newGallerySite(t)
	ctx := browsertest.New(t)
	gallerySignIn(t, ctx, f)

	waitTrue(t, ctx, 10*time.Second, "eight previews with sample content", `(() => {
		const frames = document.querySelectorAll('[data-overlay] iframe.preview');
		return frames.length === 8 && Array.from(frames).every((f) => {
			const d = f.contentDocument;
			return d && d.readyState === "complete" && d.body && d.body.dataset.connection === "preview" && d.body.innerText.trim() !== "";
		});
	})()`)
	if n := evalIn[int](t, ctx, `Array.from(document.querySelectorAll('[data-overlay] .frame')).filter((b) => b.clientHeight < 10).length`); n != 0 {
		t.Errorf("%d previews are not sized", n)
	}

	// A parameter rebuilds the URL; one out of the overlay's bounds is
	// refused and left out.
	url := `document.querySelector('[data-overlay="alerts"] [data-copy-url]').value`
	galleryInput(t, ctx, `#p-alerts-hold`, "12000")
	if got := evalIn[string](t, ctx, url); !strings.Contains(got, "hold=12000") || strings.Contains(got, "preview") {
		t.Errorf("after hold=12000 the alerts' URL is %s", got)
	}
	galleryInput(t, ctx, `#p-alerts-hold`, "99")
	if got := evalIn[string](t, ctx, url); strings.Contains(got, "hold=") {
		t.Errorf("a hold the overlay refuses is in the URL: %s", got)
	}
	if got := evalIn[string](t, ctx, `document.querySelector('[data-param="hold"] .param-error').textContent`); !strings.Contains(got, "500 to 30000") {
		t.Errorf("the refused hold says %q", got)
	}
	galleryInput(t, ctx, `#p-alerts-hold`, "")

	// The theme reaches every card's URL and preview.
	galleryInput(t, ctx, `#p-theme-accent`, "#ff0000")
	if got := evalIn[string](t, ctx, `document.querySelector('[data-theme-query]').value`); got != "accent=%23ff0000" {
		t.Errorf("the theme's query is %q", got)
	}
	if n := evalIn[int](t, ctx, `Array.from(document.querySelectorAll('[data-copy-url]')).filter((i) => i.value.includes("accent=%23ff0000")).length`); n != 8 {
		t.Errorf("%d of 8 URLs carry the theme", n)
	}
	waitTrue(t, ctx, 10*time.Second, "the theme in the leaderboard's preview", `(() => { const d = `+galleryFrame("leaderboard")+`;
		return d && d.readyState === "complete" && d.location.search.includes("accent=%23ff0000") &&
			getComputedStyle(d.documentElement).getPropertyValue("--accent").trim() === "#ff0000"; })()`)

	// A test event plays in the alerts' live page.
	evalIn[bool](t, ctx, `(document.querySelector('[data-overlay="alerts"] button[data-test="follow"]').click(), true)`)
	waitTrue(t, ctx, 15*time.Second, "the follow alert in the live preview", `(() => { const d = `+galleryFrame("alerts")+`;
		if (!d || d.location.search.includes("preview")) return false;
		const a = d.getElementById("alert"); return !!a && !a.hidden && d.getElementById("alert-label").textContent !== "" && a.dataset.kind === "follow"; })()`)
	if got := evalIn[string](t, ctx, `document.querySelector('[data-overlay="alerts"] .test-result').textContent`); !strings.Contains(got, "sent") {
		t.Errorf("the test's result says %q", got)
	}

	// A saved stylesheet changes a preview's computed style.
	galleryInput(t, ctx, `#css-text`, "body { background-color: rgb(1, 2, 3); }")
	evalIn[bool](t, ctx, `(document.querySelector('form[data-css] button[type=submit]').click(), true)`)
	waitTrue(t, ctx, 10*time.Second, "the stylesheet in the leaderboard's preview", `(() => { const d = `+galleryFrame("leaderboard")+`;
		return !!d && !!d.body && getComputedStyle(d.body).backgroundColor === "rgb(1, 2, 3)"; })()`)
	if !evalIn[bool](t, ctx, `!document.querySelector('.css-saved').hidden`) {
		t.Error("saving the stylesheet says nothing")
	}

	// A stylesheet the server refuses: its reason, as text.
	bad := `@import url(https://example.com/x.css); /* <img src=x onerror="window.pwned=1"> */`
	galleryInput(t, ctx, `#css-text`, bad)
	evalIn[bool](t, ctx, `(document.querySelector('form[data-css] button[type=submit]').click(), true)`)
	waitTrue(t, ctx, 10*time.Second, "the server's reason", `!document.querySelector('form[data-css] .form-error').hidden`)
	got := evalIn[string](t, ctx, `document.querySelector('form[data-css] .form-error').textContent`)
	if !strings.HasPrefix(got, "The request failed: ") || !strings.Contains(got, "@import") {
		t.Errorf("the refusal says %q", got)
	}
	if evalIn[bool](t, ctx, `window.pwned !== undefined || document.querySelectorAll('main img').length > 0`) {
		t.Error("the refused stylesheet's text became markup")
	}
	if css, err := f.engine.OverlayCSS(context.Background(), "arena"); err != nil || !strings.Contains(css, "rgb(1, 2, 3)") {
		t.Errorf("after the refusal the stored stylesheet is %q (%v)", css, err)
	}

	// A goal set with the form is listed, and the goal card can show it.
	galleryInput(t, ctx, `#goal-id`, "subs")
	galleryInput(t, ctx, `#goal-title`, "<b>Road</b> to 50")
	evalIn[bool](t, ctx, `(document.querySelector('#goal-kind').value = "subs", true)`)
	galleryInput(t, ctx, `#goal-target`, "50")
	evalIn[bool](t, ctx, `(document.querySelector('form[data-goal-form] button[type=submit]').click(), true)`)
	waitTrue(t, ctx, 10*time.Second, "the new goal in the list", `(() => { const r = document.querySelector('tr[data-goal="subs"] .goal-title');
		return !!r && r.textContent.startsWith("<b>Road</b> to 50"); })()`)
	if !evalIn[bool](t, ctx, `Array.from(document.querySelectorAll('#p-goal-id option')).some((o) => o.value === "subs") && document.querySelectorAll('main b').length === 0`) {
		t.Error("the goal card cannot pick the new goal, or its title became markup")
	}
	if gs, err := f.engine.Goals(context.Background(), "arena"); err != nil || len(gs) != 1 || gs[0].Target != 50 || gs[0].Kind != "subs" {
		t.Errorf("the goals stored: %+v (%v)", gs, err)
	}
}
