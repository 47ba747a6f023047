package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string // error substring; "" means ok
	}{
		{"Ordered", fstest.MapFS{"m/002_b.sql": {Data: []byte("B")}, "m/001_a.sql": {Data: []byte("A")}}, ""},
		{"Gap", fstest.MapFS{"m/001_a.sql": {}, "m/003_c.sql": {}}, "expected version 2"},
		{"BadName", fstest.MapFS{"m/first.sql": {}}, "NNN_description.sql"},
		{"NotSQL", fstest.MapFS{"m/001_a.txt": {}}, "NNN_description.sql"},
		{"Empty", fstest.MapFS{"m/.keep": {}}, "NNN_description.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Load(tt.files, "m")
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || len(ms) != 2 || ms[0].SQL != "A" || ms[1].Version != 2 {
				t.Fatalf("got %+v, %v", ms, err)
			}
		})
	}
}

func TestCheckNotNewer(t *testing.T) {
	if err := CheckNotNewer(2, 2); err != nil {
		t.Fatal(err)
	}
	if err := CheckNotNewer(3, 2); err == nil || !strings.Contains(err.Error(), "upgrade hearth") {
		t.Fatalf("err = %v", err)
	}
}
