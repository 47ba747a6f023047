package hearth

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestBatchRowsNameTheirChannel holds every kind of row in a Batch to a
// Channel field of type string, which Batch.Without relies on.
func TestBatchRowsNameTheirChannel(t *testing.T) {
	bt := reflect.TypeOf(Batch{})
	for i := range bt.NumField() {
		f := bt.Field(i)
		if f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() != reflect.Struct {
			t.Errorf("Batch.%s is not a slice of rows", f.Name)
			continue
		}
		c, ok := f.Type.Elem().FieldByName("Channel")
		if !ok || c.Type.Kind() != reflect.String {
			t.Errorf("the rows of Batch.%s (%s) have no Channel string field", f.Name, f.Type.Elem())
		}
	}
}

func TestBatchWithout(t *testing.T) {
	b := Batch{
		Viewers: []ViewerStats{{Channel: "a", UserID: "1"}, {Channel: "b", UserID: "2"}, {Channel: "a", UserID: "3"}},
		Streams: []StreamSession{{Channel: "a", Seq: 1}},
		Forget:  []ViewerKey{{Channel: "b", UserID: "9"}},
		Polls:   []Poll{{Channel: "b", ID: "p"}},
	}
	got := b.Without("a")
	want := Batch{
		Viewers: []ViewerStats{{Channel: "b", UserID: "2"}},
		Streams: []StreamSession{},
		Forget:  []ViewerKey{{Channel: "b", UserID: "9"}},
		Polls:   []Poll{{Channel: "b", ID: "p"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Without(a) = %+v\nwant %+v", got, want)
	}
	if len(b.Viewers) != 3 || b.Viewers[1].Channel != "b" {
		t.Fatalf("Without changed the batch it was called on: %+v", b.Viewers)
	}
	if got.Len() != 3 {
		t.Fatalf("Len after Without = %d, want 3", got.Len())
	}
}

func TestFenceAndLeaseLost(t *testing.T) {
	ctx := context.Background()
	if _, ok := FenceFrom(ctx); ok {
		t.Fatal("a bare context carries a fence")
	}
	f := Fence{Owner: "one", Epochs: map[string]int64{"a": 3}}
	got, ok := FenceFrom(WithFence(ctx, f))
	if !ok || got.Owner != "one" || got.Epochs["a"] != 3 {
		t.Fatalf("FenceFrom = %+v, %v", got, ok)
	}
	var err error = &LeaseLostError{Channel: "a"}
	wrapped := errors.Join(errors.New("postgres: unable to apply batch"), err)
	if ErrorCode(wrapped) != ECONFLICT || ErrorMessage(err) != err.Error() {
		t.Fatalf("a lost lease reads as %s %q", ErrorCode(wrapped), ErrorMessage(err))
	}
	var lost *LeaseLostError
	if !errors.As(wrapped, &lost) || lost.Channel != "a" {
		t.Fatalf("errors.As found %+v", lost)
	}
	if (ClusterResult{}).Err() != nil || ErrorCode(ClusterResult{ErrorCode: ENOTFOUND, ErrorMessage: "x"}.Err()) != ENOTFOUND {
		t.Fatal("ClusterResult.Err does not carry the code")
	}
}
