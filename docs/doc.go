// Package docs holds Hearth's manual, one Markdown page per subject, which
// README.md links into. It has no code: its test checks that every relative
// link of the README and the manual resolves, anchors included.
package docs
