package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
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
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errors.New("path escapes the export with ..")
		}
	}
	return path.Clean(name), nil
}

// zipSource serves an export packed in a ZIP file, extracting the files a
// batch needs into a temporary folder and removing them after.
type zipSource struct {
	zipPath string
	r       *zip.ReadCloser
	entries map[string]*zip.File
	files   []string
	tmp     string
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
		if err := extractZipFile(z.entries[name], dst); err != nil {
			os.Remove(dst)
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

func extractZipFile(f *zip.File, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
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
func openZip(zipPath, tempDir string) (exportSource, []Skip, error) {
	tmp, err := os.MkdirTemp(tempDir, "aftermath-export-")
	if err != nil {
		return nil, nil, fmt.Errorf("make temporary folder: %w", err)
	}
	r, err := zip.OpenReader(zipPath)
	if err != nil {
		if !errors.Is(err, zip.ErrFormat) && !errors.Is(err, io.ErrUnexpectedEOF) {
			os.RemoveAll(tmp)
			return nil, nil, fmt.Errorf("open %s: %w", zipPath, err)
		}
		src, skips, rerr := recoverZip(zipPath, tmp)
		if rerr != nil {
			os.RemoveAll(tmp)
			return nil, nil, rerr
		}
		return src, skips, nil
	}
	z := &zipSource{zipPath: zipPath, r: r, entries: map[string]*zip.File{}, tmp: tmp}
	var skips []Skip
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
// cannot be read, by walking the local file headers from the start. The
// first incomplete entry ends the walk; everything before it is kept.
func recoverZip(zipPath, tmp string) (exportSource, []Skip, error) {
	f, err := os.Open(zipPath)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", zipPath, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var skips []Skip
	var files []string
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
		var buf bytes.Buffer
		n, err := io.Copy(&buf, body)
		if err == nil && method == zip.Store && uint64(n) != csize {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			stop(fmt.Sprintf("entry %q is cut off", rawName))
			break
		}
		if hasDesc {
			var d [16]byte
			if _, err := io.ReadFull(br, d[:4]); err != nil {
				stop(fmt.Sprintf("entry %q is cut off", rawName))
				break
			}
			rest := 8
			if binary.LittleEndian.Uint32(d[:4]) == sigDataDesc {
				if _, err := io.ReadFull(br, d[4:8]); err != nil {
					stop(fmt.Sprintf("entry %q is cut off", rawName))
					break
				}
				crc = binary.LittleEndian.Uint32(d[4:8])
			} else {
				crc = binary.LittleEndian.Uint32(d[:4])
			}
			if _, err := io.ReadFull(br, d[8:8+rest]); err != nil {
				stop(fmt.Sprintf("entry %q is cut off", rawName))
				break
			}
		}
		if strings.HasSuffix(rawName, "/") {
			continue
		}
		if crc32.ChecksumIEEE(buf.Bytes()) != crc {
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: "damaged ZIP entry: checksum mismatch"})
			continue
		}
		name, err := safeEntryName(rawName)
		if err != nil {
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: "unsafe ZIP entry name, not extracted: " + err.Error()})
			continue
		}
		if seen[name] {
			skips = append(skips, Skip{Kind: "entry", Item: rawName, Reason: "duplicate entry, the first one is used"})
			continue
		}
		dst := filepath.Join(tmp, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, nil, fmt.Errorf("extract %s: %w", name, err)
		}
		if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
			return nil, nil, fmt.Errorf("extract %s: %w", name, err)
		}
		seen[name] = true
		files = append(files, name)
	}
	return finishRecovered(tmp, files, skips)
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
