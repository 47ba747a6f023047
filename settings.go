package hearth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// ChannelSettings are a channel's rules as the API reads and writes them
// (GET and PUT /api/v1/channels/{channel}/settings) and as the store keeps
// a channel's own values: grouped and named as hearth.yaml names the rule
// keys (points.per_message is Points.PerMessage, "per_message" under
// "points"). A nil field is one not given: in a PUT it keeps its value, in
// the store it follows the configuration.
type ChannelSettings struct {
	Points   *PointSettings   `json:"points,omitempty"`
	Streams  *StreamSettings  `json:"streams,omitempty"`
	Ranks    *RankSettings    `json:"ranks,omitempty"`
	Welcome  *WelcomeSettings `json:"welcome,omitempty"`
	Alerts   *AlertSettings   `json:"alerts,omitempty"`
	Bots     *[]string        `json:"bots,omitempty"`
	Commands *CommandSettings `json:"commands,omitempty"`
	Polls    *PollSettings    `json:"polls,omitempty"`
	Segments *SegmentSettings `json:"segments,omitempty"`
	Language *string          `json:"language,omitempty"`
}

// PointSettings are the points.* rule keys.
type PointSettings struct {
	PerMessage        *int64    `json:"per_message,omitempty"`
	MessageCooldown   *Duration `json:"message_cooldown,omitempty"`
	RepeatWindow      *Duration `json:"repeat_window,omitempty"`
	Presence          *int64    `json:"presence,omitempty"`
	PresenceInterval  *Duration `json:"presence_interval,omitempty"`
	PresenceTimeout   *Duration `json:"presence_timeout,omitempty"`
	SubBonus          *int64    `json:"sub_bonus,omitempty"`
	ResubBonus        *int64    `json:"resub_bonus,omitempty"`
	GiftBonus         *int64    `json:"gift_bonus,omitempty"`
	CheerBonusPer100  *int64    `json:"cheer_bonus_per_100,omitempty"`
	RaidBonus         *int64    `json:"raid_bonus,omitempty"`
	RaidViewerBonus   *int64    `json:"raid_viewer_bonus,omitempty"`
	RaidWindow        *Duration `json:"raid_window,omitempty"`
	FirstMessageBonus *int64    `json:"first_message_bonus,omitempty"`
	FollowBonus       *int64    `json:"follow_bonus,omitempty"`
	RedemptionBonus   *int64    `json:"redemption_bonus,omitempty"`
	SubMultiplier     *float64  `json:"sub_multiplier,omitempty"`
	VIPMultiplier     *float64  `json:"vip_multiplier,omitempty"`
}

// StreamSettings are the streams.* rule keys.
type StreamSettings struct {
	IdleGap          *Duration `json:"idle_gap,omitempty"`
	AttendMinimum    *Duration `json:"attend_minimum,omitempty"`
	StreakGraceEvery *int64    `json:"streak_grace_every,omitempty"`
}

// RankSettings are the ranks.* rule keys.
type RankSettings struct {
	By     *string     `json:"by,omitempty"`
	Ladder *[]RankStep `json:"ladder,omitempty"`
}

// RankStep is one rank of the ladder: viewers whose ranking value is at
// least Min hold it.
type RankStep struct {
	Name string `json:"name"`
	Min  int64  `json:"min"`
}

// WelcomeSettings are the welcome.* rule keys.
type WelcomeSettings struct {
	ReturningAfter *Duration `json:"returning_after,omitempty"`
	InChat         *bool     `json:"in_chat,omitempty"`
	RankUpInChat   *bool     `json:"rank_up_in_chat,omitempty"`
}

// AlertSettings are the alerts.* rule keys.
type AlertSettings struct {
	Follows     *bool `json:"follows,omitempty"`
	Redemptions *bool `json:"redemptions,omitempty"`
}

// CommandSettings are the commands.* rule keys.
type CommandSettings struct {
	Prefix         *string   `json:"prefix,omitempty"`
	UserCooldown   *Duration `json:"user_cooldown,omitempty"`
	GlobalCooldown *Duration `json:"global_cooldown,omitempty"`
}

// PollSettings are the polls.* rule keys.
type PollSettings struct {
	Duration      *Duration `json:"duration,omitempty"`
	AllowChange   *bool     `json:"allow_change,omitempty"`
	BareVotes     *bool     `json:"bare_votes,omitempty"`
	Weighting     *string   `json:"weighting,omitempty"`
	PointsPerVote *int64    `json:"points_per_vote,omitempty"`
}

// SegmentSettings are the segments.* rule keys.
type SegmentSettings struct {
	MaxNames *int `json:"max_names,omitempty"`
}

// Duration is a time.Duration that JSON writes as Go writes durations,
// "30s", "5m0s", and reads from such a string ("90s", "1h30m").
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "30s" or "1h30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`a duration is a string such as "30s" or "5m"`)
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf(`%q is not a duration such as "30s" or "5m"`, s)
	}
	*d = Duration(v)
	return nil
}

// ParseChannelSettings reads settings from JSON as the API takes them:
// one object of at most MaxSettingsBytes, every field, at every level,
// named exactly as ChannelSettings names it and given at most once. A
// refusal is an EINVALID *Error naming the field at fault by its dotted
// key ("points.per_message").
func ParseChannelSettings(data []byte) (ChannelSettings, error) {
	var s ChannelSettings
	if len(data) > MaxSettingsBytes {
		return s, Errorf(EINVALID, "settings: larger than %d bytes", MaxSettingsBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return s, Errorf(EINVALID, "settings: not a JSON object: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return s, Errorf(EINVALID, "settings: more than one JSON value")
	}
	if err := checkFields(raw, reflect.TypeFor[ChannelSettings](), ""); err != nil {
		return s, err
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return ChannelSettings{}, Errorf(EINVALID, "%s: must be %s", dotted(te.Field), te.Type)
		}
		return ChannelSettings{}, Errorf(EINVALID, "settings: %v", err)
	}
	return s, nil
}

// dotted turns encoding/json's field path ("points.per_message") into the
// rule key; it is already one, but for an empty path.
func dotted(path string) string {
	if path == "" {
		return "settings"
	}
	return path
}

// checkFields checks that raw, when t is a struct (behind pointers), is
// an object whose every field is one of t's json names, given once, and
// so on down; an array of structs is checked element by element. Other
// values are left to encoding/json.
func checkFields(raw json.RawMessage, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	trimmed := bytes.TrimSpace(raw)
	if bytes.Equal(trimmed, []byte("null")) {
		return nil
	}
	if t == reflect.TypeFor[Duration]() {
		var d Duration
		if err := d.UnmarshalJSON(trimmed); err != nil {
			return Errorf(EINVALID, "%s: %v", dotted(path), err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Slice:
		elem := t.Elem()
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		if elem.Kind() != reflect.Struct {
			return nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return Errorf(EINVALID, "%s: must be a list", dotted(path))
		}
		for i, item := range items {
			if err := checkFields(item, elem, fmt.Sprintf("%s[%d]", dotted(path), i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Struct:
	default:
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return Errorf(EINVALID, "%s: must be a JSON object", dotted(path))
	}
	fields := make(map[string]reflect.Type)
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = f.Type
		names = append(names, name)
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Errorf(EINVALID, "%s: not a JSON object: %v", dotted(path), err)
		}
		key, _ := tok.(string)
		at := key
		if path != "" {
			at = path + "." + key
		}
		ft, ok := fields[key]
		if !ok {
			for _, n := range names {
				if strings.EqualFold(n, key) {
					return Errorf(EINVALID, "%s: no such setting (did you mean %s? names are exact)", at, n)
				}
			}
			return Errorf(EINVALID, "%s: no such setting", at)
		}
		if seen[key] {
			return Errorf(EINVALID, "%s: given twice", at)
		}
		seen[key] = true
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return Errorf(EINVALID, "%s: not a JSON object: %v", dotted(path), err)
		}
		if err := checkFields(value, ft, at); err != nil {
			return err
		}
	}
	return nil
}
