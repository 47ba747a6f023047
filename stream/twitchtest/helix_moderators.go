package twitchtest

import (
	"net/http"
	"slices"
	"strconv"
)

// SetModerators replaces the moderators of channel with logins, for Get
// Moderators and the moderator checks of Get Chatters and Send Chat
// Announcement.
func (a *API) SetModerators(channel string, logins ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hx := a.helix()
	hx.known[channel] = true
	for _, l := range logins {
		hx.known[l] = true
	}
	hx.moderators[channel] = slices.Clone(logins)
}

// SetDisplayName sets the display name Get Users gives login: any text,
// hostile included, as Twitch's users may choose.
func (a *API) SetDisplayName(login, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	hx := a.helix()
	hx.known[login] = true
	hx.names[login] = name
}

// getModerators answers GET /moderation/moderators: broadcaster_id (the
// token's user: only broadcasters list their moderators), first (1 to
// 100, default 20) and after (a cursor from the last page).
func (a *API) getModerators(w http.ResponseWriter, r *http.Request, tok *Token) {
	q := r.URL.Query()
	bid := q.Get("broadcaster_id")
	switch {
	case bid == "":
		helixError(w, http.StatusBadRequest, "Missing required parameter \"broadcaster_id\"")
		return
	case bid != tok.UserID:
		helixError(w, http.StatusUnauthorized, "The ID in broadcaster_id must match the user ID found in the request's OAuth token.")
		return
	}
	first := 20
	if s := q.Get("first"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			helixError(w, http.StatusBadRequest, "The value in the first query parameter is not valid")
			return
		}
		first = n
	}
	from := 0
	if s := q.Get("after"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			helixError(w, http.StatusBadRequest, "The cursor in the after query parameter is not valid")
			return
		}
		from = n
	}
	type moderator struct {
		UserID    string `json:"user_id"`
		UserLogin string `json:"user_login"`
		UserName  string `json:"user_name"`
	}
	mods := a.helix().moderators[tok.Login]
	data := []moderator{}
	for i := from; i < len(mods) && i < from+first; i++ {
		data = append(data, moderator{UserID: UserID(mods[i]), UserLogin: mods[i], UserName: a.user(mods[i]).DisplayName})
	}
	page := map[string]any{}
	if from+first < len(mods) {
		page["cursor"] = strconv.Itoa(from + first)
	}
	writeData(w, map[string]any{"data": data, "pagination": page})
}
