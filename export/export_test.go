package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
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
