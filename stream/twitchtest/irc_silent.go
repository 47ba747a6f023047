package twitchtest

import (
	"net"
	"sync"
	"sync/atomic"
)

// Silent is a chat server that accepts connections and never answers,
// not even the login: what a client meets when Twitch hangs mid-handshake.
type Silent struct {
	ln       net.Listener
	accepted atomic.Int64

	mu    sync.Mutex
	conns []net.Conn
}

// NewSilent starts a Silent server on a loopback port.
func NewSilent() (*Silent, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Silent{ln: ln}
	go s.accept()
	return s, nil
}

func (s *Silent) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		s.accepted.Add(1)
	}
}

// Addr is the server's host:port.
func (s *Silent) Addr() string { return s.ln.Addr().String() }

// Accepted is how many connections the server has accepted.
func (s *Silent) Accepted() int64 { return s.accepted.Load() }

// Close stops accepting and closes every connection.
func (s *Silent) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	return err
}
