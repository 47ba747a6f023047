package storetest

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

func assertToken(t *testing.T, token string) {
	t.Helper()
	if len(token) < 32 {
		t.Errorf("overlay token %q has %d characters, want at least 32", token, len(token))
	}
	if _, err := hex.DecodeString(token); err != nil {
		t.Errorf("overlay token %q is not hex: %v", token, err)
	}
}

func mustEnsure(t *testing.T, s hearth.Store, name string) hearth.ChannelInfo {
	t.Helper()
	c, err := s.EnsureChannel(context.Background(), name)
	if err != nil {
		t.Fatalf("EnsureChannel(%q): %v", name, err)
	}
	return c
}

func testEnsureChannelStableToken(t *testing.T, s hearth.Store) {
	first := mustEnsure(t, s, "alpha")
	if first.Name != "alpha" {
		t.Errorf("Name = %q, want alpha", first.Name)
	}
	assertToken(t, first.OverlayToken)
	if again := mustEnsure(t, s, "alpha"); again != first {
		t.Errorf("second EnsureChannel = %+v, want %+v", again, first)
	}
	if other := mustEnsure(t, s, "beta"); other.OverlayToken == first.OverlayToken {
		t.Errorf("channels alpha and beta share the overlay token %q", first.OverlayToken)
	}

	// Callers racing to create one channel all get the same record.
	const n = 8
	got := make([]hearth.ChannelInfo, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = s.EnsureChannel(context.Background(), "gamma") })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("concurrent EnsureChannel %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Errorf("concurrent EnsureChannel %d = %+v, want %+v", i, got[i], got[0])
		}
	}
}

func testEnsureChannelRejectsInvalidName(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, name := range []string{"", "#alpha", "Alpha", strings.Repeat("a", 26), "al pha", "al\x00pha"} {
		_, err := s.EnsureChannel(ctx, name)
		assertCode(t, err, hearth.EINVALID, fmt.Sprintf("EnsureChannel(%q)", name))
	}
	chs, err := s.Channels(ctx)
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	if len(chs) != 0 {
		t.Errorf("Channels = %v, want none", chs)
	}
}

func testChannelsListed(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	chs, err := s.Channels(ctx)
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	if len(chs) != 0 {
		t.Fatalf("Channels of a new store = %v, want none", chs)
	}

	before := time.Now().Add(-time.Second)
	want := map[string]hearth.ChannelInfo{}
	for _, name := range []string{"charlie", "alpha", "bravo_2"} {
		want[name] = mustEnsure(t, s, name)
	}
	after := time.Now().Add(time.Second)

	chs, err = s.Channels(ctx)
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	var names []string
	for _, c := range chs {
		names = append(names, c.Name)
		if c != want[c.Name] {
			t.Errorf("Channels has %+v, EnsureChannel returned %+v", c, want[c.Name])
		}
		if c.CreatedAt.Before(before) || c.CreatedAt.After(after) || c.CreatedAt.Location() != time.UTC {
			t.Errorf("channel %s CreatedAt = %v, want a UTC time between %v and %v", c.Name, c.CreatedAt, before, after)
		}
	}
	if !slices.Equal(names, []string{"alpha", "bravo_2", "charlie"}) {
		t.Errorf("Channels names = %v, want [alpha bravo_2 charlie]", names)
	}
}
