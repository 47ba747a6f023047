package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
)

// command is one entry of the command line: what it is called, what it
// accepts and what it runs. A command with subcommands (hearth auth
// login) only dispatches to them.
type command struct {
	name    string
	args    string // its positional arguments as the synopsis writes them, such as "FILE"
	summary string // one line for the list of commands
	about   string // more text for its help, if any
	// keys are the configuration keys, by YAML name, that it takes as
	// flags; hearth.yaml and HEARTH_* variables set every key.
	keys             []string
	minArgs, maxArgs int
	// setup registers the command's own flags and returns what runs it.
	setup       func(fs *flag.FlagSet) runFunc
	subcommands []*command
}

// runFunc runs a command once its flags and configuration are read.
type runFunc func(ctx context.Context, inv *invocation) error

// invocation is one run of a command: its positional arguments, its
// configuration and where it writes.
type invocation struct {
	args           []string
	cfg            Config
	stdout, stderr io.Writer
	root           *command
}

// logger returns the process logger the configuration asks for.
func (inv *invocation) logger() *slog.Logger { return newLogger(inv.cfg, inv.stderr) }

// usageError is a mistake in the command line. The process exits with
// status 2 and points to the command's help.
type usageError struct {
	path string // the command as typed after "hearth", such as "replay"; empty for hearth itself
	msg  string
}

func (e *usageError) Error() string { return e.msg }

// hint tells where the help for the command is.
func (e *usageError) hint() string {
	if e.path == "" {
		return `run "hearth help" for the commands`
	}
	return fmt.Sprintf("run \"hearth help %s\" for usage", e.path)
}

// execute finds the command args name under root, reads its flags (in any
// order among its positional arguments; "--" ends them) and its
// configuration, and runs it. Help goes to stdout and is no error.
func execute(ctx context.Context, root *command, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	path := []*command{root}
	cmd := root
	for len(cmd.subcommands) > 0 {
		if len(args) == 0 {
			if cmd == root {
				fmt.Fprint(stderr, helpText(path))
				return &usageError{msg: "no command given"}
			}
			return &usageError{path: pathName(path), msg: fmt.Sprintf("%s needs a subcommand: %s", pathName(path), strings.Join(names(cmd.subcommands), ", "))}
		}
		if isHelpFlag(args[0]) {
			fmt.Fprint(stdout, helpText(path))
			return nil
		}
		word := args[0]
		if cmd == root && (word == "--version" || word == "-version") {
			word = "version"
		}
		if strings.HasPrefix(word, "-") && word != "version" {
			args = commandFirst(cmd, args)
			word = args[0]
		}
		sub := cmd.find(word)
		if sub == nil {
			return unknownCommand(path, word)
		}
		path = append(path, sub)
		cmd, args = sub, args[1:]
	}

	fs, run, load := flagSet(cmd)
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, helpText(path))
		return nil
	}
	name := pathName(path)
	if err != nil {
		return &usageError{path: name, msg: flagError(name, fs, err)}
	}
	if len(positional) < cmd.minArgs || len(positional) > cmd.maxArgs {
		return &usageError{path: name, msg: argCountError(name, cmd, positional)}
	}
	inv := &invocation{args: positional, stdout: stdout, stderr: stderr, root: root}
	if load != nil {
		if inv.cfg, err = load(getenv); err != nil {
			return err
		}
	} else {
		inv.cfg = defaultConfig()
	}
	return run(ctx, inv)
}

// flagSet returns a leaf command's flags, what runs it, and the loader of
// its configuration (nil if it takes none).
func flagSet(cmd *command) (*flag.FlagSet, runFunc, func(func(string) string) (Config, error)) {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	run := cmd.setup(fs)
	var load func(func(string) string) (Config, error)
	if len(cmd.keys) > 0 {
		load = configFlags(fs, cmd.keys)
	}
	return fs, run, load
}

// parseInterleaved parses flags wherever they stand among the positional
// arguments, which it returns in order. "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func argCountError(name string, cmd *command, got []string) string {
	switch {
	case cmd.maxArgs == 0:
		return fmt.Sprintf("%s takes no arguments, got %s", name, strings.Join(quoteAll(got), " "))
	case len(got) == 0:
		return fmt.Sprintf("%s needs %s", name, cmd.args)
	default:
		return fmt.Sprintf("%s takes %s, got %d arguments: %s", name, cmd.args, len(got), strings.Join(quoteAll(got), " "))
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func isHelpFlag(s string) bool {
	switch s {
	case "-h", "--help", "-help":
		return true
	}
	return false
}

func (c *command) find(name string) *command {
	for _, sub := range c.subcommands {
		if sub.name == name {
			return sub
		}
	}
	return nil
}

func names(cmds []*command) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.name
	}
	return out
}

// pathName is a command as typed after "hearth": "replay", "auth login".
func pathName(path []*command) string {
	parts := make([]string, 0, len(path))
	for _, c := range path[1:] {
		parts = append(parts, c.name)
	}
	return strings.Join(parts, " ")
}

// commandFirst moves the command word to the front when flags come before
// it, as in "hearth --db x.db demo", so that flags may stand anywhere. The
// command is the first word that names one and is not a flag's value.
func commandFirst(cmd *command, args []string) []string {
	for i := 1; i < len(args); i++ {
		if args[i] == "--" {
			break
		}
		sub := cmd.find(args[i])
		if sub == nil || takesValue(sub, args[i-1]) {
			continue
		}
		out := make([]string, 0, len(args))
		out = append(out, args[i])
		out = append(out, args[:i]...)
		return append(out, args[i+1:]...)
	}
	return args
}

// takesValue reports whether arg is a flag of sub that reads the next
// word as its value: a known flag that is not boolean, without "=".
func takesValue(sub *command, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if name == arg || strings.Contains(name, "=") || len(sub.subcommands) > 0 {
		return false
	}
	fs, _, _ := flagSet(sub)
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

// unknownCommand names the closest command, if one is close.
func unknownCommand(path []*command, name string) error {
	if strings.HasPrefix(name, "-") {
		return &usageError{path: pathName(path), msg: fmt.Sprintf("%q is not a command: name one (%s), with its flags before or after it", name, strings.Join(names(path[len(path)-1].subcommands), ", "))}
	}
	msg := fmt.Sprintf("unknown command %q", strings.TrimSpace(pathName(path)+" "+name))
	if best := closest(name, names(path[len(path)-1].subcommands)); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", strings.TrimSpace(pathName(path)+" "+best))
	}
	return &usageError{path: pathName(path), msg: msg}
}

// flagError words a flag parsing error, naming the closest flag the command
// has when the flag given is unknown.
func flagError(name string, fs *flag.FlagSet, err error) string {
	bad, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return name + ": " + err.Error()
	}
	var flags []string
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
	msg := fmt.Sprintf("%s: unknown flag --%s", name, bad)
	if best := closest(bad, flags); best != "" {
		msg += fmt.Sprintf("; did you mean --%s?", best)
	}
	return msg
}

// closest returns the candidate nearest to name (a prefix counts as near),
// or "" when none is within two edits.
func closest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(name, c)
		if len(name) >= 2 && strings.HasPrefix(c, name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// lookup finds the command that words name under root ("auth", "login").
func lookup(root *command, words []string) ([]*command, error) {
	path := []*command{root}
	for _, w := range words {
		sub := path[len(path)-1].find(w)
		if sub == nil {
			return nil, unknownCommand(path, w)
		}
		path = append(path, sub)
	}
	return path, nil
}

// helpText is a command's help: its synopsis, what it does, and its
// subcommands or its flags.
func helpText(path []*command) string {
	cmd := path[len(path)-1]
	name := strings.TrimSpace("hearth " + pathName(path))
	var b strings.Builder
	if len(cmd.subcommands) > 0 {
		fmt.Fprintf(&b, "Usage: %s <command> [flags] [arguments]\n\n", name)
		if cmd.about != "" {
			fmt.Fprintf(&b, "%s\n\n", cmd.about)
		} else if cmd.summary != "" {
			fmt.Fprintf(&b, "%s\n\n", upperFirst(cmd.summary)+".")
		}
		b.WriteString("Commands:\n")
		width := 0
		for _, sub := range cmd.subcommands {
			width = max(width, len(sub.name))
		}
		for _, sub := range cmd.subcommands {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, sub.name, sub.summary)
		}
		fmt.Fprintf(&b, "\nRun \"hearth help %s\" for a command's flags and arguments.\n", strings.TrimSpace(pathName(path)+" <command>"))
		if cmd == path[0] {
			b.WriteString("Flags and arguments may come in any order; \"--\" ends the flags. Every\n" +
				"configuration flag also has a HEARTH_* environment variable and a key in\n" +
				"hearth.yaml (precedence: flag > environment > file > default); see docs/configuration.md.\n")
		}
		return b.String()
	}

	fmt.Fprintf(&b, "Usage: %s [flags]", name)
	if cmd.args != "" {
		fmt.Fprintf(&b, " %s", cmd.args)
	}
	b.WriteString("\n\n")
	if cmd.about != "" {
		fmt.Fprintf(&b, "%s\n\n", cmd.about)
	} else {
		fmt.Fprintf(&b, "%s\n\n", upperFirst(cmd.summary)+".")
	}
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	cmd.setup(fs)
	var own []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { own = append(own, f) })
	if len(own) > 0 {
		b.WriteString("Flags:\n")
		writeFlags(&b, own)
		b.WriteString("\n")
	}
	if len(cmd.keys) > 0 {
		cfs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
		configFlags(cfs, cmd.keys)
		var conf []*flag.Flag
		cfs.VisitAll(func(f *flag.Flag) { conf = append(conf, f) })
		b.WriteString("Configuration (flag > HEARTH_* environment > hearth.yaml > default):\n")
		writeFlags(&b, conf)
	}
	return b.String()
}

func writeFlags(b *strings.Builder, flags []*flag.Flag) {
	sort.Slice(flags, func(i, j int) bool { return flags[i].Name < flags[j].Name })
	for _, f := range flags {
		kind, usage := flag.UnquoteUsage(f)
		if rf, ok := f.Value.(*rawFlag); ok {
			kind = rf.kind()
		}
		fmt.Fprintf(b, "  --%s", f.Name)
		if kind != "" {
			fmt.Fprintf(b, " %s", kind)
		}
		fmt.Fprintf(b, "\n        %s", usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// runHelp prints the help of the command its arguments name, or of
// hearth itself.
func runHelp(_ context.Context, inv *invocation) error {
	path, err := lookup(inv.root, inv.args)
	if err != nil {
		return err
	}
	fmt.Fprint(inv.stdout, helpText(path))
	return nil
}

// plain is the setup of a command that has no flags of its own.
func plain(run runFunc) func(*flag.FlagSet) runFunc {
	return func(*flag.FlagSet) runFunc { return run }
}
