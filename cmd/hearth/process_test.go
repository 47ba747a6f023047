package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearthlive/hearth/internal/browsertest"
)

// hearthBin is the real binary, built once by TestMain.
var hearthBin string

// TestMain builds the binary once for every test of the run, and runs the
// tests with one Chromium for those that look through a browser.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hearth-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hearthBin = filepath.Join(dir, "hearth")
	build := exec.Command("go", "build", "-o", hearthBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building hearth:", err)
		os.Exit(1)
	}
	code := browsertest.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running program (hearth, Prometheus) whose output is kept and
// can be waited on line by line.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error

	mu    sync.Mutex
	lines []string
	cond  *sync.Cond
}

// startHearth runs the binary with args and extra environment (on top of
// a clean one: no HEARTH_* from the developer's shell leaks in).
func startHearth(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(hearthBin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return startProcess(t, "hearth "+strings.Join(args, " "), cmd)
}

// startProcess starts cmd, keeps its output line by line, kills it when
// the test ends if it still runs, and logs its output if the test failed.
func startProcess(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				p.mu.Lock()
				p.lines = append(p.lines, sc.Text())
				p.cond.Broadcast()
				p.mu.Unlock()
			}
		}()
	}
	go func() {
		readers.Wait()
		p.err = cmd.Wait()
		p.mu.Lock()
		close(p.done)
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.output())
		}
	})
	return p
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// baseURL waits up to 10 s for the line that gives the overlays' URL and
// returns the scheme and host it is served at.
func (p *proc) baseURL(t *testing.T) string {
	t.Helper()
	return p.waitLine(t, `url="?(http://[^/\s"]+)/overlays/`, 10*time.Second)[1]
}

// waitLine waits for an output line matching re and returns its submatches.
func (p *proc) waitLine(t *testing.T, re string, timeout time.Duration) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := 0; ; {
		for ; i < len(p.lines); i++ {
			if m := rx.FindStringSubmatch(p.lines[i]); m != nil {
				return m
			}
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before printing a line matching %q", p.name, p.err, re)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line matching %q within %v", re, timeout)
		}
		p.cond.Wait()
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not stop within 20s of SIGTERM", p.name)
	}
	if p.err != nil {
		t.Fatalf("%s exited with %v", p.name, p.err)
	}
}

// runHearth runs the binary to completion, fails the test unless it exits
// 0, and returns its stdout.
func runHearth(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	stdout, stderr, code := runAuth(t, env, args...)
	if code != 0 {
		t.Fatalf("hearth %s: exit status %d\nstderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// metricValue scrapes url and returns the value of one series, given as
// it appears in the exposition format (name{labels}).
func metricValue(t *testing.T, url, series string) float64 {
	t.Helper()
	b := httpGet(t, url)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("series %s not in %s", series, url)
	return 0
}
