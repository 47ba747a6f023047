package hearth

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// Lease is one instance's claim to run one channel when several instances
// share a PostgreSQL database. Exactly one instance holds a channel's lease
// at a time; the holder renews it before it expires, and another instance
// may take it over once it has.
//
// Epoch is the fencing token: it grows every time the lease changes hands
// (and on every take-over), and never returns to an earlier value, so a
// write that carries an older epoch than the lease's is from an instance
// that no longer owns the channel, and the database refuses it.
type Lease struct {
	Channel string `json:"channel"`
	// Owner is the id of the instance holding the lease, "" once released.
	Owner      string    `json:"owner"`
	Epoch      int64     `json:"epoch"`
	AcquiredAt time.Time `json:"acquired_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Remaining is how long the lease had left when it was read, by the
	// database's clock (which every instance shares); zero or less once it
	// has expired or been released.
	Remaining time.Duration `json:"-"`
	// Handover is set only on a lease just acquired: why its last owner
	// had let it go (HandoverExpired, HandoverReleased,
	// HandoverRebalanced), or "" for a channel never leased before.
	Handover string `json:"-"`
}

// Why a lease changed hands: its last owner stopped renewing it (died,
// hung, cut off from the database), stopped cleanly, or held more than
// its fair share of the channels.
const (
	HandoverExpired    = "expired"
	HandoverReleased   = "released"
	HandoverRebalanced = "rebalanced"
)

// Free reports whether, when it was read, nobody held the lease: it had
// been released or had expired.
func (l Lease) Free() bool { return l.Owner == "" || l.Remaining <= 0 }

// Instance is one running Hearth process of a cluster, as its heartbeat
// row tells.
type Instance struct {
	ID        string    `json:"id"`
	StartedAt time.Time `json:"started_at"`
	Heartbeat time.Time `json:"heartbeat"`
	// Live is whether its heartbeat had not expired when it was read.
	Live bool `json:"live"`
}

// Fence says, for the writes of one call, which instance writes and the
// lease epoch it holds for each channel it writes. A store that enforces
// leases refuses, with a *LeaseLostError, a write of a channel whose lease
// is not held by Owner at exactly that epoch; a write without a fence is
// refused only while another instance holds a live lease on its channel.
type Fence struct {
	Owner  string
	Epochs map[string]int64
}

type fenceKey struct{}

// WithFence returns a context whose store writes carry f.
func WithFence(ctx context.Context, f Fence) context.Context {
	return context.WithValue(ctx, fenceKey{}, f)
}

// FenceFrom returns the fence ctx carries, if it carries one.
func FenceFrom(ctx context.Context) (Fence, bool) {
	f, ok := ctx.Value(fenceKey{}).(Fence)
	return f, ok
}

// LeaseLostError is what a store returns for a write refused because the
// writer does not hold the lease of Channel at the epoch it claimed: the
// lease expired, or another instance took the channel over. The writer
// must stop running the channel. It unwraps to an ECONFLICT *Error.
type LeaseLostError struct {
	Channel string
}

// Error says which channel's lease was lost.
func (e *LeaseLostError) Error() string {
	return fmt.Sprintf("lease lost: channel %.40q is run by another instance now", e.Channel)
}

// Unwrap returns the ECONFLICT *Error that ErrorCode and ErrorMessage read.
func (e *LeaseLostError) Unwrap() error { return &Error{Code: ECONFLICT, Message: e.Error()} }

// ClusterCommand is an action for a channel run by another instance,
// forwarded to that instance through the database. Body and the result
// are opaque to the store (JSON, by convention of the action).
type ClusterCommand struct {
	ID      int64
	Channel string
	Action  string
	Body    []byte
}

// ClusterResult is what the instance that ran a ClusterCommand wrote back:
// a result, or an error's code and message.
type ClusterResult struct {
	Result       []byte
	ErrorCode    string
	ErrorMessage string
}

// Err returns the result's error as an *Error, or nil if it succeeded.
func (r ClusterResult) Err() error {
	if r.ErrorCode == "" {
		return nil
	}
	return &Error{Code: r.ErrorCode, Message: r.ErrorMessage}
}

// Without returns the batch without the rows of channel: the rows an
// instance made for a channel whose lease it lost, which the database
// would refuse. Every kind of row a Batch holds names its channel in a
// Channel field, which Without reads, so a kind of row added to Batch
// later is covered without a change here.
func (b Batch) Without(channel string) Batch {
	v := reflect.ValueOf(&b).Elem()
	for i := range v.NumField() {
		rows := v.Field(i)
		if rows.Kind() != reflect.Slice || rows.Len() == 0 {
			continue
		}
		kept := reflect.MakeSlice(rows.Type(), 0, rows.Len())
		for j := range rows.Len() {
			if rows.Index(j).FieldByName("Channel").String() != channel {
				kept = reflect.Append(kept, rows.Index(j))
			}
		}
		rows.Set(kept)
	}
	return b
}

// OverlayState is the latest state of one overlay topic of a channel, as
// the instance running the channel published it, relayed through the
// database to the instances whose overlays show the channel without
// running it. State is the JSON the overlays receive; Version grows with
// every write of the (Channel, Topic) row, so an older state never
// replaces a newer one.
type OverlayState struct {
	Channel string
	Topic   string
	Version int64
	State   []byte
}

// ClusterStatus is what GET /api/v1/cluster shows an operator: the
// instance answering, every instance with a heartbeat, and every channel's
// lease, by channel.
type ClusterStatus struct {
	Instance  string     `json:"instance"`
	Instances []Instance `json:"instances"`
	Leases    []Lease    `json:"leases"`
}
