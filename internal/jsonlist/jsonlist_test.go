package jsonlist

import (
	"testing"
	"time"
)

// TestEncodeJSONEmptyLists: nil slices and maps are written as [] and {}
// at any depth, inside maps, pointers and interfaces; nil pointers, []byte,
// omitzero fields and types that marshal themselves are left alone, and
// the value encoded is not changed.
func TestEncodeJSONEmptyLists(t *testing.T) {
	type inner struct {
		Winners []int            `json:"winners"`
		Ranks   map[string]int64 `json:"ranks"`
		Skip    []int            `json:"skip,omitzero"`
		Gone    []int            `json:"gone,omitempty"`
		hidden  []int
	}
	type outer struct {
		Polls []inner     `json:"polls"`
		One   inner       `json:"one"`
		Ptr   *inner      `json:"ptr"`
		Nil   *inner      `json:"nil"`
		Any   any         `json:"any"`
		Bytes []byte      `json:"bytes"`
		At    time.Time   `json:"at"`
		Grid  [2][]string `json:"grid"`
	}
	v := outer{Polls: []inner{{}}, Ptr: &inner{}, Any: map[string]any{"list": []string(nil)}, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"polls":[{"winners":[],"ranks":{}}],"one":{"winners":[],"ranks":{}},"ptr":{"winners":[],"ranks":{}},"nil":null,"any":{"list":[]},"bytes":null,"at":"2026-01-02T03:04:05Z","grid":[[],[]]}`
	if string(b) != want {
		t.Fatalf("Marshal:\n got %s\nwant %s", b, want)
	}
	if v.Polls[0].Winners != nil || v.Ptr.Winners != nil || v.Any.(map[string]any)["list"].([]string) != nil {
		t.Fatal("Marshal changed the value it encoded")
	}
	for _, x := range []any{nil, []int(nil), map[string]int(nil), 5, "s"} {
		if _, err := Marshal(x); err != nil {
			t.Fatalf("Marshal(%#v): %v", x, err)
		}
	}
	if b, _ := Marshal([]int(nil)); string(b) != "[]" {
		t.Fatalf("Marshal(nil slice) = %s", b)
	}
}
