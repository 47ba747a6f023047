package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/report"
)

// reportCommand registers report's own flags.
func reportCommand(fs *flag.FlagSet) runFunc {
	var o reportOptions
	fs.StringVar(&o.channel, "channel", "", "channel to report on (required)")
	fs.Int64Var(&o.stream, "stream", 0, "stream number to report on; 0 is the latest")
	fs.StringVar(&o.format, "format", "md", "md, json or html")
	fs.StringVar(&o.out, "out", "", "write to this file instead of standard output")
	return func(ctx context.Context, inv *invocation) error { return runReport(ctx, inv, o) }
}

// reportOptions are report's own flags.
type reportOptions struct {
	channel, format, out string
	stream               int64
}

func runReport(ctx context.Context, inv *invocation, o reportOptions) error {
	cfg := inv.cfg
	ch := hearth.NormalizeChannel(o.channel)
	if ch == "" {
		return &usageError{path: "report", msg: fmt.Sprintf("--channel is required and must be a Twitch channel name, got %q", o.channel)}
	}
	if !slices.Contains(report.Formats, o.format) {
		return &usageError{path: "report", msg: fmt.Sprintf("--format must be %s, got %q", strings.Join(report.Formats, ", "), o.format)}
	}
	if o.stream < 0 {
		return &usageError{path: "report", msg: fmt.Sprintf("--stream must be a stream number (1 or more), got %d", o.stream)}
	}
	db, err := openForChannel(ctx, cfg.DatabaseURL, ch)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := pickRecap(ctx, db, ch, o.stream)
	if err != nil {
		return err
	}
	later, err := db.Recaps(ctx, ch, r.Seq+report.LaterStreams+1, report.LaterStreams)
	if err != nil {
		return err
	}
	doc := report.New(r, time.Now())
	doc.Follow(later)
	// Rendered whole before anything is written, so that a failure leaves
	// no half a document behind.
	var buf bytes.Buffer
	if err := report.Write(&buf, o.format, doc); err != nil {
		return err
	}
	if o.out == "" {
		_, err := inv.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(o.out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(inv.stderr, "wrote the report of #%s stream %d to %s\n", ch, r.Seq, o.out)
	return nil
}

// pickRecap returns stream seq's recap, or the latest for 0, with an error
// that says which streams there are when it is missing.
func pickRecap(ctx context.Context, db hearth.Store, channel string, seq int64) (hearth.StreamRecap, error) {
	latest, err := db.Recaps(ctx, channel, 0, 1)
	if err != nil {
		return hearth.StreamRecap{}, err
	}
	if len(latest) == 0 {
		return hearth.StreamRecap{}, fmt.Errorf("#%s has no stream recap yet: recaps are kept from the first stream Hearth sees live", channel)
	}
	if seq == 0 {
		return latest[0], nil
	}
	r, err := db.Recap(ctx, channel, seq)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return r, fmt.Errorf("#%s has no recap of stream %d; the latest is stream %d", channel, seq, latest[0].Seq)
	}
	return r, err
}
