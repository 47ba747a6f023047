package community

// earning is what one chat message earned, remembered so that a deleted
// message's points can be taken back.
type earning struct {
	userID string
	points int64
}
