package storetest

import (
	"bytes"
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// storedToken returns a complete token row for subject, every field set.
func storedToken(subject, login string, sealed byte) hearth.StoredToken {
	return hearth.StoredToken{
		Subject:    subject,
		UserID:     "9" + login[:1] + "42",
		Login:      login,
		Scopes:     []string{"chat:read", "chat:edit", "user:bot"},
		ExpiresAt:  base.Add(4 * time.Hour),
		ObtainedAt: base,
		Sealed:     bytes.Repeat([]byte{sealed, 0, 0xff}, 20),
	}
}

func testTokenRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	want := storedToken(hearth.TokenBot, "hearthbot", 1)
	if err := s.PutToken(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.StoredToken(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("StoredToken = %+v\nwant %+v", got, want)
	}
}

func testTokenPutReplaces(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	if err := s.PutToken(ctx, storedToken("somechannel", "somechannel", 1)); err != nil {
		t.Fatal(err)
	}
	want := storedToken("somechannel", "somechannel", 2)
	want.Scopes = []string{"moderator:read:chatters"}
	want.ExpiresAt = base.Add(8 * time.Hour)
	want.ObtainedAt = base.Add(4 * time.Hour)
	if err := s.PutToken(ctx, want); err != nil {
		t.Fatal(err)
	}
	all, err := s.StoredTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || !reflect.DeepEqual(all[0], want) {
		t.Errorf("StoredTokens = %+v\nwant only %+v", all, want)
	}
}

func testTokensListedBySubject(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, tok := range []hearth.StoredToken{
		storedToken("zed", "zed", 1), storedToken(hearth.TokenBot, "hearthbot", 2), storedToken("abc", "abc", 3),
	} {
		if err := s.PutToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.StoredTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, tok := range all {
		subjects = append(subjects, tok.Subject)
	}
	if want := []string{"abc", hearth.TokenBot, "zed"}; !reflect.DeepEqual(subjects, want) {
		t.Errorf("subjects = %v, want %v", subjects, want)
	}
}

func testTokenNotFound(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	if _, err := s.StoredToken(ctx, hearth.TokenBot); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("StoredToken of nobody: %v, want ENOTFOUND", err)
	}
	if err := s.DeleteToken(ctx, "nobody"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("DeleteToken of nobody: %v, want ENOTFOUND", err)
	}
	all, err := s.StoredTokens(ctx)
	if err != nil || all == nil || len(all) != 0 {
		t.Errorf("StoredTokens of an empty store = %v, %v; want an empty list", all, err)
	}
}

func testTokenDelete(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, tok := range []hearth.StoredToken{storedToken(hearth.TokenBot, "hearthbot", 1), storedToken("abc", "abc", 2)} {
		if err := s.PutToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteToken(ctx, hearth.TokenBot); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoredToken(ctx, hearth.TokenBot); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("after DeleteToken: %v, want ENOTFOUND", err)
	}
	if _, err := s.StoredToken(ctx, "abc"); err != nil {
		t.Errorf("another subject's token went too: %v", err)
	}
}

func testTokenInvalidRejected(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	cases := map[string]func(*hearth.StoredToken){
		"EmptySubject":    func(tok *hearth.StoredToken) { tok.Subject = "" },
		"BadSubject":      func(tok *hearth.StoredToken) { tok.Subject = "not a login" },
		"BadLogin":        func(tok *hearth.StoredToken) { tok.Login = "x\x00y" },
		"EmptySealed":     func(tok *hearth.StoredToken) { tok.Sealed = nil },
		"HugeSealed":      func(tok *hearth.StoredToken) { tok.Sealed = make([]byte, 1<<20) },
		"ScopeWithSpace":  func(tok *hearth.StoredToken) { tok.Scopes = []string{"chat:read chat:edit"} },
		"NoExpiry":        func(tok *hearth.StoredToken) { tok.ExpiresAt = time.Time{} },
		"InvalidUTF8User": func(tok *hearth.StoredToken) { tok.UserID = "\xff" },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			tok := storedToken(hearth.TokenBot, "hearthbot", 1)
			mutate(&tok)
			if err := s.PutToken(ctx, tok); hearth.ErrorCode(err) != hearth.EINVALID {
				t.Errorf("PutToken: %v, want EINVALID", err)
			}
		})
	}
	if all, err := s.StoredTokens(ctx); err != nil || len(all) != 0 {
		t.Errorf("after refused writes: %v, %v; want nothing stored", all, err)
	}
}

// testTokenConcurrentPut writes one subject's token from many goroutines,
// as concurrent refreshes would: one whole row wins, never a mix.
func testTokenConcurrentPut(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := storedToken(hearth.TokenBot, "hearthbot", byte(i))
			tok.ExpiresAt = base.Add(time.Duration(i) * time.Hour)
			errs <- s.PutToken(ctx, tok)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.StoredToken(ctx, hearth.TokenBot)
	if err != nil {
		t.Fatal(err)
	}
	i := byte(got.ExpiresAt.Sub(base) / time.Hour)
	if want := storedToken(hearth.TokenBot, "hearthbot", i).Sealed; !bytes.Equal(got.Sealed, want) {
		t.Errorf("the stored row mixes two writes: expiry of write %d, another write's secret", i)
	}
}
