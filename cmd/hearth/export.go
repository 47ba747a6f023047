package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/export"
)

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("export", "export --channel NAME [--format json|csv] [--db URL] [--out FILE]", stderr)
	load := configFlags(fs)
	channel := fs.String("channel", "", "channel to export (required)")
	format := fs.String("format", "json", "json or csv")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export takes no arguments, got %q", fs.Args())
	}
	var cfg Config
	if err := load(&cfg, getenv); err != nil {
		return err
	}
	ch := hearth.NormalizeChannel(*channel)
	if ch == "" {
		fs.Usage()
		return fmt.Errorf("--channel is required and must be a Twitch channel name, got %q", *channel)
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("--format must be json or csv, got %q", *format)
	}
	if err := mustExist(cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	vs, err := db.Viewers(ctx, ch)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
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
	if err := export.Write(w, *format, vs, st); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(stderr, "exported %d viewers of #%s to %s\n", len(vs), ch, *out)
	}
	return nil
}

// mustExist refuses to read from a SQLite file that is not there, rather
// than create an empty database and export nothing.
func mustExist(dbURL string) error {
	if isPostgres(dbURL) {
		return nil
	}
	path := sqlitePath(dbURL)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s: pass --db or set HEARTH_DATABASE_URL", path)
	}
	return nil
}
