package hearth

import (
	"errors"
	"fmt"
	"testing"
)

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
