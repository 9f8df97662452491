//go:build !unix

package main

import "io"

// terminalWidth is unknown here: tables are not fitted.
func terminalWidth(w io.Writer) int { return 0 }
