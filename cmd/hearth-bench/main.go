// Command hearth-bench measures Hearth from outside, against peers, in one
// run: it builds `hearth serve`, starts it as its own process pointed at
// the fake Twitch of stream/twitchtest on loopback, feeds it a firehose
// made from the real chat capture, and reads its CPU and memory from /proc
// and what it stored from its database. The same firehose goes, in the same
// run, to bare go-twitch-irc clients that only count (the ceiling the chat
// library allows) and to a Node.js counter on @twurple/chat (bench/peers).
//
// Usage, from the repository root:
//
//	go run ./cmd/hearth-bench [flags]           the full bench; see -help
//	go run ./cmd/hearth-bench --short           a few seconds, for CI
//
// Nothing is asserted: the program reports figures, as a table or as JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hearthlive/hearth/internal/redact"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// options are the bench's flags.
type options struct {
	hearthBin      string
	db             string
	reps           int
	variants       int
	channels       int
	rounds         int
	peers          string
	hearthConns    []int
	viewers        []int
	viewersTimeout time.Duration
	overlayClients []int
	overlayRate    int
	overlayFor     time.Duration
	overlayProfile string
	viewersProfile string
	cpuProfile     string
	soak           time.Duration
	soakRate       int
	profileFor     time.Duration
	short          bool
	jsonOut        bool
	keep           bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("hearth-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.hearthBin, "hearth", "", "hearth binary to measure; empty builds ./cmd/hearth into a temporary directory")
	fs.StringVar(&o.db, "db", "sqlite", `"sqlite" (a fresh file per run) or a postgres:// URL of a database the bench may write to (channels are named per run and removed at its end)`)
	fs.IntVar(&o.reps, "reps", 40, "firehose size: how many times the 5,000-line capture is repeated")
	fs.IntVar(&o.variants, "variants", 8, "distinct viewers per capture chatter (about 1,208 × variants viewers)")
	fs.IntVar(&o.channels, "channels", 16, "channels the firehose is spread over")
	fs.IntVar(&o.rounds, "rounds", 1, "passes of the ingest comparison, peers and Hearth interleaved")
	fs.StringVar(&o.peers, "peers", "irc1,irc2,twurple", "peers run on the same firehose: irc1, irc2 (go-twitch-irc on one and two connections), twurple; empty for none")
	hearthConns := fs.String("hearth-connections", "1,2", "chat connections of each Hearth measured on the firehose (chat.connections), comma-separated")
	viewers := fs.String("viewers", "10000,100000,1000000", "known-viewer counts for the memory, start-up and flush figures, smallest first (the cost per viewer of each is compared with the first); empty skips them")
	fs.DurationVar(&o.viewersTimeout, "viewers-timeout", 10*time.Minute, "give up feeding one viewer count after this long and report what was reached")
	overlay := fs.String("overlay-clients", "100,1000,10000", "overlay WebSocket clients for the latency figures; empty skips them")
	fs.IntVar(&o.overlayRate, "overlay-rate", 2000, "chat messages per second flowing while overlay latency is measured")
	fs.DurationVar(&o.overlayFor, "overlay-duration", 10*time.Second, "how long latency is measured at each client count")
	fs.StringVar(&o.overlayProfile, "overlay-cpuprofile", "", "write a CPU profile of hearth while latency is measured at the largest overlay client count to this file")
	fs.StringVar(&o.viewersProfile, "viewers-cpuprofile", "", "write a CPU profile of hearth, taken once half of the largest viewer count is stored, to this file")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of hearth under the firehose to this file (needs /debug/pprof)")
	fs.DurationVar(&o.profileFor, "profile-duration", 10*time.Second, "length of the CPU profile; the firehose is repeated to fill it")
	fs.DurationVar(&o.soak, "soak", 0, "also feed hearth steady chat this long and report goroutines and memory at each tenth; 0 skips it")
	fs.IntVar(&o.soakRate, "soak-rate", 1000, "chat messages per second during the soak")
	fs.BoolVar(&o.short, "short", false, "a few seconds of everything, for CI: small firehose, 2,000 viewers, 10 overlay clients")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON instead of a table")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (databases, hearth's logs) and, on PostgreSQL, the run's channels")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.hearthConns, err = intList(*hearthConns); err != nil || len(o.hearthConns) == 0 {
		return o, fmt.Errorf("--hearth-connections: want one or more counts, like 1,2 (%v)", err)
	}
	if o.viewers, err = intList(*viewers); err != nil {
		return o, fmt.Errorf("--viewers: %w", err)
	}
	if o.overlayClients, err = intList(*overlay); err != nil {
		return o, fmt.Errorf("--overlay-clients: %w", err)
	}
	if o.short {
		o.reps, o.variants, o.channels = 2, 2, 4
		o.viewers = []int{2000}
		o.viewersTimeout = time.Minute
		o.overlayClients = []int{10}
		o.overlayRate = 200
		o.overlayFor = 2 * time.Second
		o.soak, o.soakRate = 3*time.Second, 200
	}
	if o.reps < 1 || o.variants < 1 || o.channels < 1 || o.rounds < 1 {
		return o, errors.New("--reps, --variants, --channels and --rounds must be at least 1")
	}
	return o, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(strings.ReplaceAll(f, "_", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "peer-irc" {
		if err := runGoPeer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "hearth-bench peer-irc:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "hearth-bench:", err)
		os.Exit(1)
	}
}

// report is everything one run measured.
type report struct {
	Command  string          `json:"command"`
	Source   string          `json:"source"` // git describe of the tree measured; -dirty when it had uncommitted changes
	Started  time.Time       `json:"started"`
	Machine  machine         `json:"machine"`
	Database string          `json:"database"`
	Firehose firehoseInfo    `json:"firehose"`
	Ingest   []ingestResult  `json:"ingest"`
	Ratios   []ratio         `json:"ratios"`
	Viewers  []viewersResult `json:"viewers"`
	Overlay  []overlayResult `json:"overlay"`
	Soak     *soakResult     `json:"soak,omitempty"`
	Profile  string          `json:"cpu_profile,omitempty"`
	Notes    []string        `json:"notes,omitempty"`
	Seconds  float64         `json:"seconds"`
}

type firehoseInfo struct {
	Lines    int `json:"lines"`
	Messages int `json:"chat_messages"`
	Viewers  int `json:"viewers"`
	Channels int `json:"channels"`
}

// ratio is Hearth's ingest rate over a peer's, in one round.
type ratio struct {
	Round  int     `json:"round"`
	Hearth string  `json:"hearth"`
	Peer   string  `json:"peer"`
	Ratio  float64 `json:"hearth_over_peer"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	rep := report{Command: "hearth-bench " + strings.Join(args, " "), Started: time.Now().UTC(), Machine: describeMachine()}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil && o.hearthBin == "" {
		rep.Source = strings.TrimSpace(string(out))
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	dir, err := os.MkdirTemp("", "hearth-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		logf("keeping %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	bin := o.hearthBin
	if bin == "" {
		bin = filepath.Join(dir, "hearth")
		logf("building ./cmd/hearth")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/hearth")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/hearth (run from the repository root): %w", err)
		}
	}
	peersDir, err := filepath.Abs(filepath.Join("bench", "peers"))
	if err != nil {
		return err
	}
	raw, err := twitchtest.CaptureLines()
	if err != nil {
		return err
	}
	capture := parseCapture(raw)
	runID := strconv.FormatInt(time.Now().Unix()%1e7, 36)
	pg := strings.HasPrefix(o.db, "postgres://") || strings.HasPrefix(o.db, "postgresql://")
	rep.Database = "sqlite"
	if pg {
		rep.Database = "postgresql"
		// Every channel of the run is named "hb" + runID + ...: remove them
		// (and, by cascade, all they hold) when the run ends, unless kept.
		defer func() {
			if o.keep {
				logf("keeping the run's channels (hb%s...) in %s", runID, redact.URL(o.db))
				return
			}
			if n, err := removeChannels(o.db, "hb"+runID); err != nil {
				logf("could not remove the run's channels (hb%s...) from the database: %v", runID, err)
			} else {
				logf("removed the run's %d channels (hb%s...) from the database", n, runID)
			}
		}()
	}
	dbSeq := 0
	newDB := func() string {
		dbSeq++
		if pg {
			return o.db
		}
		return "sqlite://" + filepath.Join(dir, fmt.Sprintf("bench-%d.db", dbSeq))
	}
	start := time.Now()

	// Ingest: every subject gets the same firehose, rounds interleaved.
	channels := channelNames("hb"+runID+"i", o.channels)
	fh := buildFirehose(capture, o.reps, o.variants, channels, "f", time.Now())
	rep.Firehose = firehoseInfo{Lines: fh.total, Messages: fh.privmsgs, Viewers: fh.viewers, Channels: len(channels)}
	logf("firehose: %d lines, %d chat messages from %d viewers over %d channels", fh.total, fh.privmsgs, fh.viewers, len(channels))
	for round := 1; round <= o.rounds; round++ {
		var subjects []subject
		for _, p := range strings.Split(o.peers, ",") {
			switch strings.TrimSpace(p) {
			case "":
			case "irc1":
				subjects = append(subjects, goPeerSubject("go-twitch-irc, 1 connection", 1))
			case "irc2":
				subjects = append(subjects, goPeerSubject("go-twitch-irc, 2 connections", 2))
			case "twurple":
				subjects = append(subjects, twurpleSubject(peersDir))
			default:
				return fmt.Errorf("--peers: unknown peer %q", p)
			}
		}
		for _, n := range o.hearthConns {
			subjects = append(subjects, hearthSubject(bin, dir, newDB(), "hb"+runID+"i", n))
		}
		var results []ingestResult
		for _, s := range subjects {
			logf("round %d: %s", round, s.name)
			r, err := runIngest(ctx, s, fh, round)
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				r.Skipped = err.Error()
				logf("  %v", err)
			} else {
				logf("  %.0f messages/s, %d lost", r.MsgPerSec, r.Lost)
			}
			results = append(results, r)
		}
		for i, h := range results {
			if !subjects[i].hearth || h.Skipped != "" {
				continue
			}
			for j, r := range results {
				if !subjects[j].hearth && r.Skipped == "" && r.MsgPerSec > 0 {
					rep.Ratios = append(rep.Ratios, ratio{Round: round, Hearth: h.Subject, Peer: r.Subject, Ratio: h.MsgPerSec / r.MsgPerSec})
				}
			}
		}
		rep.Ingest = append(rep.Ingest, results...)
	}

	if o.cpuProfile != "" {
		if err := profileIngest(ctx, bin, dir, newDB(), capture, o, runID, logf); err != nil {
			rep.Notes = append(rep.Notes, "cpu profile: "+err.Error())
			logf("cpu profile: %v", err)
		} else {
			rep.Profile = o.cpuProfile
		}
	}

	for _, n := range o.viewers {
		logf("viewers: %d", n)
		r, err := runViewers(ctx, bin, dir, newDB(), capture, n, o, fmt.Sprintf("hb%sv%d", runID, n), logf)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			r.Skipped = err.Error()
			logf("  %v", err)
		}
		rep.Viewers = append(rep.Viewers, r)
	}

	if len(o.overlayClients) > 0 {
		rs, err := runOverlay(ctx, bin, dir, newDB(), capture, o, "hb"+runID+"o", logf)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			rep.Notes = append(rep.Notes, "overlay: "+err.Error())
			logf("overlay: %v", err)
		}
		rep.Overlay = rs
	}
	if o.soak > 0 {
		logf("soak: %s at %d messages/s", o.soak, o.soakRate)
		r, err := runSoak(ctx, bin, dir, newDB(), capture, o, "hb"+runID+"s", logf)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			r.Skipped = err.Error()
			logf("soak: %v", err)
		}
		rep.Soak = &r
	}
	rep.Seconds = time.Since(start).Seconds()

	if o.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	writeTable(stdout, rep)
	return nil
}
