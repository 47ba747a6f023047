// Package browsertest starts the real headless Chromium that Hearth's
// overlay tests look through, sized and transparent like an OBS browser
// source.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth/internal/testenv"
)

// Width and Height are the viewport of an OBS browser source as Hearth's
// overlays are sized for.
const (
	Width  = 400
	Height = 600
)

// New starts a headless Chromium with a fresh profile and a transparent
// Width x Height viewport, and returns a chromedp context for it; the
// browser is closed when the test ends.
func New(t testing.TB) context.Context {
	t.Helper()
	path := testenv.Chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(Width, Height),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// Cleanups run last-in first-out: the browser is gone before its
	// profile directory is removed.
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	transparent := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// Sent raw: the typed params would omit an alpha of zero.
		return tg.Call(ctx, "Emulation.setDefaultBackgroundColorOverride",
			map[string]any{"color": map[string]any{"r": 0, "g": 0, "b": 0, "a": 0}}, nil)
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height), transparent); err != nil {
		t.Fatalf("set up the viewport: %v", err)
	}
	return ctx
}

// ScreenshotDir is where tests save screenshots: $HEARTH_SCREENSHOT_DIR if
// set, else a folder under the system temp directory that survives the
// test so a person can look.
func ScreenshotDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HEARTH_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "hearth-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot captures the viewport as PNG into ScreenshotDir/name and
// returns the file's path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(ScreenshotDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
