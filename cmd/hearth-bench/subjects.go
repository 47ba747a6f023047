package main

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// twurplePort is where @twurple/chat connects for plain IRC: it has no
// port option, so the fake server listens there for that peer.
const twurplePort = "127.0.0.1:6667"

func goPeerSubject(name string, conns int) subject {
	return peerSubject(name, "", func(addr string, channels []string) (*peerProc, error) {
		return startGoPeer(addr, channels, conns)
	})
}

func twurpleSubject(peersDir string) subject {
	return peerSubject("@twurple/chat (Node.js), per viewer", twurplePort, func(_ string, channels []string) (*peerProc, error) {
		return startTwurplePeer(peersDir, channels)
	})
}

// peerSubject is a peer process that start runs and that reports the
// messages it has read; listen is the address the fake server needs, ""
// for any.
func peerSubject(name, listen string, start func(addr string, channels []string) (*peerProc, error)) subject {
	var p *peerProc
	return subject{
		name: name,
		addr: listen,
		start: func(addr string, channels []string) (int, error) {
			var err error
			if p, err = start(addr, channels); err != nil {
				return 0, err
			}
			return p.pid(), nil
		},
		count: func(context.Context) (int64, error) {
			c, err := p.count()
			return c.Messages, err
		},
		stop: func() error { p.stop(); return nil },
	}
}

// hearthSubject runs `hearth serve` on dbURL, reading chat over conns
// connections; its count is the chat messages its store gained for the
// run's channels since it started. A SQLite database is fresh for each
// subject; a PostgreSQL one is shared by every subject and round of a run,
// so what earlier ones stored is counted at start and left out.
func hearthSubject(bin, dir, dbURL, prefix string, conns int) subject {
	var h *hearthProc
	var st *storeCounter
	var base int64
	name := "hearth serve (" + storeName(dbURL) + ")"
	if conns > 1 {
		name = fmt.Sprintf("hearth serve (%s), %d connections", storeName(dbURL), conns)
	}
	return subject{
		name:   name,
		hearth: true,
		start: func(addr string, channels []string) (int, error) {
			var err error
			if h, err = startHearth(bin, dir, addr, dbURL, channels, "HEARTH_CHAT_CONNECTIONS="+strconv.Itoa(conns)); err != nil {
				return 0, err
			}
			if _, err := h.waitReady(context.Background(), 60*time.Second); err != nil {
				_ = h.stop()
				return 0, err
			}
			if st, err = openStore(dbURL); err != nil {
				_ = h.stop()
				return 0, err
			}
			if base, _, err = st.count(context.Background(), prefix); err != nil {
				st.close()
				_ = h.stop()
				return 0, err
			}
			return h.pid(), nil
		},
		count: func(ctx context.Context) (int64, error) {
			m, _, err := st.count(ctx, prefix)
			return m - base, err
		},
		stop: func() error {
			st.close()
			if err := h.stop(); err != nil {
				return fmt.Errorf("hearth: %w", err)
			}
			return nil
		},
	}
}

func storeName(dbURL string) string {
	if len(dbURL) >= 8 && dbURL[:8] == "postgres" {
		return "PostgreSQL"
	}
	return "SQLite"
}
