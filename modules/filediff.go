package modules

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// diffText is what a diff shows for one side of a file. Text is kept in
// full (the Diff contract: the engine predicts later tasks' view of the
// file from it, and reporters decide how much to print). Binary content
// cannot be shown or diffed as text, so it becomes a one-line summary
// with its size and checksum; the engine recognises the prefix.
func diffText(b []byte) string {
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return fmt.Sprintf("%s%d bytes, sha1 %s)\n", binaryDiffPrefix, len(b), sha1Hex(b))
	}
	return string(b)
}

// binaryDiffPrefix starts the summary that stands for binary content.
const binaryDiffPrefix = "(binary content not shown: "

// fileDiff builds the content diff of one file. before is ignored when
// the file did not exist, after when it will be removed.
func fileDiff(p string, before []byte, beforeMissing bool, after []byte, afterMissing bool) Diff {
	d := Diff{Path: p, BeforeMissing: beforeMissing, AfterMissing: afterMissing}
	if !beforeMissing {
		d.Before = diffText(before)
	}
	if !afterMissing {
		d.After = diffText(after)
	}
	return d
}

// stateDiff builds an attribute diff (mode, owner, state...).
func stateDiff(p string, before, after map[string]any) Diff {
	return Diff{Path: p, BeforeState: before, AfterState: after}
}
