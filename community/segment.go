package community

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// CmdSegment marks sponsor segments: "!segment start Acme Energy" and
// "!segment end".
const CmdSegment = "segment"

// MaxSegmentName is the longest segment name, in characters, so that the
// segment label of the metrics stays short.
const MaxSegmentName = 40

// MaxSegmentNames is the most segment names Rules.SegmentMaxNames allows.
const MaxSegmentNames = 100

// Reasons a segment command or call is refused.
const (
	RejectSegmentRunning = "segment_running" // a segment is already running
	RejectNoSegment      = "no_segment"      // !segment end with none running
	RejectBadSegment     = "bad_segment"     // neither start NAME nor end, or a name empty, too long or with control characters
	RejectSegmentNames   = "segment_names"   // the channel has used Rules.SegmentMaxNames names already
	RejectOffline        = "offline"         // no stream is live
)

// CleanSegmentName returns name trimmed, with runs of spaces made one, and
// whether it can name a segment: 1 to MaxSegmentName characters of valid
// UTF-8 with no control or invisible format characters.
func CleanSegmentName(name string) (string, bool) {
	name = strings.Join(strings.FieldsFunc(name, cmdSeparator), " ")
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxSegmentName {
		return name, false
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return name, false
		}
	}
	return name, true
}

// segmentCommand runs "!segment start NAME" and "!segment end".
func (c *Channel) segmentCommand(ev hearth.Event, cmd Command) (rejected, reply string) {
	verb, rest := cmdNextField(cmd.Text)
	usage := Usage(c.rules.CommandPrefix, CmdSegment)
	switch strings.ToLower(verb) {
	case "start":
		name, err := c.startSegment(rest, ev.Time)
		if err != "" {
			return err, c.segmentRefusal(err, usage)
		}
		return "", c.say("segment_started", shownText(name, "", lineQuestion), c.rules.CommandPrefix+CmdSegment+" end")
	case "end", "stop":
		s, err := c.endSegmentNow(ev.Time)
		if err != "" {
			return err, c.segmentRefusal(err, usage)
		}
		return "", c.say("segment_ended", shownText(s.Name, "", lineQuestion), FormatSeconds(s.EndedAt.Sub(s.StartedAt).Round(time.Second)), fmt.Sprintf("%.2f", s.Lift))
	}
	return RejectBadSegment, c.say("segment_invalid", usage, MaxSegmentName)
}

func (c *Channel) segmentRefusal(reason, usage string) string {
	switch reason {
	case RejectSegmentRunning:
		return c.say("segment_running", shownText(c.recap.r.Segments[c.recap.running].Name, "", lineQuestion), c.rules.CommandPrefix+CmdSegment+" end")
	case RejectNoSegment:
		return c.say("segment_none", c.rules.CommandPrefix+CmdSegment+" start")
	case RejectSegmentNames:
		return c.say("segment_too_many", c.rules.SegmentMaxNames)
	case RejectOffline:
		return c.say("segment_offline")
	}
	return c.say("segment_invalid", usage, MaxSegmentName)
}

// segmentName reports whether name may be used: it was used before, or
// the channel has room for another name; a new name is remembered.
func (c *Channel) segmentName(name string) bool {
	rs := c.recap
	if _, ok := rs.names[name]; ok {
		return true
	}
	if len(rs.order) >= c.rules.SegmentMaxNames {
		return false
	}
	rs.names[name] = struct{}{}
	rs.order = append(rs.order, name)
	return true
}

// startSegment starts a segment named name at at, returning the cleaned
// name or the reason it is refused.
func (c *Channel) startSegment(name string, at time.Time) (string, string) {
	name, ok := CleanSegmentName(name)
	switch {
	case !ok:
		return name, RejectBadSegment
	case !c.live:
		return name, RejectOffline
	case c.recap.running >= 0:
		return name, RejectSegmentRunning
	case len(c.recap.r.Segments) >= hearth.MaxRecapSegments || !c.segmentName(name):
		return name, RejectSegmentNames
	}
	if at.Before(c.clock) {
		at = c.clock
	}
	rs := c.recap
	rs.r.Segments = append(rs.r.Segments, hearth.SegmentRecap{Name: name, StartedAt: at})
	rs.segParts = append(rs.segParts, partCounts{})
	rs.running = len(rs.r.Segments) - 1
	rs.dirty = true
	return name, ""
}

// endSegmentNow ends the running segment at at and returns its recap, or
// the reason there is none.
func (c *Channel) endSegmentNow(at time.Time) (hearth.SegmentRecap, string) {
	if c.recap.running < 0 {
		return hearth.SegmentRecap{}, RejectNoSegment
	}
	if at.Before(c.clock) {
		at = c.clock
	}
	i := c.recap.running
	c.endSegment(at)
	r, _ := c.Recap()
	return r.Segments[i], ""
}

// endSegment ends the running segment at at.
func (c *Channel) endSegment(at time.Time) {
	rs := c.recap
	s := &rs.r.Segments[rs.running]
	if at.Before(s.StartedAt) {
		at = s.StartedAt
	}
	s.EndedAt = at
	rs.running = -1
	rs.dirty = true
}

// StartSegment starts a sponsor segment named name at now, as
// "!segment start" does, for the API. It returns EINVALID for a bad name,
// ECONFLICT when a segment runs, no stream is live or the channel has no
// room for another name. The Result is to be applied also with an error:
// the clock moved to now.
func (c *Channel) StartSegment(name string, now time.Time) (hearth.SegmentRecap, Result, error) {
	c.begin()
	c.advance(now)
	_, reason := c.startSegment(name, now)
	var err error
	switch reason {
	case "":
		r, _ := c.Recap()
		return r.Segments[len(r.Segments)-1], c.finish(), nil
	case RejectBadSegment:
		err = hearth.Errorf(hearth.EINVALID, "a segment name is 1 to %d characters with no control characters", MaxSegmentName)
	case RejectSegmentRunning:
		err = hearth.Errorf(hearth.ECONFLICT, "segment %q is running in #%s; end it first", c.recap.r.Segments[c.recap.running].Name, c.name)
	case RejectOffline:
		err = hearth.Errorf(hearth.ECONFLICT, "#%s is not live", c.name)
	default:
		err = hearth.Errorf(hearth.ECONFLICT, "#%s has used its %d segment names; reuse one", c.name, c.rules.SegmentMaxNames)
	}
	return hearth.SegmentRecap{}, c.finish(), err
}

// EndSegment ends the running sponsor segment at now, as "!segment end"
// does, for the API, and returns its recap; ENOTFOUND when none runs.
func (c *Channel) EndSegment(now time.Time) (hearth.SegmentRecap, Result, error) {
	c.begin()
	c.advance(now)
	s, reason := c.endSegmentNow(now)
	if reason != "" {
		return s, c.finish(), hearth.Errorf(hearth.ENOTFOUND, "#%s has no running segment", c.name)
	}
	return s, c.finish(), nil
}
