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
//	hearth report           write one stream's recap as Markdown, JSON or HTML
//	hearth backup FILE      copy a SQLite database while hearth runs
//	hearth forget           delete one viewer's data from a channel
//	hearth auth login       sign the bot (--bot) or a broadcaster (--channel NAME) in to Twitch
//	hearth auth status      list who is signed in, with scopes and expiry
//	hearth healthcheck      exit 0 if a running hearth answers /healthz
//	hearth version          print the version
//	hearth help [COMMAND]   print the commands, or one command's flags
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// cli is hearth's command line: every command, its arguments, the
// configuration keys it takes and what it runs.
var cli = &command{
	name:  "hearth",
	about: "Hearth: a self-hosted community companion for Twitch streamers.",
	subcommands: []*command{
		{name: "serve", summary: "join real Twitch chat and serve overlays, API and /metrics",
			keys: allKeys(), setup: plain(runServe)},
		{name: "demo", summary: "run everything against a fake Twitch with a simulated audience",
			about: "Run the whole service against a fake Twitch chat on loopback with a simulated\n" +
				"audience, and print the URLs of the overlays and /metrics. Without --db it\n" +
				"writes to a fresh SQLite file in a temporary directory.",
			keys:  append([]string{"http_addr", "database_url", "admin_token", "log_level", "log_format", "shutdown_timeout", "store.flush_interval", "store.flush_size", "overlays.max_connections"}, ruleKeys()...),
			setup: demoCommand},
		{name: "replay", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "feed a recorded Twitch IRC log (plain or .gz) through the pipeline",
			about: "Feed a recorded raw Twitch IRC log (one line per message, plain or gzip)\n" +
				"through a fake chat server into the real pipeline, and print a summary.\n" +
				"Without --db it writes to a fresh temporary database and says where; a --db\n" +
				"that already holds data for a replayed channel is refused unless --append.",
			keys:  append([]string{"log_level", "log_format", "store.flush_interval", "store.flush_size"}, ruleKeys()...),
			setup: replayCommand},
		{name: "export", summary: "write one channel's viewers as JSON or CSV",
			keys:  []string{"database_url", "bot.username", "bots", "ranks.by", "ranks.ladder", "streams.streak_grace_every"},
			setup: exportCommand},
		{name: "report", summary: "write one stream's recap as a one-page Markdown, JSON or HTML document",
			about: "Write a stream's recap (the latest, or --stream N) as a document a community\n" +
				"manager can send: --format md, json or html (one page that works offline,\n" +
				"with a chart of the activity per minute).",
			keys:  []string{"database_url"},
			setup: reportCommand},
		{name: "backup", args: "FILE", minArgs: 1, maxArgs: 1,
			summary: "copy a SQLite database while hearth runs",
			keys:    []string{"database_url"}, setup: plain(runBackup)},
		{name: "forget", summary: "delete one viewer's data from a channel",
			keys: []string{"database_url"}, setup: forgetCommand},
		{name: "healthcheck", summary: "exit 0 if a running hearth answers /healthz (for containers)",
			keys: []string{"http_addr"}, setup: plain(runHealthcheck)},
		authCommand(),
		{name: "version", summary: "print the version", setup: plain(runVersion)},
		{name: "help", args: "[COMMAND]", maxArgs: 2, summary: "print the commands, or one command's flags and arguments",
			setup: plain(runHelp)},
	},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run runs the command args name. It is main without the process: tests
// call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	return execute(ctx, cli, args, stdout, stderr, getenv)
}

// exitCode reports err on stderr and returns the process's exit status:
// 0 without an error, 2 for a mistake in the command line (with a hint to
// the command's help), 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	var usage *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "hearth: %s\n%s\n", usage.msg, usage.hint())
		return 2
	default:
		fmt.Fprintln(stderr, "hearth:", err)
		return 1
	}
}
