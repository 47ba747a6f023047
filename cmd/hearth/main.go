// Command hearth runs Hearth, a community companion for Twitch streamers:
// it joins chat, rewards participation with loyalty points, drives OBS
// overlays live and exports engagement metrics to Prometheus.
//
// Usage:
//
//	hearth serve            join real Twitch chat (config: hearth.yaml, HEARTH_* env, flags)
//	hearth demo             everything in-process against a fake Twitch with a simulated audience
//	hearth replay FILE      feed a recorded Twitch IRC log through the real pipeline
//	hearth export           write a channel's viewers as JSON or CSV
//	hearth backup FILE      copy a SQLite database while hearth runs
//	hearth forget           delete one viewer's data from a channel
//	hearth version          print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Hearth: a self-hosted community companion for Twitch streamers.

Usage:
  hearth <command> [flags]

Commands:
  serve     join real Twitch chat and serve overlays, API and /metrics
  demo      run everything against a fake Twitch with a simulated audience
  replay    feed a recorded Twitch IRC log (plain or .gz) through the pipeline
  export    write one channel's viewers as JSON or CSV
  backup    copy a SQLite database while hearth runs
  forget    delete one viewer's data from a channel
  healthcheck  exit 0 if a running hearth answers /healthz (for containers)
  version   print the version

Run "hearth <command> -h" for a command's flags. Every flag also has a
HEARTH_* environment variable and a key in hearth.yaml; see the README.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "hearth:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand. It is main without the process: tests
// call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr, getenv)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr, getenv)
	case "replay":
		return runReplay(ctx, rest, stdout, stderr, getenv)
	case "export":
		return runExport(ctx, rest, stdout, stderr, getenv)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr, getenv)
	case "forget":
		return runForget(ctx, rest, stdout, stderr, getenv)
	case "healthcheck":
		return runHealthcheck(ctx, rest, stdout, stderr, getenv)
	case "version", "--version", "-version":
		return runVersion(stdout)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newFlagSet returns a flag set whose -h prints a usage line and the flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hearth %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
