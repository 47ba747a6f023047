// Package browsertest starts the real headless Chromium that Hearth's
// overlay tests look through, sized and transparent like an OBS browser
// source.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth/internal/testenv"
)

// Width and Height are the viewport of an OBS browser source as Hearth's
// overlays are sized for.
const (
	Width  = 400
	Height = 600
)

// shared is the Chromium that every New of a test run opens its page in,
// when the package's TestMain runs its tests through Main.
var shared struct {
	mu      sync.Mutex
	main    bool            // Main runs the tests: New may share a browser
	browser context.Context // the browser's first tab, which owns it
	close   func()          // closes the browser and removes its profile
}

// Main runs m's tests with one Chromium for the whole run: each New opens
// its page in a fresh browser context (its own cookies, storage and
// cache, as a fresh profile has) of that browser, instead of starting a
// browser of its own, which costs seconds. The browser is closed when the
// tests end. A package whose tests call New runs them through Main:
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
//
// Without it, each New starts and closes a browser of its own.
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	defer func() {
		shared.mu.Lock()
		defer shared.mu.Unlock()
		if shared.close != nil {
			shared.close()
		}
		shared.main, shared.browser, shared.close = false, nil, nil
	}()
	return m.Run()
}

// allocatorOptions are the flags Chromium runs with, its profile in dir.
func allocatorOptions(path, dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Pages of tests that run side by side share the browser: none
		// may have its timers or rendering slowed for not being in front.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(Width, Height),
	}
}

// start starts a Chromium with its profile in dir and returns a chromedp
// context for its first tab, and the function that closes it.
func start(path, dir string) (context.Context, func(), error) {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocatorOptions(path, dir)...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelCtx()
		cancelAlloc()
	}
	if err := chromedp.Do(ctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("start %s: %w", path, err)
	}
	return ctx, stop, nil
}

// sharedBrowser returns the run's browser, starting it on first use; nil
// when the package does not run its tests through Main.
func sharedBrowser(t testing.TB, path string) context.Context {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.main {
		return nil
	}
	if shared.browser != nil && shared.browser.Err() == nil {
		return shared.browser
	}
	if shared.close != nil {
		shared.close() // the browser went away: start another
	}
	dir, err := os.MkdirTemp("", "hearth-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop, err := start(path, dir)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	shared.browser = ctx
	shared.close = func() {
		stop()
		os.RemoveAll(dir)
	}
	return ctx
}

// New returns a chromedp context for a page with a transparent Width x
// Height viewport in a headless Chromium, closed when the test ends. Under
// Main the page is a fresh browser context of the run's browser; otherwise
// the test starts a Chromium with a fresh profile of its own.
func New(t testing.TB) context.Context {
	t.Helper()
	path := testenv.Chromium(t)
	var ctx context.Context
	if browser := sharedBrowser(t, path); browser != nil {
		page, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		ctx = page
	} else {
		browser, stop, err := start(path, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		// Cleanups run last-in first-out: the browser is gone before
		// its profile directory is removed.
		t.Cleanup(stop)
		ctx = browser
	}
	transparent := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// Sent raw: the typed params would omit an alpha of zero.
		return tg.Call(ctx, "Emulation.setDefaultBackgroundColorOverride",
			map[string]any{"color": map[string]any{"r": 0, "g": 0, "b": 0, "a": 0}}, nil)
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Width, Height), transparent); err != nil {
		t.Fatalf("set up the viewport: %v", err)
	}
	// A page that never shows what a test waits for fails that test with
	// the wait's error, instead of hanging the package until go test's
	// own timeout names no cause.
	ctx, cancel := context.WithTimeout(ctx, PageDeadline)
	t.Cleanup(cancel)
	return ctx
}

// PageDeadline bounds everything one test does in its page: a guard
// against a hang, not a speed target.
const PageDeadline = 2 * time.Minute

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
