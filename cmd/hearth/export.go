package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/internal/redact"
)

// exportCommand registers export's own flags.
func exportCommand(fs *flag.FlagSet) runFunc {
	var o exportOptions
	fs.StringVar(&o.channel, "channel", "", "channel to export (required)")
	fs.StringVar(&o.format, "format", "json", "json or csv")
	fs.StringVar(&o.out, "out", "", "write to this file instead of standard output")
	fs.BoolVar(&o.polls, "polls", false, "export the channel's polls, newest first, instead of its viewers")
	fs.BoolVar(&o.audit, "audit", false, "export the channel's audit log (changes made through the console and the API), newest first, instead of its viewers")
	return func(ctx context.Context, inv *invocation) error { return runExport(ctx, inv, o) }
}

// exportOptions are export's own flags.
type exportOptions struct {
	channel, format, out string
	polls, audit         bool
}

func runExport(ctx context.Context, inv *invocation, o exportOptions) error {
	cfg := inv.cfg
	ch := hearth.NormalizeChannel(o.channel)
	if ch == "" {
		return &usageError{path: "export", msg: fmt.Sprintf("--channel is required and must be a Twitch channel name, got %q", o.channel)}
	}
	if o.format != "json" && o.format != "csv" {
		return &usageError{path: "export", msg: fmt.Sprintf("--format must be json or csv, got %q", o.format)}
	}
	if o.polls && o.audit {
		return &usageError{path: "export", msg: "--polls and --audit each export something else: give one"}
	}
	db, err := openForChannel(ctx, cfg.DatabaseURL, ch)
	if err != nil {
		return err
	}
	defer db.Close()
	vs, err := db.Viewers(ctx, ch)
	if err != nil {
		return err
	}
	w := inv.stdout
	if o.out != "" {
		f, err := os.OpenFile(o.out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if o.polls {
		return exportPolls(ctx, inv, db, ch, o, w)
	}
	if o.audit {
		return exportAudit(ctx, inv, db, ch, o, w)
	}
	rules, err := cfg.RulesFor(ch)
	if err != nil {
		return err
	}
	st := community.Standing{Channel: ch, Rules: rules}
	last, err := db.Streams(ctx, ch, 1)
	if err != nil {
		return err
	}
	if len(last) > 0 {
		st.Last = &last[0]
	}
	if err := export.Write(w, o.format, vs, st); err != nil {
		return err
	}
	if o.out != "" {
		fmt.Fprintf(inv.stderr, "exported %d viewers of #%s to %s\n", len(vs), ch, o.out)
	}
	return nil
}

// openForChannel opens the existing database at dbURL to read channel
// from, refusing a missing SQLite file or a channel the database has never
// seen. The caller closes the store.
func openForChannel(ctx context.Context, dbURL, channel string) (hearth.Store, error) {
	if err := mustExist(dbURL); err != nil {
		return nil, err
	}
	db, err := openStore(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	if err := knownChannel(ctx, db, dbURL, channel); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// knownChannel refuses a channel the database has never seen, naming the
// ones it has, rather than export nothing.
func knownChannel(ctx context.Context, db hearth.Store, dbURL, channel string) error {
	chans, err := db.Channels(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(chans))
	for _, c := range chans {
		if c.Name == channel {
			return nil
		}
		names = append(names, c.Name)
	}
	known := "it holds no channels"
	if len(names) > 0 {
		known = "it knows " + strings.Join(names, ", ")
	}
	return fmt.Errorf("channel %s is unknown in %s (%s)", channel, redact.URL(dbURL), known)
}

// mustExist refuses to read from a SQLite file that is not there, rather
// than create an empty database and export nothing.
func mustExist(dbURL string) error {
	if err := checkDatabaseURL(dbURL); err != nil || isPostgres(dbURL) {
		return err
	}
	path := sqlitePath(dbURL)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s: pass --db or set HEARTH_DATABASE_URL", path)
	}
	return nil
}
