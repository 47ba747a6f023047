package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// The activity chart's size in SVG user units. The plot's left edge leaves
// room for the widest axis label, and its top for the lanes of segment
// labels; its height is fixed.
const (
	chartWidth = 860
	plotLeft   = 44 // at least
	plotRight  = chartWidth - 12
	plotTop    = 22 // with one lane of segment labels
	plotHeight = 192
	plotBelow  = 26 // room for the time labels

	// Text sizes, in user units, as the template's CSS sets them.
	axisFont  = 11
	labelFont = 11
	// laneHeight is how far apart the lanes of segment labels are; at
	// most maxLanes are stacked over the plot, and a label that finds no
	// room in any is left out (its band keeps its tooltip, and the
	// segments table names it).
	laneHeight = 14
	maxLanes   = 4
	// maxLabelWidth caps a segment label, which is cut with an ellipsis
	// beyond it.
	maxLabelWidth = 420
	labelGap      = 8 // between two labels in one lane
)

// chart is the activity curve drawn as SVG: messages per minute as an
// area, distinct chatters per minute as a line, and sponsor segments as
// shaded bands, each labelled with its name above the plot. Its numbers
// are computed here, text widths with a generous estimate (textWidth) so
// that no two labels overlap and none leaves the chart; the template only
// places them, escaping every text.
type chart struct {
	Width, Height          int
	Left, Right, Top, Base float64
	Span                   float64 // Base - Top: the plot's height
	Minutes                int     // minutes the x axis spans
	Area                   string  // path data of the messages area
	Line                   string  // polyline points of the chatters line
	Peak                   int64   // the most messages of a minute
	YTicks, XTicks         []tick
	Bands                  []band
}

// tick is an axis mark: a position, its label and how the label is
// anchored ("start", "middle" or "end").
type tick struct {
	At     float64
	Label  string
	Anchor string
}

// band is a sponsor segment's span on the x axis, and its label: Name cut
// to fit, at LabelX, LabelY; Label is "" when no lane had room.
type band struct {
	X, W           float64
	Name           string
	Label          string
	LabelX, LabelY float64
}

// newChart lays out r's activity curve.
func newChart(r Recap) chart {
	minutes := int(r.Duration() / time.Minute)
	if n := len(r.Activity); n > 0 {
		minutes = max(minutes, r.Activity[n-1].Minute+1)
	}
	minutes = max(min(minutes, hearth.MaxRecapMinutes), 1)
	msgs := make([]int64, minutes)
	chatters := make([]int64, minutes)
	var peak int64
	for _, m := range r.Activity {
		if m.Minute < 0 || m.Minute >= minutes {
			continue
		}
		msgs[m.Minute], chatters[m.Minute] = m.Messages, m.Chatters
		peak = max(peak, m.Messages, m.Chatters)
	}
	top := niceCeil(peak)
	yLabels := []string{"0", strconv.FormatInt(top/2, 10), strconv.FormatInt(top, 10)}
	left := float64(plotLeft)
	for _, l := range yLabels {
		left = max(left, 10+textWidth(l, axisFont))
	}
	x := func(minute float64) float64 { return left + (plotRight-left)*minute/float64(minutes) }

	bands, lanes := segmentBands(r, minutes, x, left)
	plotTop := plotTop + float64(max(lanes-1, 0))*laneHeight
	plotBottom := plotTop + plotHeight
	for i := range bands {
		bands[i].LabelY += plotTop
	}
	c := chart{Width: chartWidth, Height: int(plotBottom) + plotBelow, Left: left, Right: plotRight, Top: plotTop, Base: plotBottom, Span: plotHeight,
		Minutes: minutes, Peak: peak, Bands: bands}
	y := func(v int64) float64 { return plotBottom - plotHeight*float64(v)/float64(top) }

	// Each minute is a step of the area and of the line, so a quiet minute
	// shows as a gap rather than being bridged by a slope, and a stream of
	// one minute still draws.
	var area strings.Builder
	fmt.Fprintf(&area, "M%s %s", num(x(0)), num(plotBottom))
	var line []string
	for i, v := range msgs {
		fmt.Fprintf(&area, " L%s %s L%s %s", num(x(float64(i))), num(y(v)), num(x(float64(i+1))), num(y(v)))
		line = append(line, num(x(float64(i)))+","+num(y(chatters[i])), num(x(float64(i+1)))+","+num(y(chatters[i])))
	}
	fmt.Fprintf(&area, " L%s %s Z", num(x(float64(minutes))), num(plotBottom))
	c.Area, c.Line = area.String(), strings.Join(line, " ")

	for i, v := range []int64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, tick{At: y(v), Label: yLabels[i], Anchor: "end"})
	}
	// The time labels are centred on their ticks, but for the first, which
	// starts at the plot's edge clear of the value axis, and any that would
	// leave the chart on the right.
	step := tickStep(minutes)
	for m := 0; m <= minutes; m += step {
		t := tick{At: x(float64(m)), Label: fmt.Sprintf("%d:%02d", m/60, m%60), Anchor: "middle"}
		switch {
		case m == 0:
			t.Anchor = "start"
		case t.At+textWidth(t.Label, axisFont)/2 > chartWidth-2:
			t.Anchor = "end"
		}
		c.XTicks = append(c.XTicks, t)
	}
	return c
}

// segmentBands lays out r's segments as bands on the x axis (x maps a
// minute to it; the plot starts at left) and their labels in lanes over
// the plot: each label goes into the lowest lane where it clears the
// labels before it. It returns the bands, their LabelY relative to the
// plot's top, and how many lanes are used.
func segmentBands(r Recap, minutes int, x func(float64) float64, left float64) ([]band, int) {
	var bands []band
	for i, s := range r.Segments {
		from := s.StartedAt.Sub(r.StartedAt).Minutes()
		to := from + segmentDuration(s, r.streamEnd()).Minutes()
		from, to = max(from, 0), min(to, float64(minutes))
		if to <= from {
			continue
		}
		bands = append(bands, band{X: x(from), W: x(to) - x(from), Name: segmentName(s, i)})
	}
	order := make([]int, len(bands))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return bands[order[a]].X < bands[order[b]].X })
	var ends []float64 // the right end of the last label in each lane
	for _, i := range order {
		b := &bands[i]
		label := fitText(b.Name, labelFont, min(maxLabelWidth, plotRight-left))
		w := textWidth(label, labelFont)
		lx := min(b.X+3, chartWidth-2-w)
		lane := -1
		for k, end := range ends {
			if end+labelGap <= lx {
				lane = k
				break
			}
		}
		if lane < 0 && len(ends) < maxLanes {
			lane = len(ends)
			ends = append(ends, 0)
		}
		if lane < 0 {
			continue
		}
		ends[lane] = lx + w
		b.Label, b.LabelX, b.LabelY = label, lx, -6-float64(lane)*laneHeight
	}
	return bands, len(ends)
}

// textWidth estimates how wide s is drawn at size, generously: at least
// as wide as any common sans-serif font draws it, bold included, so that
// what is laid out with it never overlaps.
func textWidth(s string, size float64) float64 {
	em := 0.0
	for _, r := range s {
		switch {
		case r == ' ':
			em += 0.4
		case strings.ContainsRune("iljIftr.,:;!|'()[]", r):
			em += 0.5
		case strings.ContainsRune("mwMW@%&", r):
			em += 1.1
		case r < 0x80:
			em += 0.8
		case r >= 0x1100 && (r <= 0x115F || r >= 0x2E80):
			em += 1.25 // wide: CJK, Hangul, fullwidth forms, emoji
		default:
			em += 1.0
		}
	}
	return em * size
}

// fitText returns s, or the longest start of it followed by an ellipsis
// that textWidth measures at most width.
func fitText(s string, size, width float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	runes := []rune(s)
	for n := len(runes) - 1; n > 0; n-- {
		cut := strings.TrimRight(string(runes[:n]), " ") + "…"
		if textWidth(cut, size) <= width {
			return cut
		}
	}
	return "…"
}

// niceCeil returns the smallest of 1, 2 or 5 times a power of ten that is
// at least v (and at least 2, so the middle tick is a whole number).
func niceCeil(v int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, f := range []int64{1, 2, 5} {
			if f*p >= v && f*p >= 2 {
				return f * p
			}
		}
	}
}

// tickStep returns the minutes between x axis labels, so that there are
// at most about ten.
func tickStep(minutes int) int {
	for _, s := range []int{1, 5, 10, 15, 30, 60, 120, 180} {
		if minutes/s <= 10 {
			return s
		}
	}
	return 240
}

// num formats a coordinate with one decimal.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
