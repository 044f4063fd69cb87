package console

import (
	"fmt"
	"time"

	"travelbot/bot/store"
)

// The chart's series, bottom to top. An urgent question counts as an
// emergency whatever its outcome; rate-limited questions are not drawn.
var series = []struct {
	Name, Label, Color string
}{
	{"answer", "Answered", "#1f7a3a"},
	{"clarify", "Did you mean", "#a35f00"},
	{"none", "Not covered", "#5b6470"},
	{"emergency", "Emergency", "#c0262d"},
}

// chart is a stacked bar chart of questions per hour, laid out on the
// server so the page needs no script to draw it.
type chart struct {
	Width, Height int
	Top, Left     int // plot origin
	PlotW, PlotH  int
	Max           int // the y axis's top
	Bars          []bar
	Ticks         []tick // y axis
	Legend        []legendItem
	Total         int
}

type bar struct {
	X, W    int
	Label   string // "14:00", every third bar; "" otherwise
	Title   string // the bar's numbers, for hover and screen readers
	Hour    string
	Counts  []int // by series
	Rects   []rect
	LabelX  int
	HasText bool
}

type rect struct {
	Y, H  int
	Color string
}

type tick struct {
	Y     int
	Value int
}

type legendItem struct {
	Label, Color string
	X            int
}

// hourlyChart draws 24 hourly buckets ending with the one holding now.
func hourlyChart(counts []store.Count, now time.Time) chart {
	const hours = 24
	end := now.UTC().Truncate(time.Hour).Add(time.Hour)
	start := end.Add(-hours * time.Hour)
	ch := chart{Width: 720, Height: 260, Top: 30, Left: 40}
	ch.PlotW, ch.PlotH = ch.Width-ch.Left-10, ch.Height-ch.Top-30
	byHour := make([][]int, hours)
	for i := range byHour {
		byHour[i] = make([]int, len(series))
	}
	for _, c := range counts {
		i := int(c.Start.UTC().Sub(start) / time.Hour)
		if i < 0 || i >= hours {
			continue
		}
		k := -1
		switch {
		case c.Urgency == "urgent":
			k = 3
		case c.Outcome == "answer":
			k = 0
		case c.Outcome == "clarify":
			k = 1
		case c.Outcome == "none":
			k = 2
		}
		if k >= 0 {
			byHour[i][k] += c.N
		}
	}
	top := 0
	for _, h := range byHour {
		sum := 0
		for _, n := range h {
			sum += n
		}
		top = max(top, sum)
		ch.Total += sum
	}
	ch.Max = niceMax(top)
	step := ch.PlotW / hours
	for i, h := range byHour {
		at := start.Add(time.Duration(i) * time.Hour)
		b := bar{X: ch.Left + i*step + 2, W: step - 4, Counts: h, Hour: at.Format("15:04")}
		b.LabelX = b.X + b.W/2
		if i%3 == 0 {
			b.Label, b.HasText = at.Format("15h"), true
		}
		y := ch.Top + ch.PlotH
		title := at.Format("15:04") + " UTC:"
		for k, n := range h {
			title += fmt.Sprintf(" %d %s;", n, series[k].Name)
			if n == 0 {
				continue
			}
			hgt := n * ch.PlotH / ch.Max
			if hgt == 0 {
				hgt = 1
			}
			y -= hgt
			b.Rects = append(b.Rects, rect{Y: y, H: hgt, Color: series[k].Color})
		}
		b.Title = title[:len(title)-1]
		ch.Bars = append(ch.Bars, b)
	}
	for _, v := range []int{0, ch.Max / 2, ch.Max} {
		ch.Ticks = append(ch.Ticks, tick{Y: ch.Top + ch.PlotH - v*ch.PlotH/ch.Max, Value: v})
	}
	for k, s := range series {
		ch.Legend = append(ch.Legend, legendItem{Label: s.Label, Color: s.Color, X: ch.Left + k*150})
	}
	return ch
}

// niceMax rounds an axis top up to 1, 2 or 5 times a power of ten (at
// least 4, so an idle day still has an axis).
func niceMax(n int) int {
	if n < 4 {
		return 4
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}
