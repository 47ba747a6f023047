package hearth

import (
	"strings"
	"testing"
	"time"
)

func TestBatchValidate(t *testing.T) {
	now := time.Now()
	good := ViewerStats{Channel: "chan", UserID: "1", Login: "ann"}
	tests := []struct {
		name string
		b    Batch
		ok   bool
	}{
		{"Empty", Batch{}, true},
		{"GoodViewer", Batch{Viewers: []ViewerStats{good}}, true},
		{"NoUserID", Batch{Viewers: []ViewerStats{{Channel: "chan"}}}, false},
		{"BadChannel", Batch{Viewers: []ViewerStats{{Channel: "Chan", UserID: "1"}}}, false},
		{"NegativePoints", Batch{Viewers: []ViewerStats{{Channel: "chan", UserID: "1", Points: -1}}}, false},
		{"NULInName", Batch{Viewers: []ViewerStats{{Channel: "chan", UserID: "1", DisplayName: "a\x00b"}}}, false},
		{"LongName", Batch{Viewers: []ViewerStats{{Channel: "chan", UserID: "1", DisplayName: strings.Repeat("x", 257)}}}, false},
		{"GoodStream", Batch{Streams: []StreamSession{{Channel: "chan", Seq: 1, StartedAt: now, Source: SourceChat}}}, true},
		{"StreamSeqZero", Batch{Streams: []StreamSession{{Channel: "chan", StartedAt: now, Source: SourceChat}}}, false},
		{"StreamEndsBeforeStart", Batch{Streams: []StreamSession{{Channel: "chan", Seq: 1, StartedAt: now, EndedAt: now.Add(-time.Second), Source: SourceTwitch}}}, false},
		{"StreamBadSource", Batch{Streams: []StreamSession{{Channel: "chan", Seq: 1, StartedAt: now, Source: "guess"}}}, false},
		{"GoodForget", Batch{Forget: []ViewerKey{{Channel: "chan", UserID: "1"}}}, true},
		{"ForgetInvalidID", Batch{Forget: []ViewerKey{{Channel: "chan", UserID: "\xff"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.b.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code %q, want %q", ErrorCode(err), EINVALID)
			}
		})
	}
}
