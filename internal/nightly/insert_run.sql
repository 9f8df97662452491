-- Record one nightly run (see record.go).
INSERT INTO runs (run_id, started_at, finished_at, status, exit_code, failed_step, error, host, pid, duration_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
