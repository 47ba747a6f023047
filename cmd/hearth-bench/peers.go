package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"
)

// peerCount is what a peer process answers on stdout to each line on its
// stdin: the chat messages it has counted so far, and for how many viewers.
type peerCount struct {
	Messages int64 `json:"messages"`
	Viewers  int64 `json:"viewers"`
}

// peerProc is a counting peer running as its own process, so its CPU and
// memory are its own. It speaks the count protocol on stdin and stdout.
type peerProc struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	mu     sync.Mutex
	exited chan error
	stderr strings.Builder
}

func startPeer(name string, args ...string) (*peerProc, error) {
	p := &peerProc{cmd: exec.Command(name, args...), exited: make(chan error, 1)}
	p.cmd.Stderr = &p.stderr
	var err error
	if p.in, err = p.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.out = bufio.NewReader(out)
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.exited <- p.cmd.Wait() }()
	return p, nil
}

func (p *peerProc) pid() int { return p.cmd.Process.Pid }

func (p *peerProc) count() (peerCount, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var c peerCount
	if _, err := io.WriteString(p.in, "count\n"); err != nil {
		return c, fmt.Errorf("peer: %w (stderr: %s)", err, p.stderr.String())
	}
	line, err := p.out.ReadString('\n')
	if err != nil {
		return c, fmt.Errorf("peer: %w (stderr: %s)", err, p.stderr.String())
	}
	return c, json.Unmarshal([]byte(line), &c)
}

func (p *peerProc) stop() {
	_ = p.in.Close()
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// startGoPeer runs this program's peer-irc mode: go-twitch-irc clients that
// only count, channels spread over conns connections.
func startGoPeer(addr string, channels []string, conns int) (*peerProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return startPeer(self, "peer-irc", "--addr", addr, "--channels", strings.Join(channels, ","), "--connections", strconv.Itoa(conns))
}

// startTwurplePeer runs bench/peers/twurple-count.mjs, installing its
// locked dependencies with npm ci first when they are missing.
func startTwurplePeer(peersDir string, channels []string) (*peerProc, error) {
	if _, err := os.Stat(filepath.Join(peersDir, "node_modules", "@twurple", "chat")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = peersDir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("npm ci in %s: %v: %s", peersDir, err, out)
		}
	}
	return startPeer("node", filepath.Join(peersDir, "twurple-count.mjs"), strings.Join(channels, ","))
}

// runGoPeer is the peer-irc mode: anonymous go-twitch-irc clients that
// count PRIVMSGs (actions included) and nothing else.
func runGoPeer(args []string) error {
	fs := flag.NewFlagSet("peer-irc", flag.ContinueOnError)
	addr := fs.String("addr", "", "chat server host:port")
	list := fs.String("channels", "", "channels, comma-separated")
	conns := fs.Int("connections", 1, "chat connections; channels are spread over them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	channels := strings.Split(*list, ",")
	var n atomic.Int64
	for i := 0; i < *conns; i++ {
		var mine []string
		for j, ch := range channels {
			if j%*conns == i {
				mine = append(mine, ch)
			}
		}
		c := twitch.NewAnonymousClient()
		c.IrcAddress = *addr
		c.TLS = false
		c.OnPrivateMessage(func(twitch.PrivateMessage) { n.Add(1) })
		c.Join(mine...)
		go func() { _ = c.Connect() }()
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		b, _ := json.Marshal(peerCount{Messages: n.Load()})
		fmt.Println(string(b))
	}
	return nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
