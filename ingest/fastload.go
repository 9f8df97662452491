//go:build duckdb_arrow

package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/aftermath-dev/aftermath/internal/redact"
)

// The first load with Go reading the day files (fastFirstLoad): Go reads
// each file once (arrayReader), checking the array and the bounds as
// countObjects does and turning each message into json()'s text of it
// and its fields; the rows reach DuckDB as Arrow batches (the view fast_messages,
// read by fast_first_load_messages), so DuckDB only derives the columns
// and writes them. Measured in docs/benchmarks.md: DuckDB's own reading
// of the messages (read_json_objects, json(), the redaction prefilter,
// json_extract and reading the extracted values) was about half of the
// load's CPU time.

// fastLoadAvailable: this build has the driver's Arrow API.
const fastLoadAvailable = true

// fastFileLimit is the largest day file Go reads whole into memory; an
// export with a larger one is loaded by first_load_messages instead. Two
// such files (one per worker) and the batches in flight stay far below
// the memory the DuckDB load itself takes.
const fastFileLimit = 64 << 20

// fastBatchBytes and fastBatchRows bound one Arrow batch.
const (
	fastBatchBytes = 4 << 20
	fastBatchRows  = 8192
)

var jsonType = func() arrow.DataType {
	t, err := extensions.NewJSONType(arrow.BinaryTypes.String)
	if err != nil {
		panic(err)
	}
	return t
}()

var fastSchema = arrow.NewSchema([]arrow.Field{
	{Name: "channel_id", Type: arrow.BinaryTypes.String},
	// JSON, so that DuckDB stores fast rows' doc in messages.raw as it
	// is: Go has just read it, and DuckDB's cast from VARCHAR to JSON
	// would parse it again.
	{Name: "doc", Type: jsonType},
	{Name: "canon", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "fast", Type: arrow.FixedWidthTypes.Boolean},
	// The columns Go derived (deriveColumns), in the order and types of
	// staged_messages' pass; NULL where SQL derives them.
	{Name: "pass", Type: arrow.StructOf(
		arrow.Field{Name: "ts", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "thread_ts", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "parent_user_id", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "user_id", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "bot_id", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "app_id", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "username", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "subtype", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "posted_us", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "edited_us", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "edited_by", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "reply_count", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "latest_reply", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "is_deleted", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	), Nullable: true},
}, nil)

// errFastUnclean stops a fast load: a file is not a JSON array, cannot be
// read, or holds a message past a bound (the batched path names it).
var errFastUnclean = errors.New("a day file is not a JSON array or breaks a bound")

// fastReader is the Arrow record reader behind fast_messages: workers read
// the files and send batches; DuckDB pulls them with Next.
type fastReader struct {
	refs    atomic.Int64
	batches chan arrow.RecordBatch
	cur     arrow.RecordBatch
	stop    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
	objects atomic.Int64
}

func (r *fastReader) Retain() { r.refs.Add(1) }
func (r *fastReader) Release() {
	if r.refs.Add(-1) == 0 {
		r.close()
	}
}
func (r *fastReader) Schema() *arrow.Schema { return fastSchema }
func (r *fastReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	b, ok := <-r.batches
	if !ok {
		return false
	}
	r.cur = b
	return true
}
func (r *fastReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the deprecated name of RecordBatch.
func (r *fastReader) Record() arrow.RecordBatch { return r.cur }
func (r *fastReader) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *fastReader) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.once.Do(func() { close(r.stop) })
}

// close stops the workers and drops batches not read.
func (r *fastReader) close() {
	r.once.Do(func() { close(r.stop) })
	go func() {
		for b := range r.batches {
			b.Release()
		}
	}()
	r.wg.Wait()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// newFastReader starts reading the files (paths[i] holds channel ids[i])
// on all CPUs.
func newFastReader(ctx context.Context, paths, ids []string, b Bounds) *fastReader {
	r := &fastReader{batches: make(chan arrow.RecordBatch, 2), stop: make(chan struct{})}
	r.refs.Store(1)
	var next atomic.Int64
	workers := runtime.GOMAXPROCS(0)
	r.wg.Add(workers)
	var done sync.WaitGroup
	done.Add(workers)
	for range workers {
		go func() {
			defer r.wg.Done()
			defer done.Done()
			// Batches live on the Go heap. In C memory (arrow's
			// mallocator) they are allocated on Go's threads and freed on
			// DuckDB's, and glibc's per-thread arenas kept growing: the
			// 4.9M-message load peaked at 1,027 MiB, against 967 MiB
			// with MALLOC_ARENA_MAX=2 (docs/benchmarks.md).
			w := fastWorker{r: r, rb: array.NewRecordBuilder(memory.DefaultAllocator, fastSchema)}
			defer w.rb.Release()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					w.flush()
					return
				}
				if ctx.Err() != nil {
					r.fail(ctx.Err())
					return
				}
				if err := w.file(paths[i], ids[i], b); err != nil {
					r.fail(err)
					return
				}
				select {
				case <-r.stop:
					return
				default:
				}
			}
		}()
	}
	go func() {
		done.Wait()
		close(r.batches)
	}()
	return r
}

// fastWorker builds batches from the files one worker reads.
type fastWorker struct {
	r     *fastReader
	rb    *array.RecordBuilder
	rows  int
	bytes int
	data  []byte // the file being read (reused)
	canon []byte // canonical text of one message (reused)
	ar    arrayReader
	f     messageFields
}

// read reads the file at path into w.data.
func (w *fastWorker) read(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if n := int(st.Size()) + 1; cap(w.data) < n {
		w.data = make([]byte, 0, n)
	}
	w.data = w.data[:0]
	for {
		n, err := f.Read(w.data[len(w.data):cap(w.data)])
		w.data = w.data[:len(w.data)+n]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(w.data) == cap(w.data) {
			w.data = append(w.data, 0)[:len(w.data)] // grew since Stat
		}
	}
}

// file reads one day file into the batch: message by message in one
// pass (arrayReader), and from the first message that pass cannot read,
// element by element as the bound scan finds them.
func (w *fastWorker) file(path, channelID string, b Bounds) error {
	if err := w.read(path); err != nil {
		return fmt.Errorf("%w: %v", errFastUnclean, err)
	}
	data := w.data
	n := 0
	if w.ar.open(data, b) {
		for {
			var ok bool
			if w.canon, ok = w.ar.next(w.canon[:0], &w.f); !ok {
				break
			}
			n++
			if !w.row(channelID, w.canon, &w.f, true, nil) {
				return nil
			}
		}
	}
	if w.ar.stuck {
		// The rest of the array: from its start (the file's '['), or
		// from the first message not read, just after a '[' or ','.
		from := w.ar.from
		s := boundsScanner{b: b}
		if from > 0 {
			s.started, s.depth = true, 1
		}
		if !s.feed(data[from:]) || !s.closed || !strictArray(data[from:], s.elems, from == 0) {
			return fmt.Errorf("%w: %s", errFastUnclean, path)
		}
		for _, e := range s.elems {
			if e.problem != "" {
				return fmt.Errorf("%w: %s", errFastUnclean, path)
			}
			src := data[from+int(e.start) : from+int(e.end)]
			var ok bool
			w.canon, ok = canonMessage(w.canon[:0], src, &w.f)
			// A message Go cannot read goes to json() as written, which
			// DuckDB must see as valid UTF-8, as it would in the file.
			if !ok && !utf8.Valid(src) {
				return fmt.Errorf("%w: %s is not UTF-8", errFastUnclean, path)
			}
			n++
			if !w.row(channelID, w.canon, &w.f, ok, src) {
				return nil
			}
		}
	}
	w.r.objects.Add(int64(n))
	return nil
}

// row appends one message: canonical text and fields when canonOK, else
// its text as written (src). false when the reader is stopped.
func (w *fastWorker) row(channelID string, canon []byte, f *messageFields, canonOK bool, src []byte) bool {
	chans := w.rb.Field(0).(*array.StringBuilder)
	docs := w.rb.Field(1).(*array.ExtensionBuilder).Builder.(*array.StringBuilder)
	canons := w.rb.Field(2).(*array.BooleanBuilder)
	fasts := w.rb.Field(3).(*array.BooleanBuilder)
	pass := w.rb.Field(4).(*array.StructBuilder)
	chans.Append(channelID)
	if !canonOK {
		// json(), the redaction and json_extract in SQL.
		docs.BinaryBuilder.Append(src)
		canons.Append(false)
		fasts.Append(false)
		pass.AppendNull()
		w.bytes += len(src)
	} else if d, ok := deriveColumns(canon, f); !ok || redact.MayContainBytes(canon) {
		// The redaction (when it could match) and json_extract in SQL,
		// which names the problem of a message deriveColumns refuses.
		docs.BinaryBuilder.Append(canon)
		canons.Append(true)
		fasts.Append(false)
		pass.AppendNull()
		w.bytes += len(canon)
	} else {
		docs.BinaryBuilder.Append(canon)
		canons.Append(true)
		fasts.Append(true)
		pass.Append(true)
		for i, v := range [...]nullBytes{d.ts, d.threadTS, d.parentUserID, d.userID, d.botID, d.appID, d.username, d.subtype, d.text} {
			appendNullBytes(pass.FieldBuilder(i).(*array.StringBuilder), v)
			w.bytes += len(v.b)
		}
		pass.FieldBuilder(9).(*array.Int64Builder).Append(d.postedUS)
		if eb := pass.FieldBuilder(10).(*array.Int64Builder); d.editedUS.Valid {
			eb.Append(d.editedUS.Int64)
		} else {
			eb.AppendNull()
		}
		appendNullBytes(pass.FieldBuilder(11).(*array.StringBuilder), d.editedBy)
		if rb := pass.FieldBuilder(12).(*array.Int32Builder); d.replyCount.Valid {
			rb.Append(d.replyCount.Int32)
		} else {
			rb.AppendNull()
		}
		appendNullBytes(pass.FieldBuilder(13).(*array.StringBuilder), d.latestReply)
		pass.FieldBuilder(14).(*array.BooleanBuilder).Append(d.isDeleted)
		w.bytes += len(canon)
	}
	w.rows++
	if w.rows >= fastBatchRows || w.bytes >= fastBatchBytes {
		return w.flush()
	}
	return true
}

func appendNullBytes(b *array.StringBuilder, v nullBytes) {
	if v.valid {
		b.BinaryBuilder.Append(v.b)
	} else {
		b.AppendNull()
	}
}

// flush sends the batch built so far; false when the reader is stopped.
func (w *fastWorker) flush() bool {
	if w.rows == 0 {
		return true
	}
	rec := w.rb.NewRecordBatch()
	w.rows, w.bytes = 0, 0
	select {
	case w.r.batches <- rec:
		return true
	case <-w.r.stop:
		rec.Release()
		return false
	}
}

// fastFirstLoad runs fast_first_load_messages in tx over the files, read
// by Go. It returns the rows inserted and the objects the files hold;
// errFastUnclean (wrapped) when a file is not a clean JSON array.
func fastFirstLoad(ctx context.Context, conn *sql.Conn, tx *sql.Tx, paths, ids []string, b Bounds, a mergeArgs) (inserted, objects int64, err error) {
	// The heap holds little but byte buffers that are live (each worker's
	// day file, up to fastFileLimit, and the batches in flight): collect
	// at 25% growth rather than 100%, so that Go's share of the peak
	// stays near what it uses. The collections are cheap (nothing to
	// scan in byte buffers).
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := newFastReader(rctx, paths, ids, b)
	defer r.Release()
	release := func() {}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("%T is not a DuckDB connection", dc)
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		// The view holds a reference to r (cdata's export retains it),
		// dropped by release.
		release, err = ar.RegisterView(r, "fast_messages")
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("register the Arrow view of the day files: %w", err)
	}
	defer release()
	res, err := tx.ExecContext(ctx, step("fast_first_load_messages", ""), a.list()...)
	if rerr := r.Err(); rerr != nil {
		return 0, 0, rerr
	}
	if err != nil {
		return 0, 0, err
	}
	if inserted, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	// The view's stream is spent: drop it with the transaction's work.
	if _, err := tx.ExecContext(ctx, `DROP VIEW IF EXISTS fast_messages`); err != nil {
		return 0, 0, err
	}
	return inserted, r.objects.Load(), nil
}

// strictArray reports whether the bytes around the elements the scanner
// found are exactly a JSON array's: '[' (unless the data starts after
// it: withOpen false), the elements separated by single commas, ']', and
// whitespace. The scanner itself lets through forms that
// read_json_objects may read otherwise (a trailing comma, two commas in a
// row), which the batched path then handles as it always did.
func strictArray(data []byte, elems []element, withOpen bool) bool {
	between := func(from, to int64, sep byte) bool {
		seen := false
		for _, c := range data[from:to] {
			switch c {
			case ' ', '\t', '\n', '\r':
			case sep:
				if seen {
					return false
				}
				seen = true
			default:
				return false
			}
		}
		return seen || sep == 0
	}
	open := byte('[')
	if !withOpen {
		open = 0
	}
	end := int64(len(data))
	if len(elems) == 0 {
		if !withOpen {
			return false
		}
		i := bytes.IndexByte(data, '[')
		return i >= 0 && between(0, int64(i)+1, '[') && between(int64(i)+1, end, ']')
	}
	if !between(0, elems[0].start, open) {
		return false
	}
	for i := 1; i < len(elems); i++ {
		if !between(elems[i-1].end, elems[i].start, ',') {
			return false
		}
	}
	return between(elems[len(elems)-1].end, end, ']')
}
