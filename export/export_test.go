package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

var viewers = []hearth.ViewerStats{
	{Channel: "c", UserID: "1", Login: "ann", DisplayName: "Ann, \"the\" first", Messages: 3, Points: 30, FirstSeen: time.UnixMilli(1568505600501), LastSeen: time.UnixMilli(1568505700501)},
	{Channel: "c", UserID: "2", Login: "bob", DisplayName: "=HYPERLINK(\"x\")", Messages: 1, Points: 10},
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "json", viewers, nil); err != nil {
		t.Fatal(err)
	}
	var got []Record
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].DisplayName != viewers[0].DisplayName || got[0].Messages != 3 || got[0].FirstSeen != "2019-09-15T00:00:00.501Z" || got[1].LastSeen != "" {
		t.Fatalf("got %+v", got)
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, "csv", viewers, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "user_id" || rows[1][2] != viewers[0].DisplayName || rows[1][4] != "30" || rows[0][6] != "rank" {
		t.Fatalf("rows %q", rows)
	}
	if rows[2][2] != "'=HYPERLINK(\"x\")" {
		t.Fatalf("formula not defused: %q", rows[2][2])
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, "xml", viewers, nil)
	if hearth.ErrorCode(err) != hearth.EINVALID {
		t.Fatalf("err = %v", err)
	}
}

// TestPositions checks that an export ranks by the channel's rule: equal
// points share a position, and bots and the broadcaster have none.
func TestPositions(t *testing.T) {
	vs := []hearth.ViewerStats{
		{Channel: "c", UserID: "1", Login: "ann", Points: 500},
		{Channel: "c", UserID: "2", Login: "bob", Points: 310},
		{Channel: "c", UserID: "3", Login: "cat", Points: 310},
		{Channel: "c", UserID: "4", Login: "dan", Points: 200},
		{Channel: "c", UserID: "5", Login: "nightbot", Points: 900},
		{Channel: "c", UserID: "6", Login: "c", Points: 800},
	}
	st := community.Standing{Channel: "c", Rules: community.DefaultRules()}
	want := map[string]string{"ann": "1", "bob": "2", "cat": "2", "dan": "4", "nightbot": "", "c": ""}

	var buf bytes.Buffer
	if err := Write(&buf, "json", vs, st); err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &recs); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		login := r["login"].(string)
		got := ""
		if p, ok := r["position"]; ok {
			got = strconv.FormatFloat(p.(float64), 'f', -1, 64)
		}
		if got != want[login] {
			t.Errorf("JSON position of %s = %q, want %q", login, got, want[login])
		}
	}

	buf.Reset()
	if err := Write(&buf, "csv", vs, st); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "position")
	if col < 0 {
		t.Fatalf("no position column in %q", rows[0])
	}
	for _, row := range rows[1:] {
		if row[col] != want[row[1]] {
			t.Errorf("CSV position of %s = %q, want %q", row[1], row[col], want[row[1]])
		}
	}
}

// TestCSVShowsDisplayText checks that the CSV exports show names, poll
// questions and labels as hearth.DisplayText does: a blank name is the
// login, an override is gone, and a right-to-left name is isolated so it
// cannot reorder the cells around it when the file is read as text.
func TestCSVShowsDisplayText(t *testing.T) {
	vs := []hearth.ViewerStats{
		{Channel: "c", UserID: "1", Login: "blank", DisplayName: "\u200b\u200b\u200b", Points: 3},
		{Channel: "c", UserID: "2", Login: "evil", DisplayName: "\u202eevil_name", Points: 2},
		{Channel: "c", UserID: "3", Login: "arab", DisplayName: "محمد", Points: 1},
		{Channel: "c", UserID: "4", Login: "calc", DisplayName: "\u200b=1+1", Points: 0},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "csv", vs, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, row := range rows[1:] {
		names = append(names, row[2])
	}
	if want := []string{"blank", "evil_name", "\u2068محمد\u2069", "'=1+1"}; !slices.Equal(names, want) {
		t.Errorf("CSV display names %+q, want %+q", names, want)
	}

	polls := []hearth.Poll{{ID: "7", Kind: hearth.PollChat, Status: hearth.PollClosed, Question: "Which \u202emap?",
		Options: []string{"Du\u202est", "\u200b", "خريطة"}, Tally: hearth.PollTally{Votes: []int64{1, 0, 2}, Scores: []int64{1, 0, 2}, Winners: []int{2}}}}
	buf.Reset()
	if err := WritePolls(&buf, "csv", polls); err != nil {
		t.Fatal(err)
	}
	if rows, err = csv.NewReader(&buf).ReadAll(); err != nil {
		t.Fatal(err)
	}
	q, l := slices.Index(rows[0], "question"), slices.Index(rows[0], "label")
	var got []string
	for _, row := range rows[1:] {
		got = append(got, row[q]+" | "+row[l])
	}
	if want := []string{"Which map? | Dust", "Which map? | 2", "Which map? | \u2068خريطة\u2069"}; !slices.Equal(got, want) {
		t.Errorf("CSV poll rows %+q, want %+q", got, want)
	}
}

// TestWritePollsJSONEmptyLists: an open poll's winners, and a poll with no
// votes yet, export as [] like the API shows them, never as null.
func TestWritePollsJSONEmptyLists(t *testing.T) {
	open := hearth.Poll{ID: "p1", Kind: "chat", Status: "open", Question: "Next game?", Options: []string{"a", "b"}}
	var buf bytes.Buffer
	if err := WritePolls(&buf, "json", []hearth.Poll{open}); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("null")) {
		t.Fatalf("export holds null where a list belongs:\n%s", buf.Bytes())
	}
	var got []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	tally, _ := got[0]["tally"].(map[string]any)
	if w, ok := tally["winners"].([]any); !ok || len(w) != 0 {
		t.Fatalf("winners = %#v, want []", tally["winners"])
	}
	buf.Reset()
	if err := WritePolls(&buf, "json", nil); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Fatalf("no polls: %q, %v", buf.String(), err)
	}
}
