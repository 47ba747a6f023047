package main

import (
	"fmt"
	"io"
	"strings"
)

// writeTable prints the report as Markdown tables, ready for BENCHMARKS.md.
func writeTable(w io.Writer, r report) {
	m := r.Machine
	fmt.Fprintf(w, "Machine: %d cores (%s), %d GiB, %s, Node.js %s, Linux %s, load average %s at start\n",
		m.Cores, m.CPU, m.MemoryGiB, m.Go, orNone(m.Node), m.Kernel, m.Load)
	fmt.Fprintf(w, "Command: %s\n", r.Command)
	if r.Source != "" {
		fmt.Fprintf(w, "Source: %s\n", r.Source)
	}
	fmt.Fprintf(w, "Store: %s. Firehose: %d lines, %d chat messages from %d viewers over %d channels (the real capture repeated, distinct ids and timestamps).\n\n",
		r.Database, r.Firehose.Lines, r.Firehose.Messages, r.Firehose.Viewers, r.Firehose.Channels)

	fmt.Fprintln(w, "Ingest, end to end (Hearth: counted and stored; peers: counted):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| round | subject | messages/s | lost | CPU s per 1M messages | peak RSS MiB | seconds |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, x := range r.Ingest {
		if x.Skipped != "" {
			fmt.Fprintf(w, "| %d | %s | not run: %s | | | | |\n", x.Round, x.Subject, oneLine(x.Skipped))
			continue
		}
		fmt.Fprintf(w, "| %d | %s | %s | %d | %.1f | %.0f | %.2f |\n", x.Round, x.Subject, thousands(x.MsgPerSec), x.Lost, x.CPUPerMillion, x.PeakRSSMiB, x.Seconds)
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| round | Hearth | rate over | ratio |")
		fmt.Fprintln(w, "| --- | --- | --- | --- |")
		for _, x := range r.Ratios {
			fmt.Fprintf(w, "| %d | %s | %s | %.2f |\n", x.Round, x.Hearth, x.Peer, x.Ratio)
		}
	}
	if len(r.Viewers) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Known viewers: N distinct chatters, one message each, then a restart on the same database:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| viewers | stored | s to store all | viewers/s | time per viewer vs first row | CPU s per 1M | RSS MiB (idle before) | RSS bytes per viewer | growth bytes per viewer | flush s per 10k changes | stop s | start-up s | RSS MiB after start-up | RSS bytes per viewer after start-up |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
		first := r.Viewers[0].PerSecond
		for _, x := range r.Viewers {
			fmt.Fprintf(w, "| %s | %s | %.1f | %s | %.2f× | %.1f | %.0f (%.0f) | %s | %s | %.3f | %.2f | %.2f | %.0f | %s |",
				thousands(float64(x.Viewers)), thousands(float64(x.Reached)), x.FeedSeconds, thousands(x.PerSecond), first/x.PerSecond, x.CPUPerMillion,
				x.RSSMiB, x.IdleRSSMiB, thousands(x.RSSPerViewer), thousands(x.AddedPerViewer), x.FlushPer10k, x.StopSeconds, x.StartupSeconds, x.StartupRSSMiB,
				thousands(x.StartupRSSMiB*mib/float64(max(x.Reached, 1))))
			if x.Skipped != "" {
				fmt.Fprintf(w, " incomplete: %s", oneLine(x.Skipped))
			}
			fmt.Fprintln(w)
		}
	}
	if len(r.Overlay) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Overlay latency, chat line sent → alerts WebSocket frame received:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| clients | chat messages/s | probes | frames received / expected | p50 ms | p99 ms | max ms |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
		for _, x := range r.Overlay {
			if x.Skipped != "" && x.Received == 0 {
				fmt.Fprintf(w, "| %s | | | | not run: %s | | |\n", thousands(float64(x.Clients)), oneLine(x.Skipped))
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s / %s | %.1f | %.1f | %.1f |\n", thousands(float64(x.Clients)), thousands(float64(x.Rate)), x.Probes,
				thousands(float64(x.Received)), thousands(float64(x.Expected)), x.P50Millis, x.P99Millis, x.MaxMillis)
		}
	}
	if r.Soak != nil {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Soak: %.0f s of steady chat, %s messages/s asked; hearth sampled at each tenth:\n", r.Soak.Seconds, thousands(float64(r.Soak.Rate)))
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| s | chat messages | goroutines | RSS MiB | heap in use MiB |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- |")
		for _, x := range r.Soak.Samples {
			fmt.Fprintf(w, "| %.0f | %s | %.0f | %.0f | %.0f |\n", x.At, thousands(x.Messages), x.Goroutines, x.RSSMiB, x.HeapMiB)
		}
		if r.Soak.Skipped != "" {
			fmt.Fprintf(w, "\nSoak incomplete: %s\n", oneLine(r.Soak.Skipped))
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\nNote: %s\n", oneLine(n))
	}
	if r.Profile != "" {
		fmt.Fprintf(w, "\nCPU profile of hearth under the firehose: %s\n", r.Profile)
	}
	fmt.Fprintf(w, "\nWhole run: %.0f s\n", r.Seconds)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.ReplaceAll(s, "|", "/")
}

// thousands formats a figure rounded to a whole number with commas.
func thousands(f float64) string {
	n := int64(f + 0.5)
	if f < 0 {
		n = int64(f - 0.5)
	}
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
