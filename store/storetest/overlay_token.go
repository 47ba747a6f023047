package storetest

import (
	"context"
	"testing"

	"github.com/hearthlive/hearth"
)

// testRotateOverlayToken: a rotated token is fresh, stored, and the only
// one the channel has; other channels keep theirs; an unknown channel is
// ENOTFOUND.
func testRotateOverlayToken(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	first := mustEnsure(t, s, "alpha")
	other := mustEnsure(t, s, "beta")
	rotated, err := s.RotateOverlayToken(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	assertToken(t, rotated.OverlayToken)
	if rotated.Name != "alpha" || rotated.OverlayToken == first.OverlayToken || !rotated.CreatedAt.Equal(first.CreatedAt) {
		t.Fatalf("rotated %+v from %+v, want a new token and the rest kept", rotated, first)
	}
	if again := mustEnsure(t, s, "alpha"); again.OverlayToken != rotated.OverlayToken {
		t.Fatalf("EnsureChannel after rotating returns token %q, want the new %q", again.OverlayToken, rotated.OverlayToken)
	}
	chs, err := s.Channels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chs {
		if c.Name == "beta" && c.OverlayToken != other.OverlayToken {
			t.Fatalf("rotating alpha's token changed beta's")
		}
		if c.Name == "alpha" && c.OverlayToken != rotated.OverlayToken {
			t.Fatalf("Channels lists alpha with token %q, want %q", c.OverlayToken, rotated.OverlayToken)
		}
	}
	if _, err := s.RotateOverlayToken(ctx, "nosuch"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Fatalf("rotating an unknown channel's token: %v, want ENOTFOUND", err)
	}
}
