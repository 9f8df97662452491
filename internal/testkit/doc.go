// Package testkit groups aftermath's test kit: tools that imitate the
// outside world so the product can be tested, demonstrated and benchmarked
// without a real Slack workspace. They are not the product.
//
//   - samplegen writes a deterministic sample workspace of any size (a
//     Slack export, its ground truth, and git repositories holding the
//     fixes), rendering each incident bot the way its source says it posts.
//   - slackfake serves an export as Slack's Web API over HTTP, with
//     pagination, rate limits and faults, for tests and `make demo`.
//
// Both are our imitation of Slack: a test that passes on them proves
// agreement with ourselves. Accuracy that counts is measured on real text
// (see docs/metrics.md).
package testkit
