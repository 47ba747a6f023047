package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// accessTests are the contract of the console's records: sessions, grants
// and the audit log.
var accessTests = []struct {
	name string
	fn   func(t *testing.T, s hearth.Store)
}{
	{"SessionRoundTrip", testSessionRoundTrip},
	{"SessionCreateConflict", testSessionCreateConflict},
	{"SessionInvalidRejected", testSessionInvalidRejected},
	{"SessionTouchAndDelete", testSessionTouchAndDelete},
	{"SessionsExpiredDeleted", testSessionsExpiredDeleted},
	{"GrantsDefaultEmpty", testGrantsDefaultEmpty},
	{"GrantsReplaced", testGrantsReplaced},
	{"GrantsInvalidRejected", testGrantsInvalidRejected},
	{"AuditNewestFirstPaginated", testAuditNewestFirstPaginated},
	{"AuditInvalidRejected", testAuditInvalidRejected},
	{"AuditConcurrentAppend", testAuditConcurrentAppend},
}

// session returns a complete session row, every field set.
func session(id string, operator bool) hearth.Session {
	s := hearth.Session{ID: id, Operator: operator, CSRF: "csrf-" + id,
		CreatedAt: base, LastSeen: base.Add(time.Minute), ExpiresAt: base.Add(7 * 24 * time.Hour)}
	if !operator {
		s.UserID, s.Login, s.DisplayName = "4242", "modmia", "Mia 🌸 <b>"
	}
	return s
}

func testSessionRoundTrip(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, want := range []hearth.Session{session("abc", false), session("op", true)} {
		if err := s.CreateSession(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Session(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Session(%q) = %+v, %v\nwant %+v", want.ID, got, err, want)
		}
	}
	if _, err := s.Session(ctx, "nosuch"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Session(unknown) = %v, want ENOTFOUND", err)
	}
}

func testSessionCreateConflict(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	first := session("same", false)
	if err := s.CreateSession(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := session("same", true)
	if err := s.CreateSession(ctx, second); hearth.ErrorCode(err) != hearth.ECONFLICT {
		t.Fatalf("second CreateSession = %v, want ECONFLICT", err)
	}
	if got, err := s.Session(ctx, "same"); err != nil || !reflect.DeepEqual(got, first) {
		t.Errorf("after a conflict: %+v, %v; want the first %+v", got, err, first)
	}
}

func testSessionInvalidRejected(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for name, mutate := range map[string]func(*hearth.Session){
		"NoID":          func(x *hearth.Session) { x.ID = "" },
		"NoCSRF":        func(x *hearth.Session) { x.CSRF = "" },
		"NoUser":        func(x *hearth.Session) { x.UserID = "" },
		"BadLogin":      func(x *hearth.Session) { x.Login = "Not A Login" },
		"NULName":       func(x *hearth.Session) { x.DisplayName = "a\x00b" },
		"ExpiresBefore": func(x *hearth.Session) { x.ExpiresAt = x.CreatedAt.Add(-time.Second) },
	} {
		x := session("bad"+name, false)
		mutate(&x)
		if err := s.CreateSession(ctx, x); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("%s: CreateSession = %v, want EINVALID", name, err)
		}
		if _, err := s.Session(ctx, x.ID); hearth.ErrorCode(err) != hearth.ENOTFOUND {
			t.Errorf("%s: a refused session was stored (%v)", name, err)
		}
	}
}

func testSessionTouchAndDelete(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	if err := s.CreateSession(ctx, session("t", false)); err != nil {
		t.Fatal(err)
	}
	seen := base.Add(3 * time.Hour)
	if err := s.TouchSession(ctx, "t", seen); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Session(ctx, "t"); err != nil || !got.LastSeen.Equal(seen) {
		t.Errorf("after TouchSession: LastSeen %v, %v; want %v", got.LastSeen, err, seen)
	}
	if err := s.TouchSession(ctx, "gone", seen); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("TouchSession(unknown) = %v, want ENOTFOUND", err)
	}
	if err := s.DeleteSession(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "t"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("after DeleteSession: %v, want ENOTFOUND", err)
	}
	if err := s.DeleteSession(ctx, "t"); err != nil {
		t.Errorf("deleting a deleted session: %v, want no error", err)
	}
}

func testSessionsExpiredDeleted(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	now := base.Add(48 * time.Hour)
	idleSince := now.Add(-12 * time.Hour)
	fresh := session("fresh", false)
	fresh.LastSeen = now.Add(-time.Hour)
	idle := session("idle", false)
	idle.LastSeen = idleSince.Add(-time.Millisecond)
	old := session("old", true)
	old.LastSeen = now
	old.ExpiresAt = now.Add(-time.Millisecond)
	for _, x := range []hearth.Session{fresh, idle, old} {
		if err := s.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpiredSessions(ctx, now, idleSince)
	if err != nil || n != 2 {
		t.Fatalf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	if _, err := s.Session(ctx, "fresh"); err != nil {
		t.Errorf("the fresh session went: %v", err)
	}
	for _, id := range []string{"idle", "old"} {
		if _, err := s.Session(ctx, id); hearth.ErrorCode(err) != hearth.ENOTFOUND {
			t.Errorf("%s session stayed: %v", id, err)
		}
	}
}

func testGrantsDefaultEmpty(t *testing.T, s hearth.Store) {
	g, err := s.Grants(context.Background(), "nobodyset")
	if err != nil || len(g.Actions) != 0 || g.PointLimit != 0 {
		t.Errorf("Grants of a channel with none = %+v, %v; want the zero Grants", g, err)
	}
}

func testGrantsReplaced(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for _, ch := range []string{"granting", "other"} {
		if _, err := s.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	first := hearth.Grants{Actions: []hearth.Action{hearth.ActionForget, hearth.ActionSettings}, PointLimit: 250}
	if err := s.SetGrants(ctx, "granting", first); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Grants(ctx, "granting"); err != nil || !reflect.DeepEqual(got, first) {
		t.Errorf("Grants = %+v, %v; want %+v", got, err, first)
	}
	second := hearth.Grants{Actions: []hearth.Action{}, PointLimit: 0}
	if err := s.SetGrants(ctx, "granting", second); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Grants(ctx, "granting"); err != nil || !reflect.DeepEqual(got, second) {
		t.Errorf("Grants after replacing = %+v, %v; want %+v", got, err, second)
	}
	if got, err := s.Grants(ctx, "other"); err != nil || len(got.Actions) != 0 {
		t.Errorf("another channel's grants = %+v, %v; want none", got, err)
	}
	if err := s.SetGrants(ctx, "unknownchannel", first); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("SetGrants(unknown channel) = %v, want ENOTFOUND", err)
	}
}

func testGrantsInvalidRejected(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	if _, err := s.EnsureChannel(ctx, "strict"); err != nil {
		t.Fatal(err)
	}
	for name, g := range map[string]hearth.Grants{
		"NotGrantable":  {Actions: []hearth.Action{hearth.ActionChannels}},
		"Unknown":       {Actions: []hearth.Action{"launch_rockets"}},
		"NegativeLimit": {PointLimit: -1},
	} {
		if err := s.SetGrants(ctx, "strict", g); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("%s: SetGrants = %v, want EINVALID", name, err)
		}
	}
	if got, err := s.Grants(ctx, "strict"); err != nil || len(got.Actions) != 0 || got.PointLimit != 0 {
		t.Errorf("refused grants were stored: %+v, %v", got, err)
	}
}

// auditEntry returns a complete entry, every field set.
func auditEntry(channel string, i int) hearth.AuditEntry {
	return hearth.AuditEntry{Channel: channel, At: base.Add(time.Duration(i) * time.Second), Actor: "modmia",
		Role: hearth.AccessModerator, Action: "points.adjust", Target: fmt.Sprintf("viewer%d", i),
		Before: `{"points":10}`, After: fmt.Sprintf(`{"points":%d,"reason":"Ünïcode <ok>"}`, 10+i)}
}

func testAuditNewestFirstPaginated(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	var want []hearth.AuditEntry
	for i := range 5 {
		e, err := s.AppendAudit(ctx, auditEntry("audited", i))
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq <= 0 || len(want) > 0 && e.Seq <= want[len(want)-1].Seq {
			t.Fatalf("entry %d has seq %d after %v", i, e.Seq, want)
		}
		wantEntry := auditEntry("audited", i)
		wantEntry.Seq = e.Seq
		if !reflect.DeepEqual(e, wantEntry) {
			t.Errorf("AppendAudit = %+v\nwant %+v", e, wantEntry)
		}
		want = append(want, e)
		if _, err := s.AppendAudit(ctx, auditEntry("elsewhere", i)); err != nil {
			t.Fatal(err)
		}
	}
	slices.Reverse(want)
	page, err := s.Audit(ctx, "audited", 3, 0)
	if err != nil || !reflect.DeepEqual(page, want[:3]) {
		t.Fatalf("first page = %+v, %v\nwant %+v", page, err, want[:3])
	}
	page, err = s.Audit(ctx, "audited", 3, page[2].Seq)
	if err != nil || !reflect.DeepEqual(page, want[3:]) {
		t.Fatalf("second page = %+v, %v\nwant %+v", page, err, want[3:])
	}
	if page, err := s.Audit(ctx, "quiet", 3, 0); err != nil || page == nil || len(page) != 0 {
		t.Errorf("a channel without entries: %v, %v; want an empty list", page, err)
	}
	if _, err := s.Audit(ctx, "audited", 0, 0); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Audit(n=0) = %v, want EINVALID", err)
	}
}

func testAuditInvalidRejected(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	for name, mutate := range map[string]func(*hearth.AuditEntry){
		"BadChannel": func(e *hearth.AuditEntry) { e.Channel = "#No" },
		"NoActor":    func(e *hearth.AuditEntry) { e.Actor = "" },
		"NoAction":   func(e *hearth.AuditEntry) { e.Action = "" },
		"NoTime":     func(e *hearth.AuditEntry) { e.At = time.Time{} },
		"HugeAfter":  func(e *hearth.AuditEntry) { e.After = strings.Repeat("x", hearth.MaxAuditValue+1) },
		"BadUTF8":    func(e *hearth.AuditEntry) { e.Target = "\xff" },
	} {
		e := auditEntry("refused", 1)
		mutate(&e)
		if _, err := s.AppendAudit(ctx, e); hearth.ErrorCode(err) != hearth.EINVALID {
			t.Errorf("%s: AppendAudit = %v, want EINVALID", name, err)
		}
	}
	if got, err := s.Audit(ctx, "refused", 10, 0); err != nil || len(got) != 0 {
		t.Errorf("refused entries were stored: %+v, %v", got, err)
	}
}

func testAuditConcurrentAppend(t *testing.T, s hearth.Store) {
	ctx := context.Background()
	const n = 20
	seqs := make([]int64, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			e, err := s.AppendAudit(ctx, auditEntry("busy", i))
			if err != nil {
				errs <- err
				return
			}
			if e.Target != fmt.Sprintf("viewer%d", i) {
				errs <- fmt.Errorf("entry %d read back as %+v", i, e)
			}
			seqs[i] = e.Seq
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	slices.Sort(seqs)
	if len(slices.Compact(slices.Clone(seqs))) != n {
		t.Errorf("seqs %v are not %d distinct values", seqs, n)
	}
	all, err := s.Audit(ctx, "busy", 100, 0)
	if err != nil || len(all) != n {
		t.Fatalf("Audit = %d entries, %v; want %d", len(all), err, n)
	}
}

// testSessionSurvivesReopen: a session made before a restart is there
// after it.
func testSessionSurvivesReopen(t *testing.T, reopen func(t *testing.T) hearth.Store) {
	ctx := context.Background()
	s := reopen(t)
	want := session("kept", false)
	if err := s.CreateSession(ctx, want); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, auditEntry("kept", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = reopen(t)
	if got, err := s.Session(ctx, "kept"); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after reopening: %+v, %v; want %+v", got, err, want)
	}
	if got, err := s.Audit(ctx, "kept", 5, 0); err != nil || len(got) != 1 {
		t.Errorf("audit after reopening: %+v, %v", got, err)
	}
}
