package reports

import (
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromium finds headless Chromium (Debian's chromium package; .ci/run
// installs it). The test skips only when it is absent and $CI is unset: in
// CI a missing browser fails the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("AFTERMATH_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("headless Chromium is required in CI (apt-get install chromium)")
	}
	t.Skip("chromium not installed (apt-get install chromium); set CI=1 to make this a failure")
	return ""
}

// runChromium runs the browser headless with the flags the report's
// browser test fixes, a fresh profile and a proxy that points nowhere, so
// any request the page makes fails and is recorded in the net log.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--user-data-dir=" + t.TempDir(),
		"--proxy-server=http://127.0.0.1:9", "--hide-scrollbars"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v", args, err)
	}
	return out
}

// pageRequests lists the network requests a file:// page made, from a
// Chromium net log: URL requests whose network isolation key is the file
// origin (the browser's own background requests have other keys).
func pageRequests(t *testing.T, netlog string) []string {
	t.Helper()
	b, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &log); err != nil {
		// A net log cut short by the browser's exit lacks its closing brackets.
		fixed := strings.TrimRight(string(b), " \n,") + "]}"
		if err2 := json.Unmarshal([]byte(fixed), &log); err2 != nil {
			t.Fatalf("read net log: %v", err)
		}
	}
	start, ok := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatal("net log has no URL_REQUEST_START_JOB event type")
	}
	var out []string
	for _, e := range log.Events {
		if e.Type != start {
			continue
		}
		url, _ := e.Params["url"].(string)
		nik, _ := e.Params["network_isolation_key"].(string)
		if strings.Contains(nik, "file://") && !strings.HasPrefix(url, "file:") {
			out = append(out, url)
		}
	}
	return out
}

// TestReportInBrowser loads report.html from disk in headless Chromium: it
// makes no network request, its DOM holds the title, every section and
// every chart's <title>, its screenshot is not blank, and at 390 px wide
// the page does not scroll sideways.
func TestReportInBrowser(t *testing.T) {
	bin := chromium(t)
	res, _ := runReport(t, "2026-W47")
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	b, err := os.ReadFile(filepath.Join(res.Dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(html, b, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("no network request", func(t *testing.T) {
		// The detector must see a page that does fetch: a canary.
		canary := filepath.Join(dir, "canary.html")
		os.WriteFile(canary, []byte(`<!doctype html><img src="http://example.invalid/x.png">`), 0o644)
		netlog := filepath.Join(t.TempDir(), "canary.json")
		runChromium(t, bin, "--log-net-log="+netlog, "--dump-dom", "file://"+canary)
		if got := pageRequests(t, netlog); len(got) == 0 {
			t.Fatal("the net-log check saw no request from a page that makes one; it cannot be trusted")
		}
		netlog = filepath.Join(t.TempDir(), "report.json")
		runChromium(t, bin, "--log-net-log="+netlog, "--dump-dom", "file://"+html)
		if got := pageRequests(t, netlog); len(got) > 0 {
			t.Errorf("report.html made network requests: %v", got)
		}
	})

	t.Run("DOM", func(t *testing.T) {
		dom := string(runChromium(t, bin, "--dump-dom", "file://"+html))
		want := []string{"<title>" + res.Report.Title + " · 2026-W47</title>"}
		for _, id := range []string{"headline", "comparisons", "time-to-resolve", "trends", "breakdowns", "follow-up", "data-quality", "incidents", "appendix"} {
			want = append(want, `<section id="`+id+`">`)
		}
		figs, err := charts(res.Report)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range figs {
			want = append(want, `<title id="`+f.ID+`-t">`)
			want = append(want, f.Title)
		}
		for _, w := range want {
			if !strings.Contains(dom, w) {
				t.Errorf("the DOM lacks %q", w)
			}
		}
		if n := strings.Count(dom, `role="img"`); n != len(figs) {
			t.Errorf("DOM has %d role=img charts; want %d", n, len(figs))
		}
	})

	t.Run("screenshot not blank", func(t *testing.T) {
		shot := filepath.Join(t.TempDir(), "shot.png")
		runChromium(t, bin, "--window-size=1000,1400", "--screenshot="+shot, "file://"+html)
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		bounds := img.Bounds()
		ink, colors := 0, map[uint32]bool{}
		for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
			for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
				r, g, b, _ := img.At(x, y).RGBA()
				if r+g+b < 3*0xe000 {
					ink++
				}
				colors[(r>>11)<<10|(g>>11)<<5|b>>11] = true
			}
		}
		total := bounds.Dx() * bounds.Dy() / 4
		if ink < total/50 || len(colors) < 8 {
			t.Errorf("screenshot looks blank: %d of %d sampled pixels inked, %d colours", ink, total, len(colors))
		}
	})

	t.Run("no horizontal scroll at 390px", func(t *testing.T) {
		// A harness page (scripts allowed here, never in the report) frames
		// the report 390 px wide and writes the framed page's widths.
		harness := filepath.Join(dir, "harness.html")
		os.WriteFile(harness, []byte(`<!doctype html><html><body style="margin:0">
<iframe id="f" src="report.html" style="width:390px;height:900px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = document.getElementById('f').contentDocument.documentElement;
  var out = document.createElement('pre');
  out.textContent = 'scrollWidth=' + d.scrollWidth + ' clientWidth=' + d.clientWidth;
  document.body.appendChild(out);
});
</script></body></html>`), 0o644)
		dom := string(runChromium(t, bin, "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom", "file://"+harness))
		m := regexp.MustCompile(`scrollWidth=(\d+) clientWidth=(\d+)`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("the harness wrote no widths:\n%.500s", dom)
		}
		sw, _ := strconv.Atoi(m[1])
		cw, _ := strconv.Atoi(m[2])
		if cw != 390 || sw > cw {
			t.Errorf("at 390 px the page is %d px wide in a %d px viewport: it scrolls sideways", sw, cw)
		}
	})
}
