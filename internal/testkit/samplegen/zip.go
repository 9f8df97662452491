package samplegen

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// writeZip packs the export folder as Slack ships it: the files at the
// archive's root, in sorted order, with a fixed modification time so the
// archive is byte-identical between runs. Files are compressed in parallel
// and written in order.
func writeZip(ctx context.Context, exportDir, zipPath string, modified time.Time) (int64, error) {
	var paths []string
	err := filepath.WalkDir(exportDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	slices.Sort(paths)

	workers := max(runtime.GOMAXPROCS(0), 1)
	results := make([]chan zipEntry, len(paths))
	for i := range results {
		results[i] = make(chan zipEntry, 1)
	}
	sem := make(chan struct{}, workers*2) // bounds the files held in memory
	go func() {
		for i, p := range paths {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for _, ch := range results[i:] {
					ch <- zipEntry{err: ctx.Err()}
				}
				return
			}
			go func() {
				results[i] <- compressFile(exportDir, p, modified)
			}()
		}
	}()

	f, err := os.Create(zipPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for i := range paths {
		res := <-results[i]
		<-sem
		if res.err != nil {
			// Drain the rest so no goroutine is left blocked.
			for _, ch := range results[i+1:] {
				<-ch
				<-sem
			}
			return 0, res.err
		}
		w, err := zw.CreateRaw(res.hdr)
		if err == nil {
			_, err = w.Write(res.data)
		}
		if err != nil {
			return 0, err
		}
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	st, err := os.Stat(zipPath)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// zipEntry is one compressed file, ready for zip.Writer.CreateRaw.
type zipEntry struct {
	hdr  *zip.FileHeader
	data []byte
	err  error
}

func compressFile(root, path string, modified time.Time) (res zipEntry) {
	raw, err := os.ReadFile(path)
	if err != nil {
		res.err = err
		return res
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		res.err = err
		return res
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	fw.Write(raw)
	fw.Close()
	res.hdr = &zip.FileHeader{
		Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: modified,
		CRC32: crc32.ChecksumIEEE(raw), CompressedSize64: uint64(buf.Len()), UncompressedSize64: uint64(len(raw)),
	}
	res.hdr.SetMode(0o644)
	res.data = buf.Bytes()
	return res
}
