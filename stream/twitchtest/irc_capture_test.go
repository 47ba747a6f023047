package twitchtest_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestCapLS302 checks the handshake @twurple/chat (through ircv3) opens
// with: CAP LS 302 answered with Twitch's capabilities, then CAP REQ, CAP
// END and an anonymous login, as hearth-bench's Node peer does.
func TestCapLS302(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(nc)
	expect := func(send, want string) {
		t.Helper()
		if _, err := nc.Write([]byte(send + "\r\n")); err != nil {
			t.Fatal(err)
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("after %q: %v; want a line with %q", send, err, want)
			}
			if strings.Contains(line, want) {
				return
			}
		}
	}
	expect("CAP LS 302", ":tmi.twitch.tv CAP * LS :twitch.tv/tags twitch.tv/commands twitch.tv/membership")
	expect("CAP REQ :twitch.tv/commands twitch.tv/tags", ":tmi.twitch.tv CAP * ACK :twitch.tv/commands twitch.tv/tags")
	if _, err := nc.Write([]byte("CAP END\r\nPASS SCHMOOPIIE\r\n")); err != nil {
		t.Fatal(err)
	}
	expect("NICK justinfan4242", " 001 justinfan4242 ")
}
