package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// ErrNotExport reports a path that is not a Slack workspace export.
var ErrNotExport = errors.New("not a Slack workspace export")

// ExportOptions configure IngestExport.
type ExportOptions struct {
	// Path is the export: a .zip file or a directory.
	Path      string
	Selection Selection
	// BatchBytes bounds the day files loaded in one transaction.
	BatchBytes int64
	// TempDir is where a ZIP's files are extracted while they load (and
	// where copies of day files without their out-of-bounds messages go).
	// Empty means next to the database, as <db>.extract-<random>: never
	// /tmp, and a folder a killed run left there is removed by the next.
	TempDir string
	// Bounds limit what one input may cost; zero fields take the defaults.
	Bounds Bounds
	Now    func() time.Time
	Log    *slog.Logger
	// Progress, if set, is told how many bytes of the selected day files
	// are stored, after each batch (for a progress bar).
	Progress func(done, total int64)
	// Committed, if set, is told after each transaction commits, and at
	// the milestones of the one-statement first load (a test hook: see
	// docs/faults.md).
	Committed func(what string)
	// MemoryLimit is the writer's own DuckDB memory limit as configured
	// (e.g. "1GB"), put back after the messages load, which runs capped at
	// exportMemoryLimit. Empty: the limit as DuckDB prints it before the
	// load ("953.6 MiB"), which it reads back up to 0.1 MiB lower.
	MemoryLimit string
}

// exportSource lists an export's files and makes them readable as local
// paths. Names are slash-separated and relative to the export root.
type exportSource interface {
	Files() []string
	// Local returns local paths for the named files, skipping (and naming)
	// any that cannot be read; release removes temporary copies.
	Local(names []string) (local map[string]string, skips []Skip, release func(), err error)
	Close() error
}

// dirSource serves an export unpacked in a directory.
type dirSource struct {
	root    string
	files   []string
	cleanup string // removed on Close, for recovered ZIPs
}

func (d *dirSource) Files() []string { return d.files }

func (d *dirSource) Local(names []string) (map[string]string, []Skip, func(), error) {
	local := make(map[string]string, len(names))
	for _, n := range names {
		local[n] = filepath.Join(d.root, filepath.FromSlash(n))
	}
	return local, nil, func() {}, nil
}

func (d *dirSource) Close() error {
	if d.cleanup != "" {
		return os.RemoveAll(d.cleanup)
	}
	return nil
}

// openDir lists an unpacked export. Symbolic links (the root itself
// included) are followed when they stay inside the export; others, broken
// links and special files are skipped by name, never silently.
func openDir(root string, b Bounds) (*dirSource, []Skip, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, nil, fmt.Errorf("read export %s: %w", root, err)
	}
	d := &dirSource{root: real}
	var skips []Skip
	skip := func(name, reason string) { skips = append(skips, Skip{Kind: "file", Item: name, Reason: reason}) }
	var walk func(dir, rel string, depth int) error
	walk = func(dir, rel string, depth int) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := path.Join(rel, e.Name())
			p := filepath.Join(dir, e.Name())
			var st fs.FileInfo
			if e.Type()&fs.ModeSymlink != 0 {
				target, err := filepath.EvalSymlinks(p)
				if err != nil {
					skip(name, "broken symbolic link, not followed")
					continue
				}
				if !within(real, target) {
					skip(name, "symbolic link to "+target+", outside the export, not followed")
					continue
				}
				if st, err = os.Stat(target); err != nil {
					skip(name, "symbolic link cannot be read: "+err.Error())
					continue
				}
			} else if st, err = e.Info(); err != nil {
				skip(name, "cannot be read: "+err.Error())
				continue
			}
			switch {
			case st.IsDir():
				// Links may form loops; an export is two levels deep.
				if depth >= 8 {
					skip(name+"/", "folder nested too deep (a symbolic link loop?), not read")
					continue
				}
				if err := walk(p, name, depth+1); err != nil {
					return err
				}
			case !st.Mode().IsRegular():
				skip(name, "not a regular file (device, pipe or socket), not read")
			case st.Size() > b.EntryBytes:
				skip(name, fmt.Sprintf("file larger than ingest.max_entry_mb (%d MiB), not read", b.EntryBytes>>20))
			default:
				d.files = append(d.files, name)
			}
		}
		return nil
	}
	if err := walk(real, "", 0); err != nil {
		return nil, nil, fmt.Errorf("read export %s: %w", root, err)
	}
	return d, skips, nil
}

// within reports whether path p (with links resolved) is root or inside it.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// openExport opens path as a directory or ZIP export; a ZIP is extracted
// into a folder named after base.
func openExport(p, base string, b Bounds) (exportSource, []Skip, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrNotExport, p, errors.Unwrap(err))
	}
	if st.IsDir() {
		return openDir(p, b)
	}
	src, skips, err := openZip(p, base, b)
	if errors.Is(err, errNotZip) {
		return nil, nil, fmt.Errorf("%w: %s is neither a directory nor a ZIP file", ErrNotExport, p)
	}
	return src, skips, err
}

var dayFile = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\.json$`)

// exportLayout is what an export holds, by role.
type exportLayout struct {
	prefix   string              // folder every path starts with ("" for a flat export)
	top      map[string]bool     // top-level files present (channels.json, …)
	folders  map[string][]string // channel folder → its files (full names)
	stray    []string            // files in no known place
	hasFiles bool
}

func layoutOf(files []string) exportLayout {
	l := exportLayout{top: map[string]bool{}, folders: map[string][]string{}}
	// Someone re-zipped the export folder itself: everything is under one
	// folder that holds channels.json or users.json.
	for _, f := range files {
		dir, base := path.Split(f)
		if (base == "channels.json" || base == "users.json") && strings.Count(dir, "/") == 1 {
			l.prefix = dir
			for _, g := range files {
				if !strings.HasPrefix(g, l.prefix) {
					l.prefix = ""
					break
				}
			}
			break
		}
	}
	for _, f := range files {
		rel := strings.TrimPrefix(f, l.prefix)
		parts := strings.Split(rel, "/")
		switch len(parts) {
		case 1:
			l.top[rel] = true
		case 2:
			l.folders[parts[0]] = append(l.folders[parts[0]], f)
			l.hasFiles = true
		default:
			l.stray = append(l.stray, f)
		}
	}
	return l
}

// dataThrough is how recent the export is: the end of the day of its
// latest day file, in any channel; nil when it has none.
func (l exportLayout) dataThrough() any {
	var latest string
	for _, files := range l.folders {
		for _, f := range files {
			if b := path.Base(f); dayFile.MatchString(b) && b > latest {
				latest = b
			}
		}
	}
	t, err := time.Parse("2006-01-02.json", latest)
	if err != nil {
		return nil
	}
	return t.Add(24 * time.Hour)
}

// isExport says whether the layout looks like a Slack export at all.
func (l exportLayout) isExport() bool {
	return l.top["channels.json"] || l.top["groups.json"] || l.top["users.json"] || l.top["org_users.json"]
}

// IngestExport stores a Slack workspace export: users always, and the
// selected channels with their messages. It returns ErrPartial (wrapped)
// when it skipped inputs, and ErrNotExport when Path is not an export.
func IngestExport(ctx context.Context, db *warehouse.DB, opts ExportOptions) (*Result, error) {
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, err
	}
	opts.Bounds = opts.Bounds.orDefault()
	base := filepath.Join(opts.TempDir, "aftermath")
	if opts.TempDir == "" {
		if db.Path == "" {
			return nil, errors.New("ingest export: an in-memory warehouse needs ExportOptions.TempDir")
		}
		if base, err = filepath.Abs(db.Path); err != nil {
			return nil, err
		}
	}
	stale, err := removeStaleExtracts(base)
	for _, d := range stale {
		opts.Log.Warn("removed a stale extraction folder that a killed run left", "folder", d)
	}
	if err != nil {
		return nil, fmt.Errorf("remove stale extraction folders: %w", err)
	}
	src, openSkips, err := openExport(abs, base, opts.Bounds)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	layout := layoutOf(src.Files())
	if !layout.isExport() {
		if len(src.Files()) == 0 {
			return nil, fmt.Errorf("%w: %s is empty; expected channels.json, users.json and one folder of YYYY-MM-DD.json files per channel", ErrNotExport, opts.Path)
		}
		// A ZIP so damaged that nothing was recovered is a damaged export,
		// not a usage error: fall through only when something is known.
		return nil, fmt.Errorf("%w: %s has no channels.json, groups.json or users.json; expected a Slack export (Workspace settings → Import/Export Data) as a .zip or unpacked folder", ErrNotExport, opts.Path)
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := tuneForBulkLoad(ctx, conn); err != nil {
		return nil, err
	}
	r, err := startRun(ctx, conn, "export", abs, opts.Now, opts.Log)
	if err != nil {
		return nil, err
	}
	for _, s := range openSkips {
		r.skip(ctx, s.Kind, s.Item, s.Reason)
	}
	// An export is as recent as its latest day file: stored rows from a
	// more recent run are not replaced by its copies (merge.sql).
	if _, err := conn.ExecContext(ctx, `UPDATE ingest_runs SET data_through = ? WHERE run_id = ?`, layout.dataThrough(), r.RunID); err != nil {
		return nil, r.finish(ctx, fmt.Errorf("record run: %w", err))
	}
	e := &exportRun{run: r, opts: opts, src: src, layout: layout, base: base}
	defer e.removeScratch()
	runErr := e.ingest(ctx)
	if runErr != nil && ctx.Err() != nil {
		runErr = fmt.Errorf("interrupted: %w", ctx.Err())
		// The cancelled transaction may have taken the connection with it:
		// the run must still be recorded.
		if fresh := recoverConn(ctx, db, conn); fresh != conn {
			defer fresh.Close()
			r.conn = fresh
		}
	}
	err = r.finish(ctx, runErr)
	return &r.Result, err
}

type exportRun struct {
	*run
	opts   ExportOptions
	src    exportSource
	layout exportLayout
	// names maps every conversation name in channels.json/groups.json to its
	// ID (selected or not), so folders can be told apart from unknown ones.
	names    map[string]string
	dupNames map[string][]string // names listed for more than one ID
	selected map[string]bool
	private  map[string]bool // folders of DMs and group DMs, never ingested
	base     string          // extraction folders are named after it
	scratch  string          // bounded copies of day files, made on demand
	copies   int
}

// scratchDir returns the run's folder for bounded copies, making it once.
func (e *exportRun) scratchDir() (string, error) {
	if e.scratch == "" {
		d, err := makeExtractDir(e.base)
		if err != nil {
			return "", err
		}
		e.scratch = d
	}
	return e.scratch, nil
}

func (e *exportRun) removeScratch() {
	if e.scratch != "" {
		if err := os.RemoveAll(e.scratch); err != nil {
			e.log.Error("could not remove extraction folder", "folder", e.scratch, "err", err)
		}
	}
}

func (e *exportRun) top(name string) string { return e.layout.prefix + name }

func (e *exportRun) ingest(ctx context.Context) (err error) {
	if err := e.users(ctx); err != nil {
		return err
	}
	if err := e.channels(ctx); err != nil {
		return err
	}
	restore, err := warehouse.CapMemory(ctx, e.conn, exportMemoryLimit, e.opts.MemoryLimit)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := restore(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	return e.messages(ctx)
}

// exportMemoryLimit caps DuckDB's memory while an export's messages load.
// With the configured 1GB the first load of 1M messages peaked at
// 906-1,240 MiB by shape, and grew with the export: the buffer pool fills
// with the table being written, and DuckDB's JSON reader and allocator
// hold 300-550 MiB outside the pool on top (the more, the bigger the
// messages). Capped, the pool evicts the written blocks and the peak
// stays under 1 GiB; 512 MiB was not enough for 1M messages with Block
// Kit payloads (1,004-1,055 MiB). Measured in docs/benchmarks.md. Never
// raised: a smaller configured limit is kept.
const exportMemoryLimit = 384 << 20

// users stores users.json (and org_users.json on Enterprise Grid) in full.
func (e *exportRun) users(ctx context.Context) error {
	for _, name := range []string{"users.json", "org_users.json"} {
		if !e.layout.top[name] {
			continue
		}
		local, ok, release, err := e.localOne(ctx, e.top(name))
		if err != nil || !ok {
			return err
		}
		n, err := mergeUsers(ctx, e.conn, e.mergeArgs(), sourceObjectFile, local)
		release()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if storageFailed(err) {
				return fmt.Errorf("store %s: %w", e.top(name), err)
			}
			e.skip(ctx, "file", e.top(name), e.describeErr(err, local, e.top(name)))
			e.Counts.FilesSkipped++
			continue
		}
		e.Counts.FilesRead++
		e.Counts.Users += n
		committed(e.opts.Committed, "export: users "+name)
	}
	if !e.layout.top["users.json"] && !e.layout.top["org_users.json"] {
		e.skip(ctx, "file", "users.json", "missing from the export: messages are kept, but authors have no names")
	}
	return nil
}

// channels reads channels.json and groups.json, decides the selection and
// stores the selected channels.
func (e *exportRun) channels(ctx context.Context) error {
	e.names = map[string]string{}
	e.dupNames = map[string][]string{}
	e.selected = map[string]bool{}
	e.private = map[string]bool{}
	for _, name := range []string{"channels.json", "groups.json"} {
		if !e.layout.top[name] {
			if name == "channels.json" {
				e.skip(ctx, "file", name, "missing from the export: public channels cannot be matched to their folders")
			}
			continue
		}
		local, ok, release, err := e.localOne(ctx, e.top(name))
		if err != nil || !ok {
			return err
		}
		err = warehouse.InTx(ctx, e.conn, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, step("stage_channels", sourceObjectFile), local); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT channel_id, name FROM stage_chans ORDER BY channel_id`)
			if err != nil {
				return err
			}
			var keep []string
			for rows.Next() {
				var id, cname string
				if err := rows.Scan(&id, &cname); err != nil {
					rows.Close()
					return err
				}
				e.Counts.ChannelsTotal++
				if prev, ok := e.names[cname]; ok && prev != id {
					e.dupNames[cname] = append(e.dupNames[cname], id)
				} else {
					e.names[cname] = id
					e.dupNames[cname] = []string{id}
				}
				if e.opts.Selection.Selected(id, cname) {
					keep = append(keep, id)
					e.selected[id] = true
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM stage_chans WHERE NOT list_contains($1::VARCHAR[], channel_id)`, keep); err != nil {
				return err
			}
			return mergeChannels(ctx, tx, e.mergeArgs())
		})
		release()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if storageFailed(err) {
				return fmt.Errorf("store %s: %w", e.top(name), err)
			}
			e.skip(ctx, "file", e.top(name), e.describeErr(err, local, e.top(name)))
			e.Counts.FilesSkipped++
			continue
		}
		e.Counts.FilesRead++
		committed(e.opts.Committed, "export: channels "+name)
	}
	e.Counts.ChannelsSelected = len(e.selected)
	// Slack names are unique in a workspace; a name listed for two IDs
	// cannot say which channel its folder holds.
	for name, ids := range e.dupNames {
		if len(ids) < 2 {
			delete(e.dupNames, name)
		}
	}
	// Direct and group DMs are never ingested; their folders are not unknown.
	for _, name := range []string{"dms.json", "mpims.json"} {
		if !e.layout.top[name] {
			continue
		}
		local, ok, release, err := e.localOne(ctx, e.top(name))
		if err != nil || !ok {
			return err
		}
		rows, err := e.conn.QueryContext(ctx, `SELECT coalesce(json->>'$.name', json->>'$.id') FROM read_json_objects($1::VARCHAR, format = 'array')`, local)
		if err == nil {
			for rows.Next() {
				var n sql.NullString
				if rows.Scan(&n) == nil && n.Valid {
					e.private[n.String] = true
				}
			}
			rows.Close()
		}
		release()
	}
	return nil
}

// messages loads the selected channels' day files in batches.
func (e *exportRun) messages(ctx context.Context) error {
	var work []chanFiles
	folders := make([]string, 0, len(e.layout.folders))
	for f := range e.layout.folders {
		folders = append(folders, f)
	}
	sort.Strings(folders)
	for _, folder := range folders {
		files := e.layout.folders[folder]
		// Channel names are stored redacted: match the folder the same way.
		name := clean(folder)
		id, known := e.names[name]
		switch {
		case e.private[folder]:
			continue
		case len(e.dupNames[name]) > 1:
			e.skip(ctx, "channel", folder+"/", fmt.Sprintf("the name is used by more than one channel (%s) in channels.json/groups.json: its folder of %d files cannot be matched to one, so its messages are not stored",
				strings.Join(e.dupNames[name], ", "), len(files)))
			e.Counts.ChannelsSkipped++
			e.Counts.FilesSkipped += len(files)
			continue
		case !known:
			e.skip(ctx, "channel", folder+"/", fmt.Sprintf("folder of %d files for a channel that is not in channels.json or groups.json", len(files)))
			e.Counts.ChannelsSkipped++
			e.Counts.FilesSkipped += len(files)
			continue
		case !e.selected[id]:
			continue
		}
		var days []string
		for _, f := range files {
			if dayFile.MatchString(path.Base(f)) {
				days = append(days, f)
				continue
			}
			e.skip(ctx, "file", f, "not a day file (expected YYYY-MM-DD.json)")
			e.Counts.FilesSkipped++
		}
		sort.Strings(days)
		work = append(work, chanFiles{id: id, folder: folder, files: days})
	}
	for _, f := range e.layout.stray {
		e.skip(ctx, "file", f, "not part of the export layout (expected <channel>/YYYY-MM-DD.json)")
		e.Counts.FilesSkipped++
	}

	// Channels selected but without a folder have no messages: done.
	e.Counts.ChannelsDone = len(e.selected) - len(work)

	sizes := e.sizes(work)
	var total, done int64
	for _, n := range sizes {
		total += n
	}
	if loaded, err := e.firstLoad(ctx, work); loaded || err != nil {
		if err == nil && e.opts.Progress != nil {
			e.opts.Progress(total, total)
		}
		return err
	}
	var batch []chanFiles
	var batchBytes int64
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var names, ids []string
		for _, c := range batch {
			for _, f := range c.files {
				names = append(names, f)
				ids = append(ids, c.id)
			}
		}
		if err := e.loadBatch(ctx, names, ids); err != nil {
			return err
		}
		e.Counts.ChannelsDone += len(batch)
		e.log.Debug("stored batch", "channels", len(batch), "files", len(names), "bytes", batchBytes)
		if done += batchBytes; e.opts.Progress != nil {
			e.opts.Progress(done, total)
		}
		batch, batchBytes = nil, 0
		return nil
	}
	for _, c := range work {
		var n int64
		for _, f := range c.files {
			n += sizes[f]
		}
		if batchBytes > 0 && batchBytes+n > e.opts.BatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, c)
		batchBytes += n
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return flush()
}

// errNotClean makes firstLoad roll back: the files hold something that the
// batched path must name (a message with a problem, a duplicate).
var errNotClean = errors.New("the export holds messages to skip or de-duplicate")

// firstLoad stores all the selected day files at once when the warehouse
// holds no messages yet (the first load of a workspace): one transaction,
// one INSERT … SELECT over every file (first_load_messages), so DuckDB reads
// and writes with all its threads and no staging copy. It reports done =
// false, having stored nothing, when the warehouse is not empty or when
// anything would have to be skipped, cut or de-duplicated: the batched path
// then loads the same files and names each skip. A kill leaves all or
// nothing of the first load.
func (e *exportRun) firstLoad(ctx context.Context, work []chanFiles) (done bool, err error) {
	var stored int64
	if err := e.conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM channel_state)`).Scan(&stored); err != nil {
		return false, fmt.Errorf("check for stored messages: %w", err)
	}
	if stored > 0 || len(work) == 0 {
		return false, nil
	}
	var names, ids []string
	for _, c := range work {
		for _, f := range c.files {
			names = append(names, f)
			ids = append(ids, c.id)
		}
	}
	fallBack := func(why string, args ...any) (bool, error) {
		e.log.Debug("first load: loading in batches instead", append([]any{"reason", why}, args...)...)
		return false, ctx.Err()
	}
	start := time.Now()
	local, skips, release, err := e.src.Local(names)
	if err != nil {
		return fallBack("files not readable", "err", err)
	}
	defer release()
	if len(skips) > 0 {
		return fallBack("damaged entries")
	}
	paths := make([]string, len(names))
	for i, n := range names {
		paths[i] = local[n]
	}
	// Go reads the files itself (fastload.go) unless this build lacks
	// the Arrow API or a file is too big to read whole; else Go only
	// counts their objects and DuckDB reads them.
	fast := fastLoadAvailable
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || st.Size() > fastFileLimit {
			fast = false
			break
		}
	}
	var objects int64
	if !fast {
		var clean bool
		if objects, clean = countObjects(ctx, paths, e.opts.Bounds); !clean {
			return fallBack("a file is not a JSON array or breaks a bound")
		}
	}
	scanned := time.Since(start)
	if fast {
		// Go reads the files and DuckDB writes them on every CPU, with
		// dictionary compression off for the load. Choosing a column's
		// compression, DuckDB builds a dictionary of each row group's
		// strings to price that method; on raw (about 1 KiB a message)
		// that was a third of the write and, with a writer per CPU, took
		// the 1M-message load with Block Kit payloads to 1.09 GiB. Without
		// it the same load peaked at 0.75 GiB on two writers, where one
		// writer with it took 1.5 times as long (docs/benchmarks.md).
		// Strings then get FSST or DICT_FSST, about the same size.
		restore, err := warehouse.DisableCompression(ctx, e.conn, "dictionary")
		if err != nil {
			return false, err
		}
		defer func() {
			if rerr := restore(); rerr != nil && err == nil {
				err = rerr
			}
		}()
	}
	var inserted int64
	err = warehouse.InTx(ctx, e.conn, func(tx *sql.Tx) error {
		a := e.mergeArgs()
		if fast {
			committed(e.opts.Committed, "export: first load begin")
			var err error
			if inserted, objects, err = fastFirstLoad(ctx, e.conn, tx, paths, ids, e.opts.Bounds, a); err != nil {
				return err
			}
		} else {
			if _, err := tx.ExecContext(ctx,
				`CREATE OR REPLACE TEMP TABLE stage_files AS SELECT unnest($1::VARCHAR[]) AS path, unnest($2::VARCHAR[]) AS channel_id`,
				paths, ids); err != nil {
				return err
			}
			committed(e.opts.Committed, "export: first load begin")
			res, err := tx.ExecContext(ctx, step("first_load_messages", sourceFiles4), append(a.list(), paths)...)
			if err != nil {
				return err
			}
			if inserted, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		committed(e.opts.Committed, "export: first load messages written")
		if inserted != objects {
			return fmt.Errorf("%w: %d of %d objects are storable messages", errNotClean, inserted, objects)
		}
		var dups int64
		if err := tx.QueryRowContext(ctx, step("count_stored_duplicates", "")).Scan(&dups); err != nil {
			return err
		}
		if dups > 0 {
			return fmt.Errorf("%w: %d messages stored twice", errNotClean, dups)
		}
		_, err = tx.ExecContext(ctx, step("first_load_channel_state", ""), argsFor("first_load_channel_state", a)...)
		return err
	})
	if err != nil {
		// A file DuckDB refuses, or messages to name: the batched path
		// finds and names each. A failing warehouse fails there too.
		return fallBack("not clean", "err", err)
	}
	committed(e.opts.Committed, "export: first load commit")
	e.log.Debug("first load", "files", len(paths), "messages", inserted, "go_reads", fast, "scan", scanned.Round(time.Millisecond),
		"store", (time.Since(start) - scanned).Round(time.Millisecond))
	e.Counts.FilesRead += len(paths)
	e.Counts.MessagesRead += inserted
	e.Counts.MessagesNew += inserted
	e.Counts.ChannelsDone += len(work)
	return true, nil
}

// countObjects counts the top-level elements of the JSON array files, on
// all CPUs. clean is false when a file cannot be read, is not an array, or
// holds an element that breaks a bound.
func countObjects(ctx context.Context, paths []string, b Bounds) (n int64, clean bool) {
	var (
		next  atomic.Int64
		total atomic.Int64
		bad   atomic.Bool
		wg    sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) || bad.Load() || ctx.Err() != nil {
					return
				}
				f, err := os.Open(paths[i])
				if err != nil {
					bad.Store(true)
					return
				}
				elems, ok, err := scanElements(f, b)
				f.Close()
				if err != nil || !ok {
					bad.Store(true)
					return
				}
				for _, el := range elems {
					if el.problem != "" {
						bad.Store(true)
						return
					}
				}
				total.Add(int64(len(elems)))
			}
		}()
	}
	wg.Wait()
	return total.Load(), !bad.Load() && ctx.Err() == nil
}

// chanFiles is one selected channel's day files.
type chanFiles struct {
	id, folder string
	files      []string
}

// sizes returns each day file's size, for batching.
func (e *exportRun) sizes(work []chanFiles) map[string]int64 {
	out := map[string]int64{}
	if d, ok := e.src.(*dirSource); ok {
		for _, c := range work {
			for _, f := range c.files {
				if st, err := os.Stat(filepath.Join(d.root, filepath.FromSlash(f))); err == nil {
					out[f] = st.Size()
				}
			}
		}
	}
	if z, ok := e.src.(*zipSource); ok {
		for _, c := range work {
			for _, f := range c.files {
				out[f] = int64(z.entries[f].UncompressedSize64)
			}
		}
	}
	return out
}

// loadBatch stores a batch of day files in one transaction. When the batch
// fails because of a bad file, it is retried file by file so that only the
// bad files are skipped.
func (e *exportRun) loadBatch(ctx context.Context, names, ids []string) error {
	local, skips, release, err := e.src.Local(names)
	if err != nil {
		return err
	}
	defer release()
	for _, s := range skips {
		e.skip(ctx, s.Kind, s.Item, s.Reason)
		e.Counts.FilesSkipped++
	}
	var paths, chans, rels []string
	var copies []string
	defer func() {
		for _, c := range copies {
			os.Remove(c)
		}
	}()
	for i, n := range names {
		p, ok := local[n]
		if !ok {
			continue
		}
		orig := p
		if p, ok, err = e.bounded(ctx, n, p); err != nil {
			return err
		}
		if p != orig {
			copies = append(copies, p)
		}
		if ok {
			paths, chans, rels = append(paths, p), append(chans, ids[i]), append(rels, n)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	err = e.storeFiles(ctx, paths, chans, rels)
	if err == nil || ctx.Err() != nil {
		return err
	}
	if storageFailed(err) {
		return fmt.Errorf("store %d day files (%s …): %w", len(rels), rels[0], err)
	}
	if len(paths) == 1 {
		e.skip(ctx, "file", rels[0], e.describeErr(err, paths[0], rels[0]))
		e.Counts.FilesSkipped++
		return nil
	}
	e.log.Debug("batch failed, retrying file by file", "files", len(paths), "err", err)
	for i := range paths {
		if err := e.storeFiles(ctx, paths[i:i+1], chans[i:i+1], rels[i:i+1]); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if storageFailed(err) {
				return fmt.Errorf("store %s: %w", rels[i], err)
			}
			e.skip(ctx, "file", rels[i], e.describeErr(err, paths[i], rels[i]))
			e.Counts.FilesSkipped++
		}
	}
	return nil
}

// bounded returns the path DuckDB should read for the day file rel (at
// local): local itself, or a copy without the messages that break the JSON
// bounds, each of which is skipped and named.
func (e *exportRun) bounded(ctx context.Context, rel, local string) (string, bool, error) {
	dir, err := e.scratchDir()
	if err != nil {
		return "", false, err
	}
	e.copies++
	dst := filepath.Join(dir, fmt.Sprintf("bounded-%d.json", e.copies))
	bad, elems, err := boundedCopy(local, dst, e.opts.Bounds)
	if err != nil {
		if pe := (*os.PathError)(nil); errors.As(err, &pe) && pe.Path == dst {
			return "", false, fmt.Errorf("write bounded copy of %s: %w", rel, err)
		}
		e.skip(ctx, "file", rel, "cannot be read: "+err.Error())
		e.Counts.FilesSkipped++
		return "", false, nil
	}
	if len(bad) == 0 {
		return local, true, nil
	}
	for i, n := range bad {
		el := elems[i]
		e.skip(ctx, "message", rel, fmt.Sprintf("message %d (bytes %d-%d) skipped: %s", n, el.start, el.end, el.problem))
		e.Counts.MessagesSkipped++
	}
	return dst, true, nil
}

// storeFiles stages and merges day files in one transaction and counts what
// it did once the transaction has committed.
func (e *exportRun) storeFiles(ctx context.Context, paths, chans, rels []string) error {
	var res mergeResult
	start := time.Now()
	var staged, merged time.Duration
	err := warehouse.InTx(ctx, e.conn, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx,
			`CREATE OR REPLACE TEMP TABLE stage_files AS SELECT unnest($1::VARCHAR[]) AS path, unnest($2::VARCHAR[]) AS channel_id`,
			paths, chans); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, step("stage_messages", sourceFiles), paths); err != nil {
			return err
		}
		staged = time.Since(start)
		var err error
		res, err = mergeMessages(ctx, tx, e.mergeArgs())
		merged = time.Since(start) - staged
		return err
	})
	if err != nil {
		return err
	}
	committed(e.opts.Committed, fmt.Sprintf("export: stored %d files", len(paths)))
	e.log.Debug("stored files", "files", len(paths), "messages", res.read, "stage", staged.Round(time.Millisecond),
		"merge", merged.Round(time.Millisecond), "commit", (time.Since(start) - staged - merged).Round(time.Millisecond))
	e.Counts.FilesRead += len(paths)
	e.Counts.MessagesRead += res.read
	e.Counts.MessagesNew += res.inserted
	e.Counts.MessagesUpdated += res.updated
	e.Counts.MessagesDuplicate += res.duplicate
	byLocal := map[string]string{}
	for i, p := range paths {
		byLocal[p] = rels[i]
	}
	for _, d := range res.duplicates {
		e.log.Warn("dropped duplicate copies of messages (same ts in one channel); the copy with the newest edit is kept",
			"file", byLocal[d.origin], "copies", d.n)
	}
	for _, p := range res.problems {
		e.Counts.MessagesSkipped += p.n
		noun := "message"
		if p.n != 1 {
			noun = "messages"
		}
		e.skip(ctx, "message", byLocal[p.origin], fmt.Sprintf("%d %s skipped: %s", p.n, noun, p.problem))
	}
	return nil
}

// localOne makes one top-level file readable; ok is false when it was
// skipped (a damaged ZIP entry, already recorded).
func (e *exportRun) localOne(ctx context.Context, name string) (string, bool, func(), error) {
	local, skips, release, err := e.src.Local([]string{name})
	if err != nil {
		return "", false, nil, err
	}
	for _, s := range skips {
		e.skip(ctx, s.Kind, s.Item, s.Reason)
		e.Counts.FilesSkipped++
	}
	p, ok := local[name]
	if !ok {
		release()
		return "", false, nil, nil
	}
	return p, true, release, nil
}

func (e *exportRun) mergeArgs() mergeArgs {
	return mergeArgs{now: e.now(), runID: e.RunID, source: "export"}
}

// describeErr turns a DuckDB error about a local copy into a message about
// the file as the export names it.
func (e *exportRun) describeErr(err error, local, rel string) string {
	msg := strings.ReplaceAll(err.Error(), local, rel)
	msg = strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
	msg = strings.TrimPrefix(msg, "Invalid Input Error: ")
	switch {
	case strings.Contains(msg, "Expected top-level JSON array"):
		return "not a JSON array of objects (" + msg + ")"
	case strings.Contains(msg, "Malformed JSON"):
		return "malformed JSON: " + msg
	}
	return msg
}
