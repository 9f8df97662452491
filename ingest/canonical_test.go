package ingest

import (
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/aftermath-dev/aftermath/internal/warehouse/warehousetest"
)

// duckCanon is what DuckDB makes of each doc: json()'s text and the fields
// as staged_messages reads them (ok false where json() fails).
type duckCanon struct {
	ok    bool
	raw   string
	v     []sql.NullString
	types []sql.NullString
}

// duckCanonical asks DuckDB for json() of each doc and the fields, with
// the same expressions as staged_messages (merge.sql).
func duckCanonical(t testing.TB, db *sql.DB, docs []string) []duckCanon {
	t.Helper()
	out := make([]duckCanon, len(docs))
	for i, d := range docs {
		var raw sql.NullString
		var v, ty []any
		err := db.QueryRow(`WITH r AS (SELECT json($1::VARCHAR)::VARCHAR AS raw),
			x AS (SELECT raw, json_extract(raw, ['$.ts', '$.thread_ts', '$.parent_user_id', '$.user', '$.bot_id',
			'$.app_id', '$.bot_profile.app_id', '$.username', '$.bot_profile.name', '$.subtype',
			'$.text', '$.edited.ts', '$.edited.user', '$.reply_count', '$.latest_reply', '$.edited']) AS x FROM r)
			SELECT raw, list_transform(x[1:15], e -> json_extract_string(e, '$')),
			[json_type(x[1]), json_type(x[2]), json_type(x[4]), json_type(x[11]), json_type(x[10]),
			json_type(x[14]), json_type(x[16])] FROM x`, d).Scan(&raw, &v, &ty)
		if err != nil {
			continue
		}
		out[i] = duckCanon{ok: raw.Valid, raw: raw.String, v: nullStrings(v), types: nullStrings(ty)}
	}
	return out
}

func nullStrings(l []any) []sql.NullString {
	out := make([]sql.NullString, len(l))
	for i, x := range l {
		if s, ok := x.(string); ok {
			out[i] = sql.NullString{String: s, Valid: true}
		}
	}
	return out
}

// goCanon is canonMessage's answer in the same shape.
func goCanon(doc string) (duckCanon, bool) {
	var f messageFields
	raw, ok := canonMessage(nil, []byte(doc), &f)
	if !ok {
		return duckCanon{}, false
	}
	v, ty := fieldLists(raw, &f)
	return duckCanon{ok: true, raw: string(raw), v: v, types: ty}, true
}

// checkCanonical fails when canonMessage accepts a doc and says anything
// other than DuckDB.
func checkCanonical(t *testing.T, docs []string) (accepted int) {
	t.Helper()
	return checkCanonicalOn(t, warehousetest.Open(t).DB, docs)
}

func checkCanonicalOn(t *testing.T, db *sql.DB, docs []string) (accepted int) {
	t.Helper()
	want := duckCanonical(t, db, docs)
	for i, d := range docs {
		got, ok := goCanon(d)
		if !ok {
			continue
		}
		accepted++
		w := want[i]
		if !w.ok {
			t.Errorf("doc %q: Go accepts it, json() refuses it", d)
			continue
		}
		if got.raw != w.raw {
			t.Errorf("doc %q: raw\n got %q\nwant %q", d, got.raw, w.raw)
		}
		if !slices.Equal(got.v, w.v) {
			t.Errorf("doc %q: fields\n got %v\nwant %v", d, got.v, w.v)
		}
		if !slices.Equal(got.types, w.types) {
			t.Errorf("doc %q: types\n got %v\nwant %v", d, got.types, w.types)
		}
		checkDerived(t, db, d)
	}
	return accepted
}

// checkDerived fails when deriveColumns derives a doc Go accepts other
// than staged_messages does (with no ts window), or derives one it finds
// a problem in.
func checkDerived(t *testing.T, db *sql.DB, doc string) {
	t.Helper()
	var f messageFields
	raw, _ := canonMessage(nil, []byte(doc), &f)
	got, ok := deriveColumns(raw, &f)
	if !ok {
		return
	}
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS ts_window AS SELECT '-infinity'::TIMESTAMPTZ AS lo, 'infinity'::TIMESTAMPTZ AS hi`); err != nil {
		t.Fatal(err)
	}
	var want derivedRow
	var problem sql.NullString
	err := db.QueryRow(`SELECT ts, thread_ts, parent_user_id, user_id, bot_id, app_id, username, subtype, text,
		epoch_us(posted_at), epoch_us(edited_at), edited_by, reply_count, latest_reply, is_deleted, problem
		FROM (`+strings.TrimSuffix(step("staged_messages", `SELECT 'C1' AS channel_id, $1::JSON AS doc, NULL AS origin`), ";")+`)`, doc).Scan(
		&want.ts, &want.threadTS, &want.parentUserID, &want.userID, &want.botID, &want.appID, &want.username, &want.subtype, &want.text,
		&want.postedUS, &want.editedUS, &want.editedBy, &want.replyCount, &want.latestReply, &want.isDeleted, &problem)
	if err != nil {
		t.Fatalf("doc %q: staged_messages: %v", doc, err)
	}
	if problem.Valid {
		t.Errorf("doc %q: Go derives its columns, staged_messages finds a problem: %s", doc, problem.String)
		return
	}
	if g := rowOf(got); g != want {
		t.Errorf("doc %q: derived columns\n got %+v\nwant %+v", doc, g, want)
	}
}

// derivedRow is derived as the database scans it.
type derivedRow struct {
	ts, threadTS, parentUserID, userID, botID, appID, username, subtype, text sql.NullString
	postedUS                                                                  int64
	editedUS                                                                  sql.NullInt64
	editedBy                                                                  sql.NullString
	replyCount                                                                sql.NullInt32
	latestReply                                                               sql.NullString
	isDeleted                                                                 bool
}

func rowOf(d derived) derivedRow {
	s := func(n nullBytes) sql.NullString { return sql.NullString{String: string(n.b), Valid: n.valid} }
	return derivedRow{s(d.ts), s(d.threadTS), s(d.parentUserID), s(d.userID), s(d.botID), s(d.appID), s(d.username), s(d.subtype), s(d.text),
		d.postedUS, d.editedUS, s(d.editedBy), d.replyCount, s(d.latestReply), d.isDeleted}
}

// canonicalSeeds are odd messages: what Go must print as json() does, or
// give up on.
var canonicalSeeds = []string{
	`{}`,
	`{"ts":"1.2"}`,
	` { "ts" : "1700000000.000100" , "text" : "a\/b \u00e9 \ud83d\ude00 \" \\ \n\t\r\b\f \u0001\u001f\u007f\u2028 é" } `,
	`{"ts":1,"thread_ts":-5,"user":null,"text":true,"subtype":false,"reply_count":18446744073709551615,"edited":{"ts":"3.4","user":"U1"}}`,
	`{"reply_count":-9223372036854775808}`,
	`{"bot_profile":{"app_id":"A1","name":"n\/x","icons":{"app_id":"no"}},"edited":[1,2],"app_id":{"a":[]}}`,
	`{"bot_profile":"x","edited":"y","text":[{"a":{"b":[1,{"c":"d"}]}}]}`,
	`{"a":{"ts":"nested"},"latest_reply":"9.9","parent_user_id":"U\u0030"}`,
	`{"text":"\u0000 nul"}`,
	"{\"text\":\"tab\there\"}",
	`{"x":1.5}`, `{"x":1e3}`, `{"x":-0}`, `{"x":01}`, `{"x":18446744073709551616}`, `{"x":-9223372036854775809}`,
	`{"x":"\ud83d"}`, `{"x":"\ude00"}`, `{"t\u0065xt":"k"}`, `{"text":"a","text":"b"}`,
	`{"edited":{"ts":"1","ts":"2"}}`, `{"x":[1,]}`, `{"x":NaN}`, `[1]`, `"s"`, `{"x":"\xff"}`,
	`{"ts":"1.2",}`, `{"x":tru}`, `{"x":"\q"}`, `{"x" 1}`, `{"a":"b"} x`,
	// Columns Go derives (deriveColumns) or leaves to SQL.
	`{"ts":"1795132800.000100","thread_ts":"1795132800.1","parent_user_id":"U1","user":"U2","bot_id":"B1","app_id":"","bot_profile":{"app_id":"A2","name":"bot"},"subtype":"tombstone","text":"x","edited":{"ts":"1795132801.5","user":"U3"},"reply_count":2147483647,"latest_reply":"0000000000.000000"}`,
	`{"ts":"000000000001.000001","bot_profile":{"app_id":"A2","name":"bot"},"username":"hook","reply_count":-2147483648}`,
	`{"ts":"1795132800.000100","reply_count":2147483648}`, `{"ts":"1795132800.000100","edited":{"ts":"1795132801"}}`,
	`{"ts":"1795132800.000100","edited":{"ts":7}}`, `{"ts":"1795132800.0000001"}`, `{"ts":"1795132800."}`, `{"ts":"1234567890123.1"}`,
	`{"ts":"1795132800.000100","thread_ts":"x"}`, `{"ts":"1795132800.000100","thread_ts":null,"user":null,"edited":null}`,
	`{"ts":"１.2"}`, `{"ts":"1795132800.000100","text":"caf\u00e9 \n"}`, `{"ts":"1795132800.000100","subtype":"bot_message","app_id":null}`,
}

func TestCanonicalMatchesDuckDB(t *testing.T) {
	if n := checkCanonical(t, canonicalSeeds); n < 9 {
		t.Fatalf("canonMessage accepted only %d docs", n)
	}
}

// FuzzCanonicalMatchesDuckDB holds canonMessage to DuckDB's json() and
// json_extract on any input: whatever Go accepts, it reads as DuckDB does.
func FuzzCanonicalMatchesDuckDB(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add(s)
	}
	db := warehousetest.Open(f).DB
	f.Fuzz(func(t *testing.T, doc string) {
		if _, ok := goCanon(doc); !ok {
			return
		}
		checkCanonicalOn(t, db, []string{doc})
	})
}
