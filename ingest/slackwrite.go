package ingest

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aftermath-dev/aftermath/internal/redact"
	"github.com/aftermath-dev/aftermath/internal/warehouse"
)

// The writer is the one goroutine that uses the run's database connection
// while the Web API ingest runs. Fetchers (slackfetch.go) never touch the
// connection: they hand it work over one bounded channel, in order, and
// the writer does each piece alone — a transaction storing a batch, a skip
// to record, or a read a fetcher needs (which threads are stored, the
// channels' sync state). One owner means no lock around the database, and
// since the channel is first in, first out, a read a fetcher sends after
// its batch sees that batch stored.
//
// A batch of messages commits together with the sync state it justifies
// (slack_sync), so a watermark never runs ahead of the messages behind it:
// a kill between two transactions leaves a state the next run resumes from.
// After each commit the writer calls SlackOptions.Committed, if set.
//
// Memory stays bounded by back-pressure: the channel holds at most
// Workers pieces of work, and each channel fetcher keeps at most one batch
// in flight (batchSink), so at most 2×Workers batches of about
// BatchMessages messages are in memory at once: one in flight and one
// being filled per fetcher.

// slackWriter owns the run's connection (run.conn) until close returns.
type slackWriter struct {
	s    *slackRun
	ops  chan writeOp
	done chan struct{}
}

// writeOp is one piece of work for the writer. run gets the connection;
// committed, if set, names what a successful run made durable.
type writeOp struct {
	run       func(ctx context.Context, conn *sql.Conn) error
	committed string
	done      chan error // buffered: the writer never waits on a fetcher
}

// startWriter starts the writer on ctx, with room for queue pieces of
// work waiting.
func startWriter(ctx context.Context, s *slackRun, queue int) *slackWriter {
	w := &slackWriter{s: s, ops: make(chan writeOp, queue), done: make(chan struct{})}
	go w.loop(ctx)
	return w
}

// loop does the work in the order it was sent. It runs until close, even
// once ctx is done (the work then fails fast), so that a sender never
// blocks forever.
func (w *slackWriter) loop(ctx context.Context) {
	defer close(w.done)
	for op := range w.ops {
		err := op.run(ctx, w.s.conn)
		if err == nil && op.committed != "" && w.s.opts.Committed != nil {
			w.s.opts.Committed(op.committed)
		}
		if op.done != nil {
			op.done <- err
		}
	}
}

// close waits for the work already sent, then stops the writer. Every
// sender must have returned: the connection is the caller's again.
func (w *slackWriter) close() {
	close(w.ops)
	<-w.done
}

// send queues work and returns where its result will arrive. It blocks
// while the queue is full: that is the back-pressure on the fetchers.
func (w *slackWriter) send(committed string, run func(ctx context.Context, conn *sql.Conn) error) <-chan error {
	done := make(chan error, 1)
	w.ops <- writeOp{run: run, committed: committed, done: done}
	return done
}

// do sends work and waits for it.
func (w *slackWriter) do(committed string, run func(ctx context.Context, conn *sql.Conn) error) error {
	return <-w.send(committed, run)
}

// recordTeam stores who auth.test says the token belongs to.
func (w *slackWriter) recordTeam(t slackTeam) error {
	s := w.s
	err := w.do("slack team", func(ctx context.Context, conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, slackStep("record_team"), s.RunID, t.TeamID, t.Team, t.URL)
		return err
	})
	if err != nil {
		return fmt.Errorf("record run %d: %w", s.RunID, err)
	}
	return nil
}

// storeUsers stores one users.list page in a transaction of its own
// (users are replaced whole, so a kill between pages loses nothing) and
// returns how many users it read.
func (w *slackWriter) storeUsers(page int, raws []string) (int, error) {
	s := w.s
	ids, origins := make([]string, len(raws)), make([]string, len(raws))
	for i := range raws {
		origins[i] = "users.list"
	}
	n := 0
	err := w.do(fmt.Sprintf("slack users page %d", page), func(ctx context.Context, conn *sql.Conn) error {
		if err := stageRaw(ctx, conn, ids, raws, origins); err != nil {
			return err
		}
		var err error
		n, err = mergeUsers(ctx, conn, s.mergeArgs(), sourceRaw)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store users: %w", err)
	}
	s.mu.Lock()
	s.Counts.Users += n
	s.mu.Unlock()
	return n, nil
}

// storeChannels stages the listed channels, applies the selection and
// stores the selected ones, in one transaction.
func (w *slackWriter) storeChannels(raws []string) ([]*slackChannel, error) {
	s := w.s
	ids, origins := make([]string, len(raws)), make([]string, len(raws))
	for i := range raws {
		origins[i] = "conversations.list"
	}
	var selected []*slackChannel
	total := 0
	err := w.do("slack channels", func(ctx context.Context, conn *sql.Conn) error {
		return warehouse.InTx(ctx, conn, func(tx *sql.Tx) error {
			selected, total = nil, 0
			if err := stageRaw(ctx, tx, ids, raws, origins); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, step("stage_channels", sourceRaw)); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, slackStep("staged_channels"))
			if err != nil {
				return err
			}
			var keep []string
			for rows.Next() {
				c := &slackChannel{}
				if err := rows.Scan(&c.ID, &c.Name, &c.Private, &c.Archived, &c.Member); err != nil {
					rows.Close()
					return err
				}
				total++
				if s.opts.Selection.Selected(c.ID, c.Name) {
					keep = append(keep, c.ID)
					selected = append(selected, c)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, slackStep("keep_channels"), keep); err != nil {
				return err
			}
			return mergeChannels(ctx, tx, s.mergeArgs())
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store channels: %w", err)
	}
	s.mu.Lock()
	s.Counts.ChannelsTotal, s.Counts.ChannelsSelected = total, len(selected)
	s.mu.Unlock()
	return selected, nil
}

// storedSync is one channel's row of load_sync.
type storedSync struct {
	id    string
	state syncState
	seed  channelSeed
}

// loadSync reads the channels' sync state, and what channel_state says
// about messages stored by any source.
func (w *slackWriter) loadSync(ids []string) ([]storedSync, error) {
	var out []storedSync
	err := w.do("", func(ctx context.Context, conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, slackStep("load_sync"), ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r storedSync
			st := &r.state
			if err := rows.Scan(&r.id, &st.Exists, &st.From, &st.Through, &st.PassOldest, &st.PassLow, &st.PassHigh,
				&st.ArchivedComplete, &st.SeededFrom, &r.seed.Oldest, &r.seed.Newest, &r.seed.Source); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load sync state: %w", err)
	}
	return out, nil
}

// storedThreads returns the latest_reply stored for each of the channel's
// thread parents in tss that is stored.
func (w *slackWriter) storedThreads(channelID string, tss []string) (map[string]string, error) {
	out := map[string]string{}
	err := w.do("", func(ctx context.Context, conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, slackStep("stored_threads"), channelID, tss)
		if err != nil {
			return fmt.Errorf("read stored threads: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var ts, latest string
			if err := rows.Scan(&ts, &latest); err != nil {
				return err
			}
			out[ts] = latest
		}
		return rows.Err()
	})
	return out, err
}

// skip records an input the run could not use (run.skip: logged, kept in
// the result, inserted into ingest_skips). It does not wait: the skip is
// queued ahead of the batch that leaves the input out, so it is stored
// first.
func (w *slackWriter) skip(kind, item, reason string) {
	s := w.s
	reason = redact.Token(reason, s.opts.Token)
	w.send("", func(ctx context.Context, conn *sql.Conn) error {
		s.skip(ctx, kind, item, reason)
		return nil
	})
}

// skipQuiet records a skip as skip does, but without a log line of its
// own: the caller logs one line for many.
func (w *slackWriter) skipQuiet(kind, item, reason string) {
	s := w.s
	item, reason = redact.String(item), redact.Token(redact.String(reason), s.opts.Token)
	w.send("", func(ctx context.Context, conn *sql.Conn) error {
		s.Skips = append(s.Skips, Skip{Kind: kind, Item: item, Reason: reason})
		if _, err := conn.ExecContext(ctx, slackStep("record_skip"), s.RunID, kind, item, reason); err != nil {
			s.log.Error("could not record skip", "item", item, "err", s.clean(err))
		}
		return nil
	})
}

// batchSink hands one channel's batches to the writer, keeping one in
// flight: the fetcher fills the next batch while the writer stores this
// one, and learns of a failed store before it sends a batch whose sync
// state assumes it.
type batchSink struct {
	w        *slackWriter
	c        *slackChannel
	sent     int
	inFlight <-chan error
}

// send waits for the batch in flight, then queues b with the sync state st
// that storing it makes true. The sink owns b from here on.
func (k *batchSink) send(b *msgBatch, st syncState) error {
	if err := k.wait(); err != nil {
		return err
	}
	k.sent++
	what := fmt.Sprintf("slack %s history batch %d", k.c.ID, k.sent)
	s, c := k.w.s, k.c
	k.inFlight = k.w.send(what, func(ctx context.Context, conn *sql.Conn) error {
		return s.storeBatch(ctx, conn, c, b, st)
	})
	return nil
}

// wait returns the result of the batch in flight, if any.
func (k *batchSink) wait() error {
	if k.inFlight == nil {
		return nil
	}
	err := <-k.inFlight
	k.inFlight = nil
	return err
}

// storeBatch writes a batch and the channel's new sync state in one
// transaction. It runs on the writer.
func (s *slackRun) storeBatch(ctx context.Context, conn *sql.Conn, c *slackChannel, b *msgBatch, st syncState) error {
	var res mergeResult
	err := warehouse.InTx(ctx, conn, func(tx *sql.Tx) error {
		res = mergeResult{}
		if len(b.raws) > 0 {
			if err := stageRaw(ctx, tx, b.ids, b.raws, b.origins); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, step("stage_messages", sourceRaw)); err != nil {
				return fmt.Errorf("stage messages: %w", err)
			}
			var err error
			if res, err = mergeMessages(ctx, tx, s.mergeArgs()); err != nil {
				return err
			}
		}
		return s.saveSync(ctx, tx, c.ID, st)
	})
	if err != nil {
		return fmt.Errorf("store %s: %w", c.label(), err)
	}
	s.mu.Lock()
	s.Counts.MessagesRead += res.read
	s.Counts.MessagesNew += res.inserted
	s.Counts.MessagesUpdated += res.updated
	// Reply pages repeat their parent: duplicates are normal here.
	s.Counts.MessagesDuplicate += res.duplicate
	for _, p := range res.problems {
		s.Counts.MessagesSkipped += p.n
	}
	s.mu.Unlock()
	for _, p := range res.problems {
		s.skip(ctx, "message", c.label(), fmt.Sprintf("%d %s skipped: %s (%s)", p.n, plural(p.n, "message"), p.problem, p.origin))
	}
	s.log.Debug("stored batch", "channel_id", c.ID, "rows", len(b.raws), "new", res.inserted, "updated", res.updated,
		"through", st.Through, "pass_low", st.PassLow)
	return nil
}

func (s *slackRun) saveSync(ctx context.Context, tx *sql.Tx, channelID string, st syncState) error {
	if _, err := tx.ExecContext(ctx, slackStep("delete_sync"), channelID); err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	if _, err := tx.ExecContext(ctx, slackStep("insert_sync"), channelID, st.From, st.Through, st.PassOldest,
		st.PassLow, st.PassHigh, st.ArchivedComplete, st.SeededFrom, s.RunID, s.opts.Now()); err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	if _, err := tx.ExecContext(ctx, slackStep("mirror_channel_state"), channelID, st.From == "0" && st.PassOldest == "", st.ArchivedComplete); err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	return nil
}

func (s *slackRun) mergeArgs() mergeArgs {
	return mergeArgs{now: s.opts.Now(), runID: s.RunID, source: "api"}
}
