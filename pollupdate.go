package hearth

import "time"

// PollUpdate is a native Twitch poll as Twitch reports it (EventSub
// channel.poll.begin, .progress and .end, or Helix Get Polls). Hearth
// mirrors it; it is never changed here.
type PollUpdate struct {
	ID        string
	Title     string
	Choices   []PollUpdateChoice
	Status    string // Twitch's status: ACTIVE, COMPLETED, TERMINATED, ARCHIVED, MODERATED, INVALID
	StartedAt time.Time
	EndsAt    time.Time // when it is due to end, or when it ended
}

// PollUpdateChoice is one choice of a native poll, with the votes Twitch
// counted for it.
type PollUpdateChoice struct {
	ID    string
	Title string
	Votes int64
}
