package hearth

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestNormalizeChannel(t *testing.T) {
	tests := map[string]string{
		"#XQCow": "xqcow", " name ": "name", "a_b_9": "a_b_9", "": "", "#": "",
		"has space": "", "émile": "", strings.Repeat("a", 26): "", strings.Repeat("a", 25): strings.Repeat("a", 25),
		"<script>": "", "chan\r\nPRIVMSG": "",
	}
	for in, want := range tests {
		if got := NormalizeChannel(in); got != want {
			t.Errorf("NormalizeChannel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"Nil", nil, "", ""},
		{"Coded", Errorf(ENOTFOUND, "no viewer %s", "ann"), ENOTFOUND, "no viewer ann"},
		{"Wrapped", fmt.Errorf("store: %w", Errorf(EINVALID, "bad")), EINVALID, "bad"},
		{"Plain", errors.New("disk on fire"), EINTERNAL, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, m := ErrorCode(tt.err), ErrorMessage(tt.err); c != tt.code || m != tt.msg {
				t.Fatalf("code %q message %q, want %q %q", c, m, tt.code, tt.msg)
			}
		})
	}
}

// TestErrorText checks that an error reads as its message, alone or
// wrapped, with no internal formatting around it.
func TestErrorText(t *testing.T) {
	err := Errorf(ECONFLICT, "poll %d is already open", 3)
	if got := err.Error(); got != "poll 3 is already open" {
		t.Errorf("Error() = %q", got)
	}
	if got := fmt.Errorf("store: %w", err).Error(); got != "store: poll 3 is already open" {
		t.Errorf("wrapped Error() = %q", got)
	}
}

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

func TestEventKindNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range EventKinds() {
		n := k.String()
		if n == "unknown" || seen[n] {
			t.Fatalf("kind %d has name %q", k, n)
		}
		seen[n] = true
	}
	if EventKind(200).String() != "unknown" {
		t.Fatal("out-of-range kind has a name")
	}
}
