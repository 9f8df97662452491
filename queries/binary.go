package queries

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

const (
	// Parquet row groups close at DuckDB's own row-group size or at this
	// many bytes, whichever comes first: the writer holds one row group.
	parquetRowGroupRows  = 122_880
	parquetRowGroupBytes = 64 << 20
	binaryBufferSize     = 256 << 10
)

// adapter prepares batches for a binary format: it gives columns the
// types that file format and its readers understand best, and convert
// applies the same change to each batch.
type adapter struct {
	schema  *arrow.Schema
	convert []func(arrow.Array) (arrow.Array, error) // nil for columns left alone
	changed bool
}

// newAdapter marks the top-level JSON columns with Arrow's canonical
// arrow.json extension type, so that Parquet files carry the JSON logical
// type (DuckDB reads them back as JSON) and Arrow readers see JSON, not
// just strings. With intervals it also turns INTERVAL columns into
// Parquet's INTERVAL, which pqarrow cannot write from Arrow's
// month_day_nano_interval.
func newAdapter(schema *arrow.Schema, cols []column, intervals bool) *adapter {
	fields := schema.Fields() // a copy
	a := &adapter{convert: make([]func(arrow.Array) (arrow.Array, error), len(fields)), schema: schema}
	for i, f := range fields {
		switch {
		case i < len(cols) && cols[i].json:
			ext, err := extensions.NewJSONType(f.Type)
			if err != nil {
				continue // a storage type arrow.json does not take: leave it a string
			}
			fields[i].Type = ext
			a.convert[i] = func(c arrow.Array) (arrow.Array, error) {
				return array.NewExtensionArrayWithStorage(ext, c), nil
			}
		case intervals && f.Type.ID() == arrow.INTERVAL_MONTH_DAY_NANO:
			fields[i].Type = parquetInterval
			a.convert[i] = toParquetInterval
		default:
			continue
		}
		a.changed = true
	}
	if a.changed {
		md := schema.Metadata()
		a.schema = arrow.NewSchema(fields, &md)
	}
	return a
}

// adapt returns rec with the adapted columns; the caller releases it.
func (a *adapter) adapt(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	if !a.changed {
		rec.Retain()
		return rec, nil
	}
	cols := make([]arrow.Array, 0, rec.NumCols())
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for i, c := range rec.Columns() {
		if a.convert[i] == nil {
			c.Retain()
			cols = append(cols, c)
			continue
		}
		conv, err := a.convert[i](c)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", a.schema.Field(i).Name, err)
		}
		cols = append(cols, conv)
	}
	return array.NewRecordBatch(a.schema, cols, rec.NumRows()), nil
}

// parquetIntervalType is Parquet's INTERVAL: 12 bytes holding months, days
// and milliseconds as little-endian unsigned 32-bit integers, as DuckDB's
// own Parquet writer stores INTERVAL. Sub-millisecond parts are dropped,
// and negative parts cannot be stored: like DuckDB, the writer refuses them.
type parquetIntervalType struct{ arrow.ExtensionBase }

var parquetInterval = &parquetIntervalType{arrow.ExtensionBase{Storage: &arrow.FixedSizeBinaryType{ByteWidth: 12}}}

func (*parquetIntervalType) ExtensionName() string { return "aftermath.parquet_interval" }
func (*parquetIntervalType) Serialize() string     { return "" }
func (t *parquetIntervalType) Deserialize(arrow.DataType, string) (arrow.ExtensionType, error) {
	return t, nil
}
func (t *parquetIntervalType) ExtensionEquals(o arrow.ExtensionType) bool {
	return o.ExtensionName() == t.ExtensionName()
}
func (*parquetIntervalType) ArrayType() reflect.Type { return reflect.TypeOf(parquetIntervalArray{}) }

type parquetIntervalArray struct{ array.ExtensionArrayBase }

// ParquetLogicalType implements pqarrow.ExtensionCustomParquetType.
func (*parquetIntervalType) ParquetLogicalType() schema.LogicalType {
	return schema.IntervalLogicalType{}
}

// errNegativeInterval is DuckDB's own answer to the same problem.
var errNegativeInterval = errors.New("Parquet files do not support negative intervals; convert the column, for example epoch(x) for seconds, or use --format arrow")

func toParquetInterval(c arrow.Array) (arrow.Array, error) {
	iv := c.(*array.MonthDayNanoInterval)
	b := array.NewFixedSizeBinaryBuilder(memory.DefaultAllocator, parquetInterval.Storage.(*arrow.FixedSizeBinaryType))
	defer b.Release()
	b.Reserve(iv.Len())
	var buf [12]byte
	for i := range iv.Len() {
		if iv.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := iv.Value(i)
		if v.Months < 0 || v.Days < 0 || v.Nanoseconds < 0 {
			return nil, errNegativeInterval
		}
		binary.LittleEndian.PutUint32(buf[0:], uint32(v.Months))
		binary.LittleEndian.PutUint32(buf[4:], uint32(v.Days))
		binary.LittleEndian.PutUint32(buf[8:], uint32(v.Nanoseconds/1e6))
		b.Append(buf[:])
	}
	storage := b.NewArray()
	defer storage.Release()
	return array.NewExtensionArrayWithStorage(parquetInterval, storage), nil
}

// parquetSink writes a Parquet file with pqarrow: snappy-compressed, the
// Arrow schema stored so that arrow-go readers get the same types back.
type parquetSink struct {
	bw *bufio.Writer
	fw *pqarrow.FileWriter
	ad *adapter
}

func newParquetSink(w io.Writer, schema *arrow.Schema, cols []column) (*parquetSink, error) {
	ad := newAdapter(schema, cols, true)
	// pqarrow closes its writer if it can: hand it a bufio.Writer, never w.
	bw := bufio.NewWriterSize(w, binaryBufferSize)
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(parquetRowGroupRows),
		parquet.WithCreatedBy("aftermath query"),
	)
	fw, err := pqarrow.NewFileWriter(ad.schema, bw, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		// UNION, and INTERVAL inside LIST or STRUCT, have no Parquet form.
		return nil, fmt.Errorf("%w; cast such columns, for example to VARCHAR", err)
	}
	return &parquetSink{bw: bw, fw: fw, ad: ad}, nil
}

func (s *parquetSink) writeBatch(rec arrow.RecordBatch) error {
	rec, err := s.ad.adapt(rec)
	if err != nil {
		return err
	}
	defer rec.Release()
	// WriteBuffered fills one row group across DuckDB's small batches (Write
	// would make a row group of each) and starts a new one at
	// parquetRowGroupRows; the byte cap keeps wide rows from piling up.
	if err := s.fw.WriteBuffered(rec); err != nil {
		return err
	}
	if s.fw.RowGroupTotalBytesWritten() >= parquetRowGroupBytes {
		return s.fw.NewBufferedRowGroupChecked()
	}
	return nil
}

func (s *parquetSink) close() (int64, error) {
	if err := s.fw.Close(); err != nil {
		return 0, err
	}
	return 0, s.bw.Flush()
}

// arrowSink writes an Arrow IPC file (the random-access format, also known
// as Feather v2), uncompressed so that every Arrow reader can open it.
type arrowSink struct {
	bw *bufio.Writer
	fw *ipc.FileWriter
	ad *adapter
}

func newArrowSink(w io.Writer, schema *arrow.Schema, cols []column) (*arrowSink, error) {
	ad := newAdapter(schema, cols, false)
	bw := bufio.NewWriterSize(w, binaryBufferSize)
	fw, err := ipc.NewFileWriter(bw, ipc.WithSchema(ad.schema))
	if err != nil {
		return nil, err
	}
	return &arrowSink{bw: bw, fw: fw, ad: ad}, nil
}

func (s *arrowSink) writeBatch(rec arrow.RecordBatch) error {
	rec, err := s.ad.adapt(rec)
	if err != nil {
		return err
	}
	defer rec.Release()
	return s.fw.Write(rec)
}

func (s *arrowSink) close() (int64, error) {
	if err := s.fw.Close(); err != nil {
		return 0, err
	}
	return 0, s.bw.Flush()
}

// binarySink writes one binary format, an Arrow batch at a time.
type binarySink interface {
	writeBatch(rec arrow.RecordBatch) error
	close() (int64, error)
}

// writeBinary streams rr into w as Parquet or an Arrow IPC file, holding
// one batch (DuckDB's 2,048 rows) at a time. cols are the prepared
// statement's columns, for what the Arrow schema does not say (JSON).
func writeBinary(rr array.RecordReader, cols []column, w io.Writer, opts Options) (Result, error) {
	schema := rr.Schema()
	res := Result{Columns: make([]string, schema.NumFields())}
	for i, f := range schema.Fields() {
		res.Columns[i] = f.Name
	}
	var (
		s   binarySink
		err error
	)
	if opts.Format == FormatParquet {
		s, err = newParquetSink(w, schema, cols)
	} else {
		s, err = newArrowSink(w, schema, cols)
	}
	if err != nil {
		return res, fmt.Errorf("query: %s output: %w", opts.Format, err)
	}
	for rr.Next() {
		rec := rr.RecordBatch()
		res.Rows += rec.NumRows()
		if err := s.writeBatch(rec); err != nil {
			return res, fmt.Errorf("query: write %s: %w", opts.Format, err)
		}
	}
	if err := rr.Err(); err != nil {
		return res, sqlError(err)
	}
	if _, err := s.close(); err != nil {
		return res, fmt.Errorf("query: write %s: %w", opts.Format, err)
	}
	return res, nil
}
