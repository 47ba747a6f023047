package access_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth/internal/browsertest"
)

// TestSignInPagesStyledUnderAStrictPolicy: the sign-in pages allow no
// script and no inline style but their own block, by its hash; in
// Chromium the block applies, so the hash is the one the browser computes.
func TestSignInPagesStyledUnderAStrictPolicy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	page := w.browser().get("/login")
	policy := page.header.Get("Content-Security-Policy")
	if !strings.Contains(policy, "style-src 'sha256-") || strings.Contains(policy, "unsafe-inline") ||
		!strings.Contains(policy, "default-src 'none'") {
		t.Fatalf("the sign-in page's policy is %q; want no script and its style block by hash", policy)
	}
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(w.base+"/login"), chromedp.WaitReady("#token")); err != nil {
		t.Fatal(err)
	}
	background, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	if background != "rgb(23, 20, 31)" {
		t.Errorf("the page's background is %q: its style block did not apply under the policy %q", background, policy)
	}
}
