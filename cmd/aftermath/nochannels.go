package main

import (
	"fmt"

	"github.com/aftermath-dev/aftermath/ingest"
)

// noChannelsError is an ingest whose channel selection matched nothing. It
// finished (users are loaded) but stored no channel, which is never what
// was meant: exit 3, naming the settings that select.
type noChannelsError struct {
	total int
}

func (e noChannelsError) Error() string {
	return fmt.Sprintf("no channel selected: none of the workspace's %d channels matches channels.patterns, channels.shared or channels.include; "+
		"select channels by name with --channels REGEX, all of them with --all-channels, or change channels.patterns in the configuration", e.total)
}

// Is makes it a partial run (exit code 3).
func (e noChannelsError) Is(target error) bool { return target == ingest.ErrPartial }

// checkSelected turns a successful ingest that selected no channel into a
// noChannelsError.
func checkSelected(c ingest.Counts, err error) error {
	if err == nil && c.ChannelsSelected == 0 {
		return noChannelsError{total: c.ChannelsTotal}
	}
	return err
}
