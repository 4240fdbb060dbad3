//go:build race

package diagnose

// raceEnabled is true when the tests run under the race detector: the attack fixtures then write
// each case in one log format instead of seven, as with -short (the race detector checks the
// concurrent scan, which does not depend on the format; the seven formats run without it).
const raceEnabled = true
