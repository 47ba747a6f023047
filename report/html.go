package report

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate escapes every value it places: segment names and poll
// questions come from chat.
var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// htmlPage is the HTML template's data.
type htmlPage struct {
	page
	Chart chart
}

// writeHTML writes r as one self-contained HTML page: inline CSS, an
// inline SVG chart, no script and nothing loaded from anywhere.
func writeHTML(w io.Writer, r Recap) error {
	return htmlTemplate.Execute(w, htmlPage{page: newPage(r), Chart: newChart(r)})
}
