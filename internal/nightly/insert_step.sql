-- Record one step of a nightly run (see record.go).
INSERT INTO run_steps (run_id, position, step, status, started_at, finished_at, duration_ms, counts, error)
VALUES (?, ?, ?, ?, ?, ?, ?, MAP(?::VARCHAR[], ?::BIGINT[]), ?)
