package ingest

// committed tells the caller's Committed hook (ExportOptions.Committed,
// SlackOptions.Committed) that what has just been stored durably, or that a
// one-statement write reached a milestone. A nil hook does nothing. It is a
// test hook: the fault-injection harness (docs/faults.md) kills the process
// right after a chosen event, so that every kill lands mid-write.
func committed(hook func(what string), what string) {
	if hook != nil {
		hook(what)
	}
}
