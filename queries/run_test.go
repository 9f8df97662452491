package queries

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
	"github.com/aftermath-dev/aftermath/queries/migrations"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtureSQL fills a migrated warehouse with a little of everything the
// formats must get right: NULLs next to empty strings, JSON in raw,
// timestamps with and without fractional seconds, unicode, and text with
// commas, quotes, line breaks, tabs and a terminal escape.
const fixtureSQL = `
INSERT INTO ingest_runs (run_id, kind, source, started_at, finished_at, status, channels_total, channels_selected, channels_done, files_read, files_skipped, messages_read, messages_new, error) VALUES
	(1, 'export', 'slack-export.zip', '2026-11-21 02:00:00+00', '2026-11-21 02:00:07.25+00', 'partial', 12, 2, 2, 40, 1, 6, 6, '1 file skipped'),
	(2, 'slack', 'https://slack.com/api/', '2026-11-22 02:00:00+00', NULL, 'running', 0, 0, 0, 0, 0, 0, 0, NULL);
INSERT INTO ingest_skips VALUES
	(1, 'file', 'inc-2026-11-20-checkout/2026-11-19.json', 'not a JSON array: unexpected end of JSON input');
INSERT INTO channels VALUES
	('C01CHECKOUT', 'inc-2026-11-20-checkout', false, true, '2026-11-20 14:00:00+00', 'U01ALICE',
	 'Status: Stable | Severity: SEV2', '2026-11-20 14:30:00+00', 'Checkout 5xx, "cart" errors',
	 '{"id":"C01CHECKOUT","name":"inc-2026-11-20-checkout","is_archived":true}', 'export',
	 '2026-11-21 02:00:01+00', '2026-11-21 02:00:01+00', 1),
	('G02PRIVATE', 'incident-ünïcödé-☕', true, false, NULL, NULL, NULL, NULL, NULL,
	 '{"id":"G02PRIVATE","name":"incident-ünïcödé-☕"}', 'export',
	 '2026-11-21 02:00:01+00', '2026-11-21 02:00:01+00', 1);
INSERT INTO channel_state VALUES
	('C01CHECKOUT', '1795183320.000000', '1795185000.000000', 'export', 1, '2026-11-21 02:00:05+00', true, true);
INSERT INTO users VALUES
	('U01ALICE', 'T1', 'alice', 'Alice Ng', 'alice', false, false, false, 'Europe/London', '{"id":"U01ALICE"}', 'export', '2026-11-21 02:00:01+00', '2026-11-21 02:00:01+00', 1),
	('U09PDBOT', 'T1', 'pagerduty', 'PagerDuty', '', true, false, false, NULL, '{"id":"U09PDBOT","is_bot":true}', 'export', '2026-11-21 02:00:01+00', '2026-11-21 02:00:01+00', 1);
INSERT INTO messages VALUES
	('C01CHECKOUT', '1795183320.000000', '1795183320.000000', NULL, 'U09PDBOT', 'B01PD', 'A01PD', 'PagerDuty', 'bot_message',
	 'Triggered: checkout 5xx > 5%', '2026-11-20 14:02:00+00', NULL, NULL, 2, '1795183500.000000', false,
	 '{"type":"message","subtype":"bot_message","bot_id":"B01PD","attachments":[{"color":"danger","title":"checkout 5xx > 5%"}]}',
	 'export', '2026-11-21 02:00:02+00', '2026-11-21 02:00:02+00', 1),
	('C01CHECKOUT', '1795183392.500000', '1795183320.000000', 'U09PDBOT', 'U01ALICE', NULL, NULL, NULL, NULL,
	 'Looking, "cart" is failing, see <https://grafana.example/d/1|dash>' || chr(10) || 'second line',
	 '2026-11-20 14:03:12.5+00', '2026-11-20 14:04:00+00', 'U01ALICE', NULL, NULL, false,
	 '{"type":"message","user":"U01ALICE","reactions":[{"name":"eyes","users":["U01ALICE"],"count":1}],"blocks":[{"type":"rich_text","elements":[]}]}',
	 'export', '2026-11-21 02:00:02+00', '2026-11-21 02:00:02+00', 1),
	('C01CHECKOUT', '1795183500.000000', '1795183320.000000', 'U09PDBOT', 'U01ALICE', NULL, NULL, NULL, NULL,
	 '🔥 rolled back, résumé 日本語' || chr(9) || 'tab ' || chr(27) || '[31mred',
	 '2026-11-20 14:05:00+00', NULL, NULL, NULL, NULL, false,
	 '{"type":"message","user":"U01ALICE","text":"🔥 rolled back"}',
	 'api', '2026-11-21 02:00:02+00', '2026-11-22 02:00:03+00', 2),
	('C01CHECKOUT', '1795185000.000000', NULL, NULL, 'U01ALICE', NULL, NULL, NULL, 'channel_topic',
	 'set the channel topic: Status: Stable | Severity: SEV2', '2026-11-20 14:30:00+00', NULL, NULL, NULL, NULL, false,
	 '{"type":"message","subtype":"channel_topic","topic":"Status: Stable | Severity: SEV2"}',
	 'export', '2026-11-21 02:00:02+00', '2026-11-21 02:00:02+00', 1),
	('G02PRIVATE', '1795251600.000000', NULL, NULL, NULL, 'B02DD', NULL, NULL, NULL,
	 NULL, '2026-11-21 09:00:00+00', NULL, NULL, NULL, NULL, false, '{"type":"message","bot_id":"B02DD"}',
	 'export', '2026-11-21 10:00:00+00', '2026-11-21 10:00:00+00', 1),
	('G02PRIVATE', '1795251601.000000', NULL, NULL, 'U01ALICE', NULL, NULL, NULL, NULL,
	 '', '2026-11-21 09:00:01+00', NULL, NULL, NULL, NULL, true, '{"type":"message","text":""}',
	 'export', '2026-11-21 10:00:00+00', '2026-11-21 10:00:00+00', 1);
`

// messagesSQL reads the fixture's messages with JSON pulled out of raw.
const messagesSQL = `
SELECT c.name AS channel, m.ts, m.thread_ts, m.user_id, m.username, m.subtype, m.text,
	m.posted_at, m.edited_at, m.reply_count, m.is_deleted,
	m.raw->>'$.reactions[0].name' AS first_reaction,
	json_array_length(m.raw->'$.blocks') AS blocks,
	m.raw
FROM messages AS m
JOIN channels AS c ON c.channel_id = m.channel_id
ORDER BY m.channel_id, m.ts`

// typesSQL has one value of every type the formats handle specially.
const typesSQL = `
SELECT
	42::TINYINT AS tiny,
	-7::BIGINT AS big,
	18446744073709551615::UBIGINT AS ubig,
	170141183460469231731687303715884105727::HUGEINT AS huge_max,
	-170141183460469231731687303715884105727::HUGEINT AS huge_min,
	340282366920938463463374607431768211455::UHUGEINT AS uhuge_max,
	123.450::DECIMAL(10, 3) AS dec,
	-0.05::DECIMAL(4, 2) AS dec_neg,
	12345678901234567890.123456789::DECIMAL(38, 9) AS dec38,
	2.5::DOUBLE AS dbl,
	0.1::FLOAT AS flt,
	1e300::DOUBLE AS dbl_big,
	'NaN'::DOUBLE AS dbl_nan,
	'-inf'::DOUBLE AS dbl_ninf,
	true AS yes,
	NULL::VARCHAR AS nothing,
	'' AS empty,
	DATE '2026-11-20' AS day,
	'infinity'::DATE AS day_inf,
	TIME '14:02:03.25' AS clock,
	TIMESTAMP '2026-11-20 14:02:00' AS ts_naive,
	'2026-11-20 14:02:00+00'::TIMESTAMPTZ AS tstz,
	'2026-11-20 14:02:00.123456+00'::TIMESTAMPTZ AS tstz_frac,
	'2026-11-20 15:02:00+01'::TIMESTAMPTZ AS tstz_offset,
	'-infinity'::TIMESTAMPTZ AS tstz_ninf,
	'2026-11-20 14:02:00.123456789'::TIMESTAMP_NS AS ts_ns,
	INTERVAL '1 year 2 months 3 days 04:05:06.5' AS iv,
	INTERVAL '90 minutes' AS iv_min,
	INTERVAL '0 seconds' AS iv_zero,
	-INTERVAL '36 hours' AS iv_neg,
	'\xAA\xBB\x00'::BLOB AS blob,
	'{"b": 1, "a": [1, 2.50, "x"]}'::JSON AS js,
	['a', NULL, 'c, d'] AS list,
	[[1, 2], [3]] AS nested,
	{'name': 'inc-1', 'sev': 2, 'at': '2026-11-20 14:02:00+00'::TIMESTAMPTZ} AS struct,
	MAP {'p90': 1.5, 'median': 0.5} AS map,
	MAP {1: 'one'} AS map_int,
	['{"a":1}'::JSON, NULL] AS json_list,
	{'j': '[true]'::JSON} AS json_struct,
	'sev2'::ENUM('sev1', 'sev2') AS sev,
	'4b1c1a0e-7f6a-4a2b-9c3d-2e1f0a9b8c7d'::UUID AS id,
	union_value(n := 2)::UNION(n INTEGER, s VARCHAR) AS uni,
	'-12345678901234567890123456789012345678901234567890'::BIGNUM AS bignum,
	[1, 2, 3]::INTEGER[3] AS arr`

// buildWarehouse creates a migrated warehouse file, runs fill on it and
// closes it, and returns its path. It uses warehouse.Open rather than
// warehousetest.Open: its cleanup closes the database again (and fails), and
// DuckDB will not open a file read-only while this process still holds it
// with another configuration.
func buildWarehouse(t *testing.T, fill string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "aftermath.duckdb")
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{Migrations: migrations.FS})
	if err != nil {
		t.Fatal(err)
	}
	if fill != "" {
		if _, err := db.ExecContext(context.Background(), fill); err != nil {
			db.Close()
			t.Fatalf("fill warehouse: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// openQueryDB opens path the way aftermath query does.
func openQueryDB(t *testing.T, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func fixtureDB(t *testing.T) *DB {
	return openQueryDB(t, buildWarehouse(t, fixtureSQL))
}

func runString(t *testing.T, db *DB, query string, opts Options) (string, Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := Run(context.Background(), db, query, &buf, opts)
	if err != nil {
		t.Fatalf("Run(%.40q, %s) error: %v", query, opts.Format, err)
	}
	return buf.String(), res
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update rewrites it):\n%s", path, diff)
	}
}

func TestRunGolden(t *testing.T) {
	db := fixtureDB(t)
	for _, tc := range []struct {
		name  string
		query string
		opts  Options
	}{
		{"messages.table", messagesSQL, Options{Format: FormatTable}},
		{"messages.narrow.table", messagesSQL, Options{Format: FormatTable, MaxCellWidth: 24}},
		{"messages.csv", messagesSQL, Options{Format: FormatCSV}},
		{"messages.json", messagesSQL, Options{Format: FormatJSON}},
		{"messages.ndjson", messagesSQL, Options{Format: FormatNDJSON}},
		{"types.table", typesSQL, Options{Format: FormatTable}},
		{"types.csv", typesSQL, Options{Format: FormatCSV}},
		{"types.json", typesSQL, Options{Format: FormatJSON}},
		{"types.ndjson", typesSQL, Options{Format: FormatNDJSON}},
		{"empty.table", `SELECT 1 AS n, 'x' AS s WHERE false`, Options{Format: FormatTable}},
		{"empty.csv", `SELECT 1 AS n, 'x' AS s WHERE false`, Options{Format: FormatCSV}},
		{"empty.json", `SELECT 1 AS n, 'x' AS s WHERE false`, Options{Format: FormatJSON}},
		{"empty.ndjson", `SELECT 1 AS n, 'x' AS s WHERE false`, Options{Format: FormatNDJSON}},
		{"duplicate-names.json", `SELECT 1 AS a, 2 AS a, 3 AS a_1`, Options{Format: FormatJSON}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := runString(t, db, tc.query, tc.opts)
			checkGolden(t, tc.name, got)
		})
	}
}

// TestRunJSONIsValid checks what the golden files cannot show at a glance:
// the JSON parses, keys keep the column order, and JSON columns are
// embedded as JSON rather than as strings.
func TestRunJSONIsValid(t *testing.T) {
	db := fixtureDB(t)
	for _, q := range []string{messagesSQL, typesSQL} {
		out, res := runString(t, db, q, Options{Format: FormatJSON})
		if !json.Valid([]byte(out)) {
			t.Fatalf("Run(json) wrote invalid JSON:\n%s", out)
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var rows []json.RawMessage
		if err := dec.Decode(&rows); err != nil {
			t.Fatal(err)
		}
		if int64(len(rows)) != res.Rows {
			t.Errorf("Run(json) wrote %d objects; Result.Rows = %d", len(rows), res.Rows)
		}
		for _, row := range rows {
			if got := objectKeys(t, row); !cmp.Equal(got, res.Columns) {
				t.Errorf("object keys = %v; want the column order %v", got, res.Columns)
			}
		}
		nd, _ := runString(t, db, q, Options{Format: FormatNDJSON})
		lines := strings.Split(strings.TrimSuffix(nd, "\n"), "\n")
		if int64(len(lines)) != res.Rows {
			t.Errorf("Run(ndjson) wrote %d lines; want %d", len(lines), res.Rows)
		}
		for i, line := range lines {
			if line != string(rows[i]) {
				t.Errorf("ndjson line %d = %s; want the json row %s", i, line, rows[i])
			}
		}
	}
	var msgs []struct {
		Raw  map[string]any `json:"raw"`
		Text *string        `json:"text"`
	}
	out, _ := runString(t, db, messagesSQL, Options{Format: FormatJSON})
	if err := json.Unmarshal([]byte(out), &msgs); err != nil {
		t.Fatalf("raw is not embedded as a JSON object: %v", err)
	}
	if msgs[1].Raw["reactions"] == nil {
		t.Errorf("raw of the second message = %v; want its reactions", msgs[1].Raw)
	}
}

func objectKeys(t *testing.T, obj json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(obj))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestRunKeepsNDJSONOnOneLine feeds JSON values that DuckDB stored with
// line breaks: ndjson must still be one object per line.
func TestRunKeepsNDJSONOnOneLine(t *testing.T) {
	db := openQueryDB(t, buildWarehouse(t, ""))
	q := `SELECT '{"a":' || chr(10) || ' [1,' || chr(13) || chr(10) || '2]}' AS j UNION ALL SELECT '"x"'`
	out, _ := runString(t, db, `SELECT j::JSON AS j FROM (`+q+`) ORDER BY j`, Options{Format: FormatNDJSON})
	if want := "{\"j\":\"x\"}\n{\"j\":{\"a\":[1,2]}}\n"; out != want {
		t.Errorf("Run(ndjson) of JSON with line breaks = %q; want %q", out, want)
	}
}

// TestRunCSVTellsNullFromEmpty: NULL is an empty field and the empty
// string is "", the convention of DuckDB COPY and PostgreSQL CSV, so an
// analyst loading the CSV back gets NULL and the empty string where the warehouse had
// them. Before, both were an empty field (issue 10's note).
func TestRunCSVTellsNullFromEmpty(t *testing.T) {
	db := openQueryDB(t, buildWarehouse(t, ""))
	q := `SELECT NULL::VARCHAR AS a, '' AS b, 'x,y' AS c, 'q"t' AS d, ' s' AS e, 'l' || chr(10) || 'm' AS f, 'plain' AS g, NULL::INTEGER AS h, 0 AS i`
	out, _ := runString(t, db, q, Options{Format: FormatCSV})
	if want := "a,b,c,d,e,f,g,h,i\n,\"\",\"x,y\",\"q\"\"t\",\" s\",\"l\nm\",plain,,0\n"; out != want {
		t.Errorf("Run(csv) = %q; want %q", out, want)
	}
	// DuckDB reads it back as it was (quoted empty as empty: allow_quoted_nulls = false).
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var nullA, emptyB bool
	if err := raw.QueryRow(`SELECT a IS NULL, b = '' FROM read_csv(?, header = true, all_varchar = true, allow_quoted_nulls = false)`, path).Scan(&nullA, &emptyB); err != nil {
		t.Fatal(err)
	}
	if !nullA || !emptyB {
		t.Errorf("read back by DuckDB: a IS NULL = %v, b = '' %v; want both true", nullA, emptyB)
	}
}

// TestRunStreamsAcrossBatches runs a result larger than DuckDB's 2,048-row
// batches through every text format.
func TestRunStreamsAcrossBatches(t *testing.T) {
	db := openQueryDB(t, buildWarehouse(t, ""))
	const n = 5000
	q := `SELECT i, 'row ' || i AS label FROM range(5000) AS r(i) ORDER BY i`
	for _, f := range []Format{FormatCSV, FormatJSON, FormatNDJSON} {
		out, res := runString(t, db, q, Options{Format: f})
		if res.Rows != n {
			t.Errorf("Run(%s).Rows = %d; want %d", f, res.Rows, n)
		}
		lines := strings.Count(out, "\n")
		want := map[Format]int{FormatCSV: n + 1, FormatJSON: n + 2, FormatNDJSON: n}[f]
		if lines != want {
			t.Errorf("Run(%s) wrote %d lines; want %d", f, lines, want)
		}
		if f == FormatJSON && !json.Valid([]byte(out)) {
			t.Errorf("Run(json) across batches is not valid JSON")
		}
	}
}

func TestRunTableCapsRows(t *testing.T) {
	db := openQueryDB(t, buildWarehouse(t, ""))
	out, res := runString(t, db, `SELECT i FROM range(5000) AS r(i)`, Options{Format: FormatTable, MaxTableRows: 3})
	if res.Rows != 5000 || res.Omitted != 4997 {
		t.Errorf("Run(table, MaxTableRows 3) = Rows %d, Omitted %d; want 5000, 4997", res.Rows, res.Omitted)
	}
	want := "i\n-\n0\n1\n2\n"
	if out != want {
		t.Errorf("Run(table, MaxTableRows 3) wrote\n%s\nwant\n%s", out, want)
	}
}

// TestRunRefusesWrites checks that the read-only, sandboxed warehouse
// refuses every kind of change and says so with DuckDB's own words, and
// that the file is unchanged afterwards.
func TestRunRefusesWrites(t *testing.T) {
	path := buildWarehouse(t, fixtureSQL)
	db := openQueryDB(t, path)
	other := filepath.Join(t.TempDir(), "other")
	for _, tc := range []struct {
		query string
		why   string // the refused statement type, or part of DuckDB's message
	}{
		{`DELETE FROM messages`, `DELETE statements are not allowed`},
		{`UPDATE channels SET name = 'x'`, `UPDATE statements are not allowed`},
		{`INSERT INTO ingest_skips VALUES (9, 'file', 'x', 'y')`, `INSERT statements are not allowed`},
		{`CREATE TABLE notes (a INTEGER)`, `CREATE statements are not allowed`},
		{`DROP TABLE messages`, `DROP statements are not allowed`},
		{`CREATE OR REPLACE VIEW v AS SELECT 1`, `CREATE statements are not allowed`},
		{`COPY messages TO '` + other + `.csv'`, `Permission Error`},
		{`COPY (SELECT 1) TO '` + other + `.parquet' (FORMAT parquet)`, `Permission Error`},
		{`EXPORT DATABASE '` + other + `'`, `Permission Error`},
		{`ATTACH '` + other + `.duckdb' AS other`, `ATTACH statements are not allowed`},
		{`INSTALL httpfs`, `LOAD/INSTALL statements are not allowed`},
		{`LOAD httpfs`, `LOAD/INSTALL statements are not allowed`},
		{`SELECT * FROM read_csv('/etc/passwd')`, `Permission Error`},
		{`SELECT * FROM read_blob('/etc/hostname')`, `Permission Error`},
		{`SELECT * FROM glob('/etc/*')`, `Permission Error`},
		{`SET enable_external_access = true`, `SET statements are not allowed`},
		{`SET access_mode = 'READ_WRITE'`, `SET statements are not allowed`},
	} {
		var buf bytes.Buffer
		_, err := Run(context.Background(), db, tc.query, &buf, Options{Format: FormatCSV})
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("Run(%q) error = %v; want ErrReadOnly", tc.query, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.why) || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("Run(%q) error = %q; want it to say the query runs read-only and %q", tc.query, err, tc.why)
		}
		if buf.Len() != 0 {
			t.Errorf("Run(%q) wrote %q before failing", tc.query, buf.String())
		}
	}
	if _, err := os.Stat(other + ".csv"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("COPY TO created %s.csv", other)
	}
	out, _ := runString(t, db, `SELECT count(*) FROM messages`, Options{Format: FormatCSV})
	if out != "count_star()\n6\n" {
		t.Errorf("after the refused writes, messages count = %q; want 6 rows", out)
	}
}

func TestRunErrors(t *testing.T) {
	db := fixtureDB(t)
	for _, tc := range []struct {
		query   string
		is      error  // errors.Is target, if any
		message string // part of the error text
	}{
		{`SELEC * FROM messages`, nil, `Parser Error: syntax error at or near "SELEC"`},
		{`SELECT * FROM no_such_table`, nil, `Catalog Error: Table with name no_such_table does not exist`},
		{`SELECT nope FROM messages`, nil, `Binder Error`},
		{`SELECT 'x'::INTEGER`, nil, `Conversion Error`},
		{`SELECT 1; SELECT 2`, ErrMultipleStatements, `one at a time`},
		{`PIVOT messages ON source USING count(*)`, ErrMultipleStatements, `ON col IN ('a', 'b')`},
		{``, ErrNoSQL, `no SQL`},
		{"  -- just a comment\n", ErrNoSQL, `no SQL`},
		{`BEGIN`, ErrReadOnly, `transaction statements are not allowed`},
		{`PRAGMA table_info('messages')`, nil, `FROM pragma_table_info('messages')`},
		{`PRAGMA database_list`, nil, `only SELECT statements run here`},
	} {
		_, err := Run(context.Background(), db, tc.query, &bytes.Buffer{}, Options{Format: FormatCSV})
		switch {
		case err == nil:
			t.Errorf("Run(%q) succeeded; want an error", tc.query)
		case tc.is != nil && !errors.Is(err, tc.is):
			t.Errorf("Run(%q) error = %v; want %v", tc.query, err, tc.is)
		case !strings.Contains(err.Error(), tc.message):
			t.Errorf("Run(%q) error = %q; want it to contain %q", tc.query, err, tc.message)
		case tc.is == nil && errors.Is(err, ErrReadOnly):
			t.Errorf("Run(%q) error = %q; a plain SQL error must not claim the query was refused as a write", tc.query, err)
		}
	}
	if _, err := Run(context.Background(), db, `SELECT 1`, &bytes.Buffer{}, Options{Format: "xml"}); err == nil {
		t.Errorf("Run with format xml succeeded; want an error")
	}
}

// TestRunReadsDuckDBStatements runs the statements analysts use to look
// around, which DuckDB does not classify as SELECT.
func TestRunReadsDuckDBStatements(t *testing.T) {
	db := fixtureDB(t)
	for _, q := range []string{
		`DESCRIBE messages`,
		`SHOW TABLES`,
		`SUMMARIZE channels`,
		`FROM pragma_table_info('messages')`,
		`FROM duckdb_tables()`,
		`SELECT 1 -- a trailing comment`,
		`FROM messages LIMIT 1`,
		`WITH x AS (SELECT 1 AS a) SELECT * FROM x;`,
		`PIVOT messages ON source IN ('export', 'api') USING count(*) GROUP BY channel_id`,
	} {
		if _, err := Run(context.Background(), db, q, &bytes.Buffer{}, Options{Format: FormatCSV}); err != nil {
			t.Errorf("Run(%q) error: %v", q, err)
		}
	}
}

func TestOpenMissingWarehouse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nope.duckdb")
	_, err := Open(context.Background(), path, DefaultLimits())
	if !errors.Is(err, ErrNoWarehouse) {
		t.Fatalf("Open(%q) error = %v; want ErrNoWarehouse", path, err)
	}
	for _, want := range []string{path, "aftermath ingest export", "--db"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) error = %q; want it to mention %q", path, err, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("Open of a missing file created %v", entries)
	}
	if _, err := Open(context.Background(), dir, DefaultLimits()); !errors.Is(err, ErrNoWarehouse) {
		t.Errorf("Open(a directory) error = %v; want ErrNoWarehouse", err)
	}
}
