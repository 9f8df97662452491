package ingest

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/testkit/slackfake"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

// The kill test runs the API ingest in a child process (this test binary,
// re-executed with -test.run=TestSlackKillChild), kills it with SIGKILL at
// random moments, several times, then lets a last run finish. The
// warehouse must equal one uninterrupted run's: nothing lost, nothing
// duplicated, no unfinished pass left.
const (
	killChildURL = "AFTERMATH_KILL_CHILD_URL"
	killChildDB  = "AFTERMATH_KILL_CHILD_DB"
)

var killSpec = workspaceSpec{Seed: 31, Channels: 6, Messages: 120, ThreadEvery: 4, Replies: 3, Noise: 1}

// killOptions are the options of the clean run and of the child runs: the
// wall clock, small pages and batches, so that there are many transactions
// to be killed in.
func killOptions(t testing.TB, url string) SlackOptions {
	return SlackOptions{
		APIURL:        url,
		Token:         canary,
		Selection:     testSelection(t),
		Lookback:      7 * 24 * time.Hour,
		PageSize:      map[string]int{"conversations.history": 10, "conversations.replies": 2},
		BatchMessages: 10,
	}
}

// TestSlackKillChild is the child process; it does nothing in a normal run.
func TestSlackKillChild(t *testing.T) {
	url, path := os.Getenv(killChildURL), os.Getenv(killChildDB)
	if url == "" {
		t.Skip("helper process for TestIngestSlackSurvivesKills")
	}
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := IngestSlack(context.Background(), db, killOptions(t, url)); err != nil {
		t.Fatal(err)
	}
}

func TestIngestSlackSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process several times (a few seconds)")
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill points seeded with %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	// A server on the wall clock, with a little latency on a share of
	// calls so that kills land in fetching as well as in storing.
	f := startSlackFake(t, genWorkspace(t, killSpec),
		slackfake.WithClock(slackfake.SystemClock()),
		slackfake.WithFault(slackfake.Fault{Kind: slackfake.FaultSlow, Probability: 0.2, Delay: 3 * time.Millisecond, RealTime: true}))

	clean := warehousetest.Open(t)
	start := time.Now()
	if _, err := IngestSlack(context.Background(), clean, killOptions(t, f.url)); err != nil {
		t.Fatal(err)
	}
	cleanTook := time.Since(start)
	t.Logf("a clean run takes %s in process", cleanTook)
	want := contentSums(t, clean.DB)

	path := filepath.Join(t.TempDir(), "killed.duckdb")
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS}) // migrate before the kills
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSlackKillChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), killChildURL+"="+f.url, killChildDB+"="+path)
		return cmd
	}
	const kills = 5
	killed := 0
	for i := 0; i < kills; i++ {
		cmd := child()
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The child spends a few hundred ms starting; each kill lands
		// within the first half of a full run, so that most runs die with
		// part of the backfill stored and the next resumes it.
		delay := 200*time.Millisecond + time.Duration(rng.Int64N(int64(cleanTook/2)))
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			t.Logf("run %d finished before its kill at %s: %v", i, delay, err)
			if err != nil {
				t.Fatalf("child run %d failed: %v\n%s", i, err, out.String())
			}
		case <-time.After(delay):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			err := <-done
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Logf("run %d ended on its own at %s", i, delay)
				continue
			}
			killed++
			t.Logf("run %d killed after %s", i, delay)
		}
		if strings.Contains(out.String(), canary) {
			t.Errorf("the token appeared in the child's output")
		}
	}
	cmd := child()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	db, err = warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if diff := cmp.Diff(want, contentSums(t, db.DB)); diff != "" {
		t.Errorf("after %d kills and a rerun the warehouse differs from a clean run (-clean +got):\n%s", killed, diff)
	}
	var pending int
	db.QueryRow(`SELECT count(*) FROM slack_sync WHERE pass_oldest IS NOT NULL`).Scan(&pending)
	if pending != 0 {
		t.Errorf("%d channels left with an unfinished pass", pending)
	}
	t.Logf("%d of %d runs killed; runs recorded: %q", killed, kills, warehouse.Rows(t, db.DB, `SELECT status, count(*) FROM ingest_runs GROUP BY 1 ORDER BY 1`))
}
