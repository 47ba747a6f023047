package hearth

import (
	"strings"
	"testing"
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
