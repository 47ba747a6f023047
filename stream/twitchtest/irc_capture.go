package twitchtest

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// CaptureModule is the module that ships the real chat capture.
const CaptureModule = "github.com/gempir/go-twitch-irc/v4"

// Figures of the real capture, for tests to compare against.
const (
	CaptureLinesTotal = 5000
	CapturePrivmsgs   = 4933
	CaptureChatters   = 1208
	CaptureChannel    = "xqcow"
)

var capture struct {
	once  sync.Once
	path  string
	lines []string
	err   error
}

// CapturePath returns the path of the real 5,000-line Twitch chat capture
// (#xqcow, 2019) that the go-twitch-irc module ships in
// test_resources/channel.txt.gz. It asks the go command where the module
// is, so it works from any package of this module with the module
// downloaded (go mod download).
func CapturePath() (string, error) {
	load()
	return capture.path, capture.err
}

// CaptureLines returns the capture's raw IRC lines, in order.
func CaptureLines() ([]string, error) {
	load()
	return capture.lines, capture.err
}

func load() {
	capture.once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", CaptureModule).Output()
		if err != nil {
			capture.err = fmt.Errorf("twitchtest: cannot locate %s (run go mod download): %w", CaptureModule, err)
			return
		}
		capture.path = filepath.Join(strings.TrimSpace(string(out)), "test_resources", "channel.txt.gz")
		capture.lines, capture.err = readGzipLines(capture.path)
	})
}

func readGzipLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("twitchtest: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("twitchtest: %s: %w", path, err)
	}
	defer gz.Close()
	var lines []string
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
			lines = append(lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("twitchtest: %s: %w", path, err)
	}
	return lines, nil
}
