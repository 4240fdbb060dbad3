// Package report renders what a person reads of a bundle: summary.txt, for a support engineer
// who opens the zip without tools, and report.html, one self-contained page with the headline,
// the findings and their evidence, a timeline of what happened over the collected window, the
// collectors, the files, the redactions and what was left out. Both are built only from what
// the bundle already holds (its redacted manifest and files): they add nothing unredacted.
package report
