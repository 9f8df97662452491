package ingest

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// safeEntryName returns the cleaned, slash-separated name of a ZIP entry, or
// an error for names that would escape the extraction folder.
func safeEntryName(name string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("empty entry name")
	case strings.Contains(name, `\`):
		return "", errors.New("backslash in entry name")
	case strings.HasPrefix(name, "/"):
		return "", errors.New("absolute path")
	case len(name) >= 2 && name[1] == ':':
		return "", errors.New("drive-letter path")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", errors.New("control character in name (NUL or similar)")
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errors.New("path escapes the export with ..")
		}
		if len(part) > 255 {
			return "", errors.New("a path element longer than 255 bytes")
		}
	}
	return path.Clean(name), nil
}

// Bounds limit what one input may cost (config section ingest). An input
// past a bound is skipped and named; the rest of the run goes on.
type Bounds struct {
	EntryBytes   int64 // one export file, expanded
	TotalBytes   int64 // a whole ZIP export, expanded
	Ratio        int64 // expanded ÷ compressed, for entries over ratioFloor
	MessageBytes int   // one message object
	Depth        int   // JSON nesting of one message
}

// DefaultBounds are the built-in configuration's bounds.
func DefaultBounds() Bounds {
	return Bounds{EntryBytes: 1 << 30, TotalBytes: 256 << 30, Ratio: 200, MessageBytes: 1 << 20, Depth: 64}
}

func (b Bounds) orDefault() Bounds {
	d := DefaultBounds()
	if b.EntryBytes <= 0 {
		b.EntryBytes = d.EntryBytes
	}
	if b.TotalBytes <= 0 {
		b.TotalBytes = d.TotalBytes
	}
	if b.Ratio <= 0 {
		b.Ratio = d.Ratio
	}
	if b.MessageBytes <= 0 {
		b.MessageBytes = d.MessageBytes
	}
	if b.Depth <= 0 {
		b.Depth = d.Depth
	}
	return b
}

// ratioFloor: smaller entries are never refused for their ratio (a tiny
// file of blanks compresses well and costs nothing).
const ratioFloor = 1 << 20

func (b Bounds) entryReason() string {
	return fmt.Sprintf("ZIP entry expands to more than ingest.max_entry_mb (%d MiB): not extracted", b.EntryBytes>>20)
}

func (b Bounds) totalReason() string {
	return fmt.Sprintf("the export expands to more than ingest.max_total_mb (%d MiB) in all: entry not extracted", b.TotalBytes>>20)
}

// checkEntry says why an entry of these declared sizes must not be
// extracted, or "". total is what the export's earlier entries declared.
func (b Bounds) checkEntry(usize, csize uint64, total int64) string {
	switch {
	case usize > uint64(b.EntryBytes):
		return b.entryReason()
	case usize > ratioFloor && (csize == 0 || usize/csize > uint64(b.Ratio)):
		ratio := "infinitely many"
		if csize > 0 {
			ratio = fmt.Sprint(usize / csize)
		}
		return fmt.Sprintf("ZIP entry expands %s times its compressed size, more than ingest.max_ratio (%d): not extracted (a ZIP bomb?)", ratio, b.Ratio)
	case total+int64(usize) > b.TotalBytes:
		return b.totalReason()
	}
	return ""
}

// errTooBig reports an entry that expanded past a bound while it was read.
type errTooBig struct{ reason string }

func (e *errTooBig) Error() string { return e.reason }

// copyBounded copies at most limit bytes from r to w, and fails with
// errTooBig (reason) when r holds more.
func copyBounded(w io.Writer, r io.Reader, limit int64, reason string) (int64, error) {
	n, err := io.Copy(w, io.LimitReader(r, limit+1))
	if err != nil {
		return n, err
	}
	if n > limit {
		return n, &errTooBig{reason}
	}
	return n, nil
}

// zipSource serves an export packed in a ZIP file, extracting the files a
// batch needs into a temporary folder and removing them after.
type zipSource struct {
	zipPath string
	r       *zip.ReadCloser
	entries map[string]*zip.File
	files   []string
	tmp     string
	bounds  Bounds
}

func (z *zipSource) Files() []string { return z.files }

func (z *zipSource) Local(rel []string) (map[string]string, []Skip, func(), error) {
	local := make(map[string]string, len(rel))
	var skips []Skip
	var created []string
	release := func() {
		for _, p := range created {
			os.Remove(p)
		}
	}
	for _, name := range rel {
		dst := filepath.Join(z.tmp, filepath.FromSlash(name))
		if err := extractZipFile(z.entries[name], dst, z.bounds); err != nil {
			os.Remove(dst)
			if big := (*errTooBig)(nil); errors.As(err, &big) {
				skips = append(skips, Skip{Kind: "entry", Item: name, Reason: big.reason})
				continue
			}
			if ae := (*errArchive)(nil); errors.As(err, &ae) {
				skips = append(skips, Skip{Kind: "entry", Item: name, Reason: "damaged ZIP entry: " + ae.err.Error()})
				continue
			}
			if pe := (*os.PathError)(nil); errors.As(err, &pe) {
				// The disk, not the archive: stop rather than skip.
				release()
				return nil, nil, nil, fmt.Errorf("extract %s: %w", name, err)
			}
			skips = append(skips, Skip{Kind: "entry", Item: name, Reason: "damaged ZIP entry: " + err.Error()})
			continue
		}
		created = append(created, dst)
		local[name] = dst
	}
	return local, skips, release, nil
}

// errArchive is a failure to read an entry from the archive, as opposed to
// writing it out: the entry is damaged, the disk is not full. (Reading at a
// bad offset is an *os.PathError too: "readat export.zip: negative offset".)
type errArchive struct{ err error }

func (e *errArchive) Error() string { return e.err.Error() }
func (e *errArchive) Unwrap() error { return e.err }

// archiveReader marks its read errors as the archive's.
type archiveReader struct{ r io.Reader }

func (a archiveReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		err = &errArchive{err}
	}
	return n, err
}

func extractZipFile(f *zip.File, dst string, b Bounds) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	zr, err := f.Open()
	if err != nil {
		return &errArchive{err}
	}
	defer zr.Close()
	rc := archiveReader{zr}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := copyBounded(out, rc, b.EntryBytes, b.entryReason()); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (z *zipSource) Close() error {
	err := z.r.Close()
	return errors.Join(err, os.RemoveAll(z.tmp))
}

// openZip opens an export ZIP. Unsafe entry names are returned as skips. A
// ZIP whose central directory is missing or damaged (a truncated download)
// is recovered by scanning its entries in order (see recoverZip).
func openZip(zipPath, base string, b Bounds) (exportSource, []Skip, error) {
	tmp, err := makeExtractDir(base)
	if err != nil {
		return nil, nil, err
	}
	r, err := zip.OpenReader(zipPath)
	if err == nil && len(r.File) > 0 {
		// A directory that places every entry wrongly (its end record
		// points past it) still opens, but no entry reads. When neither
		// the first nor the last entry's header is where it says, walk
		// the entries instead; one damaged entry is skipped on its own.
		_, first := r.File[0].DataOffset()
		_, last := r.File[len(r.File)-1].DataOffset()
		if first != nil && last != nil {
			r.Close()
			err = fmt.Errorf("%w: the central directory places its entries wrongly: %v", zip.ErrFormat, first)
		}
	}
	if err != nil {
		if !errors.Is(err, zip.ErrFormat) && !errors.Is(err, io.ErrUnexpectedEOF) {
			os.RemoveAll(tmp)
			return nil, nil, fmt.Errorf("open %s: %w", zipPath, err)
		}
		src, skips, rerr := recoverZip(zipPath, tmp, b)
		if rerr != nil {
			os.RemoveAll(tmp)
			return nil, nil, rerr
		}
		return src, skips, nil
	}
	z := &zipSource{zipPath: zipPath, r: r, entries: map[string]*zip.File{}, tmp: tmp, bounds: b}
	var skips []Skip
	var total int64
	for _, f := range r.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name, err := safeEntryName(f.Name)
		if err != nil {
			skips = append(skips, Skip{Kind: "entry", Item: f.Name, Reason: "unsafe ZIP entry name, not extracted: " + err.Error()})
			continue
		}
		if !f.Mode().IsRegular() {
			skips = append(skips, Skip{Kind: "entry", Item: f.Name, Reason: "not a regular file (symlink or device), not extracted"})
			continue
		}
		if _, dup := z.entries[name]; dup {
			skips = append(skips, Skip{Kind: "entry", Item: f.Name, Reason: "duplicate entry, the first one is used"})
			continue
		}
		// The central directory's sizes are checked before anything is
		// written; extraction enforces them again (archive/zip fails an
		// entry that expands past its declared size).
		if reason := b.checkEntry(f.UncompressedSize64, f.CompressedSize64, total); reason != "" {
			skips = append(skips, Skip{Kind: "entry", Item: name, Reason: reason})
			continue
		}
		total += int64(f.UncompressedSize64)
		z.entries[name] = f
		z.files = append(z.files, name)
	}
	return z, skips, nil
}

const (
	sigLocalHeader   = 0x04034b50
	sigDataDesc      = 0x08074b50
	sigCentralHeader = 0x02014b50
	sigEndOfCentral  = 0x06054b50
)

// errNotZip means the file does not start like a ZIP archive.
var errNotZip = errors.New("not a ZIP archive")

// recoverZip extracts every complete entry of a ZIP whose central directory
// cannot be read, by walking the local file headers from the start. Each
// entry is streamed to its file under the bounds, never held in memory. The
// first incomplete entry ends the walk, and so does an entry past a bound
// (its compressed end cannot be found without expanding it); everything
// before it is kept.
func recoverZip(zipPath, tmp string, b Bounds) (exportSource, []Skip, error) {
	f, err := os.Open(zipPath)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", zipPath, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var skips []Skip
	var files []string
	var total int64
	seen := map[string]bool{}
	stop := func(reason string) {
		skips = append(skips, Skip{Kind: "export", Item: filepath.Base(zipPath),
			Reason: fmt.Sprintf("truncated or damaged ZIP (no readable central directory): %s; recovered %d complete entries before it", reason, len(files))})
	}
	for i := 0; ; i++ {
		var hdr [30]byte
		if _, err := io.ReadFull(br, hdr[:4]); err != nil {
			if i == 0 {
				return nil, nil, errNotZip
			}
			stop("the archive ends without a central directory")
			break
		}
		sig := binary.LittleEndian.Uint32(hdr[:4])
		if sig == sigCentralHeader || sig == sigEndOfCentral {
			stop("the central directory is damaged")
			break
		}
		if sig != sigLocalHeader {
			if i == 0 {
				return nil, nil, errNotZip
			}
			stop(fmt.Sprintf("unexpected data after entry %d", i))
			break
		}
		if _, err := io.ReadFull(br, hdr[4:]); err != nil {
			stop(fmt.Sprintf("entry %d header is cut off", i+1))
			break
		}
		flags := binary.LittleEndian.Uint16(hdr[6:])
		method := binary.LittleEndian.Uint16(hdr[8:])
		crc := binary.LittleEndian.Uint32(hdr[14:])
		csize := uint64(binary.LittleEndian.Uint32(hdr[18:]))
		nameLen := int(binary.LittleEndian.Uint16(hdr[26:]))
		extraLen := int(binary.LittleEndian.Uint16(hdr[28:]))
		nameExtra := make([]byte, nameLen+extraLen)
		if _, err := io.ReadFull(br, nameExtra); err != nil {
			stop(fmt.Sprintf("entry %d header is cut off", i+1))
			break
		}
		rawName := string(nameExtra[:nameLen])
		if csize == 0xFFFFFFFF {
			csize = zip64Size(nameExtra[nameLen:])
		}
		hasDesc := flags&0x8 != 0
		var body io.Reader
		switch {
		case method == zip.Deflate:
			if hasDesc {
				body = flate.NewReader(br)
			} else {
				body = flate.NewReader(io.LimitReader(br, int64(csize)))
			}
		case method == zip.Store && !hasDesc:
			body = io.LimitReader(br, int64(csize))
		default:
			stop(fmt.Sprintf("entry %q uses a layout that cannot be scanned (method %d)", rawName, method))
			return finishRecovered(tmp, files, skips)
		}
		isDir := strings.HasSuffix(rawName, "/")
		name, nameErr := safeEntryName(rawName)
		// Where the entry's bytes go: its file, or nowhere for directories,
		// unsafe names and duplicates (their bytes must still be read to
		// find the next entry).
		var dst string
		var out io.Writer = io.Discard
		var file *os.File
		if !isDir && nameErr == nil && !seen[name] {
			dst = filepath.Join(tmp, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
				return nil, nil, fmt.Errorf("extract %s: %w", name, err)
			}
			if file, err = os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err != nil {
				return nil, nil, fmt.Errorf("extract %s: %w", name, err)
			}
			out = file
		}
		sum := crc32.NewIEEE()
		limit, reason := b.EntryBytes, b.entryReason()
		if left := b.TotalBytes - total; left < limit {
			limit, reason = left, b.totalReason()
		}
		n, err := copyBounded(io.MultiWriter(out, sum), body, limit, reason)
		if file != nil {
			if cerr := file.Close(); err == nil && cerr != nil {
				return nil, nil, fmt.Errorf("extract %s: %w", name, cerr)
			}
		}
		if pe := (*os.PathError)(nil); errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("extract %s: %w", name, err)
		}
		if big := (*errTooBig)(nil); errors.As(err, &big) {
			if dst != "" {
				os.Remove(dst)
			}
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: big.reason})
			stop(fmt.Sprintf("entry %q is past a bound, so the entries after it cannot be found", rawName))
			break
		}
		if err == nil && method == zip.Store && uint64(n) != csize {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			if dst != "" {
				os.Remove(dst)
			}
			stop(fmt.Sprintf("entry %q is cut off", rawName))
			break
		}
		total += n
		if hasDesc {
			var d [16]byte
			if _, err := io.ReadFull(br, d[:4]); err != nil {
				os.Remove(dst)
				stop(fmt.Sprintf("entry %q is cut off", rawName))
				break
			}
			rest := 8
			if binary.LittleEndian.Uint32(d[:4]) == sigDataDesc {
				if _, err := io.ReadFull(br, d[4:8]); err != nil {
					os.Remove(dst)
					stop(fmt.Sprintf("entry %q is cut off", rawName))
					break
				}
				crc = binary.LittleEndian.Uint32(d[4:8])
			} else {
				crc = binary.LittleEndian.Uint32(d[:4])
			}
			if _, err := io.ReadFull(br, d[8:8+rest]); err != nil {
				os.Remove(dst)
				stop(fmt.Sprintf("entry %q is cut off", rawName))
				break
			}
		}
		switch {
		case isDir:
			continue
		case nameErr != nil:
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: "unsafe ZIP entry name, not extracted: " + nameErr.Error()})
			continue
		case seen[name]:
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: "duplicate entry, the first one is used"})
			continue
		case sum.Sum32() != crc:
			os.Remove(dst)
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: "damaged ZIP entry: checksum mismatch"})
			continue
		}
		seen[name] = true
		files = append(files, name)
	}
	return finishRecovered(tmp, files, skips)
}

// extractPrefix names extraction folders: <base>.extract-<random>, next to
// the database, so they are recognisable and removed by the next run.
const extractPrefix = ".extract-"

// makeExtractDir makes a new extraction folder for base.
func makeExtractDir(base string) (string, error) {
	dir, err := os.MkdirTemp(filepath.Dir(base), filepath.Base(base)+extractPrefix)
	if err != nil {
		return "", fmt.Errorf("make extraction folder next to %s: %w", base, err)
	}
	return dir, nil
}

// removeStaleExtracts removes the extraction folders that runs killed before
// they could clean up left next to base. The caller holds the database's
// write lock, so no live run owns one.
func removeStaleExtracts(base string) ([]string, error) {
	stale, err := filepath.Glob(base + extractPrefix + "*")
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, d := range stale {
		errs = append(errs, os.RemoveAll(d))
	}
	return stale, errors.Join(errs...)
}

func finishRecovered(tmp string, files []string, skips []Skip) (exportSource, []Skip, error) {
	return &dirSource{root: tmp, files: files, cleanup: tmp}, skips, nil
}

// zip64Size reads the compressed size from a ZIP64 extra field.
func zip64Size(extra []byte) uint64 {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		if len(extra) < 4+size {
			break
		}
		if id == 0x0001 && size >= 16 {
			return binary.LittleEndian.Uint64(extra[4+8:])
		}
		extra = extra[4+size:]
	}
	return 0
}
