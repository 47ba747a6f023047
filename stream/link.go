package stream

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// errServerClosed is why a session ends when the IRC server hangs up.
var errServerClosed = errors.New("the server closed the connection")

// link carries one chat session between go-twitch-irc and the IRC server.
// Chat dials the server itself; the library dials a loopback listener that
// accepts once, and the link copies between the two sockets. Chat thus owns
// every socket of a session and can close them whatever state the library
// is in: the library has no dial hook, its Connect ignores contexts, its
// Disconnect does nothing until the server has answered the login, and a
// panic in its parser unwinds past the code that closes its connection.
//
// On the way in, lines the library's parser would panic on are dropped and
// handed to onDrop, so that one malformed line costs that line only. The
// check (parserPanics) reads each line without parsing it; a panic it
// missed would still be recovered by Chat at the cost of a reconnect.
type link struct {
	ln       net.Listener
	upstream net.Conn
	onDrop   func()
	wg       sync.WaitGroup

	mu     sync.Mutex
	local  net.Conn
	closed bool
	cause  error
	done   chan struct{} // closed by the first close
}

// dialLink connects to the IRC server at addr, with TLS if useTLS, and
// opens the loopback listener the library is to dial (see Addr).
func dialLink(ctx context.Context, addr string, useTLS bool, onDrop func()) (*link, error) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 10 * time.Second}
	var up net.Conn
	var err error
	if useTLS {
		td := &tls.Dialer{NetDialer: d, Config: &tls.Config{MinVersion: tls.VersionTLS12}}
		up, err = td.DialContext(ctx, "tcp", addr)
	} else {
		up, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = up.Close()
		return nil, fmt.Errorf("cannot open the loopback side of the chat connection: %w", err)
	}
	l := &link{ln: ln, upstream: up, onDrop: onDrop, done: make(chan struct{})}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

// Addr is the loopback address for the library to dial.
func (l *link) Addr() string { return l.ln.Addr().String() }

// serve accepts the library's one connection and copies until either side
// ends, then closes both.
func (l *link) serve() {
	defer l.wg.Done()
	local, err := l.ln.Accept()
	_ = l.ln.Close()
	if err != nil {
		_ = l.upstream.Close()
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		_ = local.Close()
		return
	}
	l.local = local
	l.mu.Unlock()

	out := make(chan struct{})
	go func() {
		defer close(out)
		_, _ = io.Copy(l.upstream, local)
		l.close(nil)
	}()
	err = l.copyIn(local)
	if err == nil {
		err = errServerClosed
	}
	l.close(err)
	<-out
}

// copyIn copies lines from the server to the library, dropping those its
// parser cannot take. It returns nil when the server ends the stream, or
// the read or write error.
func (l *link) copyIn(local net.Conn) error {
	r := bufio.NewReader(l.upstream)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if parserPanics(trimEOL(line)) {
			l.onDrop()
			continue
		}
		if _, err := io.WriteString(local, line); err != nil {
			return err
		}
	}
}

func trimEOL(line string) string {
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// close ends the session: no more connections are accepted and both
// sockets are closed. The first call's cause is kept as the reason the
// session ended; nil means the library or Chat itself ended it.
func (l *link) close(cause error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.cause = cause
	local := l.local
	close(l.done)
	l.mu.Unlock()
	_ = l.ln.Close()
	_ = l.upstream.Close()
	if local != nil {
		_ = local.Close()
	}
}

// wait closes the link and waits until its goroutines have returned. It
// returns why the session ended, if the link knows: nil when the library
// hung up itself.
func (l *link) wait() error {
	l.close(nil)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cause
}
