package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The printed report's layout facts the print test checks against.
const (
	// printMargin is the template's @page margin, 14 mm, in points.
	printMargin = 14 / 25.4 * 72
	// printTitleHeight is the height poppler gives a line of the h1: 1.6rem
	// of the 12 pt root font is 19.2 pt, and Liberation Sans's ascent plus
	// descent is 1.117 em. Chromium shrinks a page that overflows sideways
	// by at least 1/1.33 before it clips it, so a shrunk print is caught by
	// the title's height.
	printTitleHeight = 1.6 * 12 * 1.117
	// printMaxPages bounds the fixture week's print: 9 pages on A4 and on
	// Letter today (4 charts, 11 tables, the appendix). 14 leaves room for
	// content to grow; more means something forces breaks or blank pages.
	printMaxPages = 14
	// printSlack is how far (pt) a word's box may pass the margin. Poppler
	// boxes a glyph by its advance, and a rotated one by its font box, so
	// the charts' edge labels (W47, 1 wk, the rotated axis titles) overhang
	// the SVG's ink by up to 1.6 pt today, while Chromium clips an SVG to
	// its own box, inside the margins.
	printSlack = 2.5
)

// pdftotext finds poppler's pdftotext (Debian's poppler-utils; .ci/run
// installs it). Like chromium, it is a failure in CI and a skip elsewhere.
func pdftotext(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pdftotext"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("pdftotext is required in CI (apt-get install poppler-utils)")
	}
	t.Skip("pdftotext not installed (apt-get install poppler-utils); set CI=1 to make this a failure")
	return ""
}

// paper is a sheet the report must print on, in PDF points.
type paper struct {
	name string
	w, h float64
}

var papers = []paper{{"A4", 595.28, 841.89}, {"Letter", 612, 792}}

// printPDF prints page (report.html's bytes) to PDF on the given paper with
// headless Chromium. Chromium's command line has no paper-size flag and
// follows the page's CSS page size, so a temporary copy of the page gets an
// @page size rule appended to its style sheet; nothing else changes.
func printPDF(t *testing.T, bin string, page []byte, p paper) []byte {
	t.Helper()
	dir := t.TempDir()
	sized := bytes.Replace(page, []byte("</style>"), []byte("@page{size:"+p.name+"}</style>"), 1)
	if bytes.Equal(sized, page) {
		t.Fatal("report.html has no </style> to add the paper size to")
	}
	src := filepath.Join(dir, "report.html")
	if err := os.WriteFile(src, sized, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.pdf")
	runChromium(t, bin, "--no-pdf-header-footer", "--print-to-pdf="+out, "file://"+src)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfText is poppler's word layout of a PDF (pdftotext -bbox-layout):
// each page's size and its lines, top to bottom, of words with their boxes
// in points from the top left corner.
type pdfText struct {
	Pages []pdfPage
}

type pdfPage struct {
	W, H  float64
	Lines []pdfLine
}

type pdfLine struct {
	YMin  float64   `xml:"yMin,attr"`
	YMax  float64   `xml:"yMax,attr"`
	Words []pdfWord `xml:"word"`
}

type pdfWord struct {
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	XMax float64 `xml:"xMax,attr"`
	YMax float64 `xml:"yMax,attr"`
	Text string  `xml:",chardata"`
}

func (l pdfLine) text() string {
	var s []string
	for _, w := range l.Words {
		s = append(s, w.Text)
	}
	return strings.Join(s, " ")
}

// layout runs pdftotext -bbox-layout on pdf; poppler failing to read it is
// a test failure (the PDF is not valid).
func layout(t *testing.T, bin string, pdf []byte) pdfText {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.html")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(bin, "-bbox-layout", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftotext cannot read the PDF: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Pages []struct {
			W     float64   `xml:"width,attr"`
			H     float64   `xml:"height,attr"`
			Lines []pdfLine `xml:"flow>block>line"`
		} `xml:"body>doc>page"`
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict, d.Entity = false, xml.HTMLEntity
	if err := d.Decode(&raw); err != nil {
		t.Fatalf("read pdftotext's layout: %v", err)
	}
	var doc pdfText
	for _, p := range raw.Pages {
		lines := p.Lines
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].YMin < lines[j].YMin })
		doc.Pages = append(doc.Pages, pdfPage{W: p.W, H: p.H, Lines: lines})
	}
	return doc
}

var (
	mediaBox   = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)
	blockTag   = regexp.MustCompile(`(?is)<(style|title|desc)\b[^>]*>.*?</(style|title|desc)>`)
	inlineTag  = regexp.MustCompile(`(?i)</?(a|b|span|code)\b[^>]*>`)
	anyTag     = regexp.MustCompile(`<[^>]*>`)
	groupTag   = regexp.MustCompile(`(?s)<tr>.*?</tr>|<figure>.*?</figure>|<div class="card">.*?</div></div>|<li>.*?</li>`)
	lastHeader = regexp.MustCompile(`<th[^>]*>([^<]*)</th></tr>`)
	headTag    = regexp.MustCompile(`(?s)<(h[123]|dt)>(.*?)</(?:h[123]|dt)>`)
)

// visibleWords is the words a reader sees in an HTML fragment: the text
// outside tags (not the style sheet nor the SVGs' <title> and <desc>, which
// are for screen readers), split on white space, lower-cased (the template
// upper-cases some labels with CSS).
func visibleWords(fragment string) []string {
	s := blockTag.ReplaceAllString(fragment, " ")
	s = inlineTag.ReplaceAllString(s, "")
	s = anyTag.ReplaceAllString(s, " ")
	return strings.Fields(strings.ToLower(html.UnescapeString(s)))
}

// inPieces reports whether word is in have, or is a run of pieces that
// each are.
func inPieces(word string, have map[string]bool) bool {
	// ok[i]: word[:i] is a run of words in have.
	ok := make([]bool, len(word)+1)
	ok[0] = true
	for i := 1; i <= len(word); i++ {
		for j := 0; j < i && !ok[i]; j++ {
			ok[i] = ok[j] && have[word[j:i]]
		}
	}
	return ok[len(word)]
}

// printProblems lists what is wrong with a print of page on paper p: pdf is
// the PDF's bytes and doc poppler's reading of it. It returns no problem
// for a good print; TestReportPrints proves on a broken print that it
// finds some.
func printProblems(pdf []byte, doc pdfText, page string, p paper) []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	near := func(a, b float64) bool { return math.Abs(a-b) < 1 }

	// A whole PDF, every page's MediaBox the paper asked for.
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(pdf), []byte("%%EOF")) {
		add("not a whole PDF (no %%PDF- header or %%%%EOF trailer)")
	}
	boxes := mediaBox.FindAllSubmatch(pdf, -1)
	if len(boxes) != len(doc.Pages) {
		add("%d MediaBoxes for %d pages", len(boxes), len(doc.Pages))
	}
	for i, m := range boxes {
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		if !near(w, p.w) || !near(h, p.h) {
			add("page %d MediaBox is %.2f×%.2f pt; want %s %.0f×%.0f", i+1, w, h, p.name, p.w, p.h)
		}
	}
	if n := len(doc.Pages); n < 2 || n > printMaxPages {
		add("%d pages; want 2 to %d", n, printMaxPages)
	}

	// Nothing outside the page's content box: a word past the right margin
	// is cut off on paper or runs into the margin.
	vocab := make([]map[string]bool, len(doc.Pages))
	have := map[string]bool{}
	for pi, pg := range doc.Pages {
		if !near(pg.W, p.w) || !near(pg.H, p.h) {
			add("page %d is %.2f×%.2f pt; want %s", pi+1, pg.W, pg.H, p.name)
		}
		for _, l := range pg.Lines {
			for _, w := range l.Words {
				if w.XMin < printMargin-printSlack || w.XMax > pg.W-printMargin+printSlack || w.YMin < printMargin-printSlack || w.YMax > pg.H-printMargin+printSlack {
					add("page %d: %q at x %.0f–%.0f, y %.0f–%.0f is outside the %.0f×%.0f pt page's margins", pi+1, w.Text, w.XMin, w.XMax, w.YMin, w.YMax, pg.W, pg.H)
				}
				if vocab[pi] == nil {
					vocab[pi] = map[string]bool{}
				}
				vocab[pi][strings.ToLower(w.Text)] = true
				have[strings.ToLower(w.Text)] = true
			}
		}
	}

	// Printed at full size, not shrunk to fit something too wide.
	if len(doc.Pages) > 0 && len(doc.Pages[0].Lines) > 0 {
		if h := doc.Pages[0].Lines[0].YMax - doc.Pages[0].Lines[0].YMin; math.Abs(h-printTitleHeight) > printTitleHeight*0.05 {
			add("the title is %.1f pt high; want %.1f (the page was scaled to fit)", h, printTitleHeight)
		}
	}

	// Every word the page shows is printed, whole or in pieces a line
	// break cut it into (after a hyphen, a dash, or anywhere in a long
	// one: overflow-wrap:anywhere).
	body := page[strings.Index(page, "<body>"):]
	var missing []string
	for _, w := range visibleWords(body) {
		if !inPieces(w, have) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		add("%d words of the page are not in the PDF (clipped or lost): %.300q", len(missing), missing)
	}

	// Whole, in order, on one page: every heading, and the last column's
	// header of every table (the first thing a too-wide table loses at
	// the right edge).
	pageText := make([]string, len(doc.Pages))
	for pi, pg := range doc.Pages {
		var ls []string
		for _, l := range pg.Lines {
			ls = append(ls, strings.ToLower(l.text()))
		}
		pageText[pi] = " " + strings.Join(ls, " ") + " "
	}
	printed := func(words []string) bool {
		for _, t := range pageText {
			if strings.Contains(t, " "+strings.Join(words, " ")+" ") {
				return true
			}
		}
		return false
	}
	for _, m := range headTag.FindAllStringSubmatch(body, -1) {
		if ws := visibleWords(m[2]); m[1] != "dt" && !printed(ws) {
			add("%s %q is not printed whole on one page", m[1], strings.Join(ws, " "))
		}
	}
	tables := 0
	for _, m := range lastHeader.FindAllStringSubmatch(body, -1) {
		tables++
		if ws := visibleWords(m[1]); !printed(ws) {
			add("the last column header %q of a table is not printed whole (cut at the right edge?)", strings.Join(ws, " "))
		}
	}
	if tables < strings.Count(body, "<table>") {
		add("found the last column header of %d of %d tables", tables, strings.Count(body, "<table>"))
	}

	// No table row, chart with its caption, headline card or list item
	// split across pages: one page holds every word of the group (whole or
	// in the pieces a line break cut it into) that the PDF has.
	all := groupTag.FindAllString(body, -1)
	groups, figures, tall, tallDone := 0, 0, 0, 0
	for _, g := range all {
		if strings.Contains(g, "<br>") {
			tall++ // a row of two or more lines: one a break could split
		}
		var words []string
		var common map[int]bool
		for _, w := range visibleWords(g) {
			on := map[int]bool{}
			for pi := range vocab {
				if inPieces(w, vocab[pi]) {
					on[pi] = true
				}
			}
			if len(on) == 0 {
				continue
			}
			words = append(words, w)
			if common == nil {
				common = on
			}
			for pi := range common {
				if !on[pi] {
					delete(common, pi)
				}
			}
		}
		if len(words) < 2 {
			continue
		}
		groups++
		if strings.HasPrefix(g, "<figure>") {
			figures++
		}
		if strings.Contains(g, "<br>") {
			tallDone++
		}
		if len(common) == 0 {
			var split []string
			for _, w := range words {
				var ps []string
				for pi := range vocab {
					if inPieces(w, vocab[pi]) {
						ps = append(ps, strconv.Itoa(pi+1))
					}
				}
				split = append(split, w+" p"+strings.Join(ps, ","))
			}
			add("split across pages (no page holds all its words): %.300q", split)
		}
	}
	if want := strings.Count(body, "<figure>"); figures != want || tallDone != tall || tall == 0 || groups*10 < len(all)*9 {
		add("only %d of %d groups (%d of %d figures, %d of %d multi-line rows) had two words to place; the split check is blind", groups, len(all), figures, want, tallDone, tall)
	}

	// No heading (nor a definition's term) alone at the foot of a page,
	// away from what it heads.
	for _, m := range headTag.FindAllStringSubmatch(body, -1) {
		head := strings.Join(visibleWords(m[2]), " ")
		for pi, pg := range doc.Pages {
			if n := len(pg.Lines); n > 0 && strings.ToLower(pg.Lines[n-1].text()) == head && pi < len(doc.Pages)-1 {
				add("%s %q is the last line of page %d, apart from what follows it", m[1], head, pi+1)
			}
		}
	}
	return probs
}

// TestReportPrints prints the fixture week's report.html to PDF in headless
// Chromium on A4 and on Letter and reads the PDF back with poppler: a whole
// PDF of 2 to printMaxPages pages of the paper asked for; every word the page
// shows is printed, inside the margins, at full size (not shrunk to fit);
// every heading and every table's last column header is printed whole; no
// table row, chart (with its caption), headline card or list item is
// split across pages; no heading is left alone at the foot of a page. A
// canary print, broken on purpose, must fail those checks.
func TestReportPrints(t *testing.T) {
	bin, text := chromium(t), pdftotext(t)
	res, _ := runReport(t, "2026-W47")
	page, err := os.ReadFile(filepath.Join(res.Dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range papers {
		t.Run(p.name, func(t *testing.T) {
			pdf := printPDF(t, bin, page, p)
			for _, prob := range printProblems(pdf, layout(t, text, pdf), string(page), p) {
				t.Error(prob)
			}
		})
	}

	// The checks must see a broken print: a canary page whose incidents
	// table is too wide and clipped, and whose figures lose their captions
	// to the next page.
	t.Run("canary", func(t *testing.T) {
		broken := bytes.Replace(page, []byte("</style>"), []byte("@media print{#incidents table{width:1200px}.scroll{overflow:hidden!important}figure{break-inside:auto}figcaption{break-before:page}}</style>"), 1)
		pdf := printPDF(t, bin, broken, papers[0])
		got := strings.Join(printProblems(pdf, layout(t, text, pdf), string(broken), papers[0]), "\n")
		for _, want := range []string{"not in the PDF (clipped or lost)", `the last column header "timeline (each links to its message)"`, "split across pages"} {
			if !strings.Contains(got, want) {
				t.Errorf("the print checks missed a broken print: no %q in\n%s", want, got)
			}
		}
	})
}
