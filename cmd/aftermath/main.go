// Command aftermath turns Slack incident-channel history into incident
// timelines, reliability metrics and weekly reports. See README.md.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
