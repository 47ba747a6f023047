package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/report"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/web"
)

// serveStreams runs the application over a real SQLite store holding 25
// recaps of "arena" (stream 25 live) and one of "elsewhere", which is not
// served, and returns the API's channels URL.
func serveStreams(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "streams.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	start := time.Date(2026, 11, 1, 19, 0, 0, 0, time.UTC)
	var rs []hearth.StreamRecap
	for seq := int64(1); seq <= 25; seq++ {
		at := start.Add(time.Duration(seq) * 24 * time.Hour)
		r := hearth.StreamRecap{Channel: "arena", Seq: seq, StartedAt: at, EndedAt: at.Add(90 * time.Minute),
			Messages: 100 * seq, VerifiedMessages: 80 * seq, Chatters: 10 + seq, VerifiedChatters: 9 + seq,
			Newcomers: 3, Returners: 7 + seq, Top10Share: 0.5,
			Activity: []hearth.MinuteActivity{{Minute: 0, Messages: 4, Chatters: 2, Newcomers: 1}}}
		if seq > 1 {
			r.PreviousAttendees, r.Retained = 8+seq, 4
		}
		// Stream k's newcomers: 10 + k, of whom k % 7 come to each later
		// stream.
		for _, back := range []int64{1, 2, 4} {
			if k := seq - back; k >= 1 {
				r.Cohorts = append(r.Cohorts, hearth.CohortRetention{Cohort: k, Newcomers: 10 + k, Attended: k%7 + back})
			}
		}
		if seq == 25 {
			r.EndedAt = time.Time{}
		}
		rs = append(rs, r)
	}
	rs = append(rs, hearth.StreamRecap{Channel: "elsewhere", Seq: 1, StartedAt: start})
	if err := db.Apply(ctx, hearth.Batch{Recaps: rs}); err != nil {
		t.Fatal(err)
	}
	eng, err := newArenaEngine(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, web.Config{
		Store:      db,
		AdminToken: "s3cret",
		Engine:     eng,
	}) + "/api/v1/channels"
}

type streamsPage struct {
	Streams []report.Recap `json:"streams"`
	Next    int64          `json:"next"`
}

func TestAPIStreamsPaginated(t *testing.T) {
	base := serveStreams(t) + "/arena/streams"
	var seqs []int64
	url := base + "?limit=10"
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatalf("more than 3 pages of 10 for 25 streams: %v", seqs)
		}
		status, body := apiCall(t, "GET", url)
		var p streamsPage
		if status != 200 || json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET %s: %d %s", url, status, body)
		}
		for _, r := range p.Streams {
			seqs = append(seqs, r.Seq)
		}
		if p.Next == 0 {
			break
		}
		url = fmt.Sprintf("%s?limit=10&before=%d", base, p.Next)
	}
	if len(seqs) != 25 || seqs[0] != 25 || seqs[24] != 1 {
		t.Fatalf("streams listed %v, want 25 down to 1", seqs)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]-1 {
			t.Fatalf("streams listed %v, want each once, newest first", seqs)
		}
	}

	// A page's streams follow their newcomers into the streams after them,
	// on the page or newer than it.
	status, body := apiCall(t, "GET", base+"?before=12&limit=3")
	var p streamsPage
	if status != 200 || json.Unmarshal(body, &p) != nil || len(p.Streams) != 3 {
		t.Fatalf("GET ?before=12&limit=3: %d %s", status, body)
	}
	for _, r := range p.Streams {
		if len(r.NewcomersReturned) != 3 || r.NewcomersReturned[2].Stream != r.Seq+4 || r.NewcomersReturned[0].Attended != r.Seq%7+1 {
			t.Errorf("stream %d's newcomers later: %+v, want streams %d, %d and %d", r.Seq, r.NewcomersReturned, r.Seq+1, r.Seq+2, r.Seq+4)
		}
	}

	status, body = apiCall(t, "GET", base)
	p = streamsPage{}
	if status != 200 || json.Unmarshal(body, &p) != nil || len(p.Streams) != 20 || p.Next != 6 {
		t.Fatalf("default page: %d, %d streams, next %d; want 20 streams and next 6", status, len(p.Streams), p.Next)
	}
	// An exact last page has no next.
	status, body = apiCall(t, "GET", base+"?before=6&limit=5")
	p = streamsPage{}
	if status != 200 || json.Unmarshal(body, &p) != nil || len(p.Streams) != 5 || strings.Contains(string(body), `"next"`) {
		t.Fatalf("last page: %d %s, want 5 streams and no next", status, body)
	}
}

func TestAPIStreamRecap(t *testing.T) {
	base := serveStreams(t)
	status, body := apiCall(t, "GET", base+"/arena/streams/7")
	var r report.Recap
	if status != 200 || json.Unmarshal(body, &r) != nil {
		t.Fatalf("%d %s", status, body)
	}
	if r.Seq != 7 || r.Messages != 700 || r.VerifiedMessages != 560 || r.Live || r.DurationSeconds != 90*60 ||
		r.Retention == nil || *r.Retention != 4.0/15 || len(r.Activity) != 1 {
		t.Errorf("stream 7: %s", body)
	}
	for _, field := range []string{`"retention":`, `"verified_share":0.8`, `"polls":[]`, `"segments":[]`, `"cohorts":[{"cohort":6,`, `"participation":0`} {
		if !strings.Contains(string(body), field) {
			t.Errorf("stream 7 lacks %s: %s", field, body)
		}
	}

	want := []report.CohortPoint{
		{Stream: 8, After: 1, Newcomers: 17, Attended: 1, Share: 1.0 / 17},
		{Stream: 9, After: 2, Newcomers: 17, Attended: 2, Share: 2.0 / 17},
		{Stream: 11, After: 4, Newcomers: 17, Attended: 4, Share: 4.0 / 17},
	}
	if !slices.Equal(r.NewcomersReturned, want) {
		t.Errorf("stream 7's newcomers later: %+v, want %+v", r.NewcomersReturned, want)
	}

	status, body = apiCall(t, "GET", base+"/arena/streams/1")
	if status != 200 || !strings.Contains(string(body), `"retention":null`) {
		t.Errorf("stream 1, with no previous stream: %d %s, want retention null", status, body)
	}
	status, body = apiCall(t, "GET", base+"/arena/streams/25")
	if status != 200 || !strings.Contains(string(body), `"live":true`) || strings.Contains(string(body), `"ended_at"`) ||
		!strings.Contains(string(body), `"newcomers_returned":[]`) {
		t.Errorf("live stream 25: %d %s, want live, no end and no later stream", status, body)
	}
}

func TestAPIStreamsErrors(t *testing.T) {
	base := serveStreams(t)
	for _, tt := range []struct {
		name, method, path string
		status             int
		says               string
	}{
		{"UnknownStream", "GET", "/arena/streams/99", 404, "no recap of stream 99"},
		{"StreamNotNumber", "GET", "/arena/streams/abc", 400, "stream:"},
		{"StreamZero", "GET", "/arena/streams/0", 400, "stream:"},
		{"LimitZero", "GET", "/arena/streams?limit=0", 400, "limit:"},
		{"LimitTooBig", "GET", "/arena/streams?limit=101", 400, "limit:"},
		{"BeforeNotNumber", "GET", "/arena/streams?before=x", 400, "before:"},
		{"BeforeNegative", "GET", "/arena/streams?before=-3", 400, "before:"},
		{"NotServedList", "GET", "/elsewhere/streams", 404, "not served"},
		{"NotServedOne", "GET", "/elsewhere/streams/1", 404, "not served"},
		{"NotServedSegment", "POST", "/elsewhere/segments", 404, "not served"},
		{"NotServedSegmentEnd", "POST", "/elsewhere/segments/end", 404, "not served"},
		{"UnknownChannel", "GET", "/nosuch/streams", 404, "not served"},
		// Without a running engine the segment routes say so.
		{"SegmentsUnavailable", "POST", "/arena/segments", 404, "segments are not available"},
		{"SegmentEndUnavailable", "POST", "/arena/segments/end", 404, "segments are not available"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apiCall(t, tt.method, base+tt.path)
			var e struct{ Error string }
			if status != tt.status || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error, tt.says) {
				t.Fatalf("%s %s: %d %s, want %d with an error saying %q", tt.method, tt.path, status, body, tt.status, tt.says)
			}
		})
	}

	req, _ := http.NewRequest("GET", base+"/arena/streams", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the admin token: %d, want 401", resp.StatusCode)
	}
}

// TestStreamReportDownload: ?format=md and ?format=html answer the
// report "hearth report" writes, as a file to download; another format is
// refused.
func TestStreamReportDownload(t *testing.T) {
	base := serveStreams(t)
	for _, tt := range []struct{ format, ctype, has string }{
		{"md", "text/markdown", "# "},
		{"html", "text/html", "<!doctype html>"},
	} {
		status, body := apiCall(t, "GET", base+"/arena/streams/24?format="+tt.format)
		if status != 200 || !strings.Contains(strings.ToLower(string(body)), tt.has) {
			t.Fatalf("%s: %d %.300s", tt.format, status, body)
		}
		req, _ := http.NewRequest("GET", base+"/arena/streams/24?format="+tt.format, nil)
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || resp.Header.Get("Content-Disposition") != `attachment; filename="arena-stream-24.`+tt.format+`"` {
			t.Fatalf("%s: %q %q", tt.format, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	}
	if status, body := apiCall(t, "GET", base+"/arena/streams/24?format=pdf"); status != 400 || !strings.Contains(string(body), "format") {
		t.Fatalf("pdf: %d %s", status, body)
	}
}
