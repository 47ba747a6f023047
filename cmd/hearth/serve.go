package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/redact"
)

// runServe joins real Twitch chat and serves until a signal or a failure.
func runServe(ctx context.Context, inv *invocation) error {
	cfg := inv.cfg
	if err := cfg.checkOverrides(); err != nil {
		return err
	}
	log := inv.logger()
	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	log.Info("hearth serving", "version", hearth.Version, "http", m.HTTPAddr, "channels", cfg.Channels, "store", redact.URL(cfg.DatabaseURL))
	for _, u := range m.OverlayURLs() {
		log.Info("overlay URL (add as an OBS browser source; keep the token private)", "url", u)
	}
	return waitAndClose(ctx, m, log.Info)
}

// waitAndClose blocks until ctx ends or a part fails, then stops m.
func waitAndClose(ctx context.Context, m *Main, info func(string, ...any)) error {
	var runErr error
	select {
	case <-ctx.Done():
		info("shutting down: flushing pending changes")
	case runErr = <-m.Err():
	}
	sctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	if err := m.Close(sctx); err != nil {
		return errors.Join(runErr, fmt.Errorf("shutdown: %w", err))
	}
	info("stopped cleanly")
	return runErr
}

func runVersion(_ context.Context, inv *invocation) error {
	_, err := fmt.Fprintf(inv.stdout, "hearth %s\n", hearth.Version)
	return err
}
