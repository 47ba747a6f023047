package storetest

import (
	"context"
	"strings"
	"testing"

	"github.com/hearthlive/hearth"
)

func testBroadcasterIDRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	mustEnsure(t, s, "beta")
	_, err := s.BroadcasterID(ctx, "alpha")
	assertCode(t, err, hearth.ENOTFOUND, "BroadcasterID before any is set")
	if err := s.SetBroadcasterID(ctx, "alpha", "141981764"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBroadcasterID(ctx, "alpha", "141981765"); err != nil {
		t.Fatal(err)
	}
	if id, err := s.BroadcasterID(ctx, "alpha"); err != nil || id != "141981765" {
		t.Errorf("BroadcasterID(alpha) = %q, %v; want the last one set", id, err)
	}
	_, err = s.BroadcasterID(ctx, "beta")
	assertCode(t, err, hearth.ENOTFOUND, "BroadcasterID of another channel")
	// The channel's record is otherwise untouched.
	if again := mustEnsure(t, s, "alpha"); again.Name != "alpha" {
		t.Errorf("EnsureChannel after SetBroadcasterID = %+v", again)
	}
}

func testBroadcasterIDRejected(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	mustEnsure(t, s, "alpha")
	for _, id := range []string{"", strings.Repeat("7", 65), "12\x003", "\xff"} {
		assertCode(t, s.SetBroadcasterID(ctx, "alpha", id), hearth.EINVALID, "SetBroadcasterID("+id+")")
	}
	assertCode(t, s.SetBroadcasterID(ctx, "nochannel", "42"), hearth.ENOTFOUND, "SetBroadcasterID of an unknown channel")
	_, err := s.BroadcasterID(ctx, "nochannel")
	assertCode(t, err, hearth.ENOTFOUND, "BroadcasterID of an unknown channel")
}

func testBroadcasterIDSurvivesReopen(t *testing.T, reopen func(t *testing.T) hearth.Store) {
	ctx := context.Background()
	s := reopen(t)
	mustEnsure(t, s, "alpha")
	if err := s.SetBroadcasterID(ctx, "alpha", "42"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if id, err := reopen(t).BroadcasterID(ctx, "alpha"); err != nil || id != "42" {
		t.Errorf("BroadcasterID after reopening = %q, %v; want 42", id, err)
	}
}
