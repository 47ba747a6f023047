package oauth

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// answer is an HTTP transport that gives every request the same answer,
// so that the fuzzer plays a Twitch that says anything.
type answer struct {
	status int
	body   []byte
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(a.body)), Request: r}, nil
}

// FuzzOAuthAnswer feeds arbitrary answers to every OAuth call: none may
// panic, succeed without what it must return, or put the token it sent
// into an error (unless the answer itself echoes it).
func FuzzOAuthAnswer(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"a","refresh_token":"r","expires_in":3600,"scope":["chat:read"],"token_type":"bearer"}`))
	f.Add(200, []byte(`{"device_code":"d","expires_in":1800,"interval":5,"user_code":"ABCDEFGH","verification_uri":"https://www.twitch.tv/activate"}`))
	f.Add(200, []byte(`{"client_id":"c","login":"x","scopes":null,"user_id":"1","expires_in":-5}`))
	f.Add(400, []byte(`{"status":400,"message":"authorization_pending"}`))
	f.Add(401, []byte(`{"status":401,"message":"invalid access token"}`))
	f.Add(200, []byte(`{"access_token":"a","scope":"chat:read chat:edit"}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 200 || status > 599 {
			return
		}
		const secret = "thetokenhearthsent"
		o := &Client{BaseURL: "http://twitch.invalid/oauth2", ClientID: "c", HTTP: &http.Client{Transport: answer{status, body}}}
		ctx := context.Background()
		leak := func(err error) {
			if err != nil && strings.Contains(err.Error(), secret) && !bytes.Contains(body, []byte(secret)) {
				t.Fatalf("error holds the token: %v", err)
			}
		}
		g, err := o.Refresh(ctx, secret)
		leak(err)
		if err == nil && (g.Access == "" || status != 200) {
			t.Fatalf("refresh succeeded with status %d and access token %q", status, g.Access)
		}
		_, err = o.Validate(ctx, secret)
		leak(err)
		leak(o.Revoke(ctx, secret))
		dc, err := o.StartDevice(ctx, []string{"chat:read"})
		if err == nil && (dc.DeviceCode == "" || dc.UserCode == "" || dc.Interval < time.Second || !dc.ExpiresAt.After(time.Now().Add(-time.Second))) {
			t.Fatalf("device code accepted with a field missing or out of range: %+v", dc)
		}
	})
}

// FuzzOpenSealed opens arbitrary stored bytes: never a panic, never a
// token from bytes the key did not seal.
func FuzzOpenSealed(f *testing.F) {
	s, err := NewSealer(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(s.seal("bot", secrets{Access: "a", Refresh: "r"}))
	f.Add([]byte{sealVersion})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		sec, err := s.open("other", b)
		if err == nil {
			t.Fatalf("bytes not sealed for this subject opened: %+v", sec)
		}
	})
}

// FuzzParseKey parses arbitrary key text: a key it accepts is KeySize
// bytes.
func FuzzParseKey(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add("correct horse battery staple")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	f.Fuzz(func(t *testing.T, s string) {
		if key, err := ParseKey(s); err == nil && len(key) != KeySize {
			t.Fatalf("ParseKey(%q) accepted %d bytes", s, len(key))
		}
	})
}
