package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// The activity chart's size in SVG user units, and its plot area.
const (
	chartWidth  = 860
	chartHeight = 240
	plotLeft    = 44
	plotRight   = chartWidth - 12
	plotTop     = 22
	plotBottom  = chartHeight - 26
)

// chart is the activity curve drawn as SVG: messages per minute as an
// area, distinct chatters per minute as a line, and sponsor segments as
// shaded bands. Its numbers are computed here; the template only places
// them, escaping every text.
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

// tick is an axis mark: a position and its label.
type tick struct {
	At    float64
	Label string
}

// band is a sponsor segment's span on the x axis.
type band struct {
	X, W float64
	Name string
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
	c := chart{Width: chartWidth, Height: chartHeight, Left: plotLeft, Right: plotRight, Top: plotTop, Base: plotBottom, Span: plotBottom - plotTop,
		Minutes: minutes, Peak: peak}
	x := func(minute float64) float64 { return plotLeft + (plotRight-plotLeft)*minute/float64(minutes) }
	y := func(v int64) float64 { return plotBottom - (plotBottom-plotTop)*float64(v)/float64(top) }

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

	for _, v := range []int64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, tick{At: y(v), Label: strconv.FormatInt(v, 10)})
	}
	step := tickStep(minutes)
	for m := 0; m <= minutes; m += step {
		c.XTicks = append(c.XTicks, tick{At: x(float64(m)), Label: fmt.Sprintf("%d:%02d", m/60, m%60)})
	}
	for i, s := range r.Segments {
		from := s.StartedAt.Sub(r.StartedAt).Minutes()
		to := from + segmentDuration(s, r.streamEnd()).Minutes()
		from, to = max(from, 0), min(to, float64(minutes))
		if to <= from {
			continue
		}
		c.Bands = append(c.Bands, band{X: x(from), W: x(to) - x(from), Name: segmentName(s, i)})
	}
	return c
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
