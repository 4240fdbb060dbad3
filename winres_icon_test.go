package main

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The icon of opadiag.exe is drawn here, so that its source is code anyone can change: a blue
// rounded square crossed by a white heartbeat trace (the agent's heartbeat is the first thing
// opadiag checks). `go generate` (see resources.go) rewrites winres/icon*.png with
// -update-icon, then go-winres turns them into the .syso files.
var updateIcon = flag.Bool("update-icon", false, "rewrite winres/icon*.png from drawIcon")

// iconSizes are the sizes Explorer and the taskbar ask for; each is drawn, not scaled, so the
// small ones stay sharp.
var iconSizes = []int{256, 48, 32, 16}

// iconFile is where the icon of one size is kept.
func iconFile(size int) string {
	if size == 256 {
		return filepath.Join("winres", "icon.png")
	}
	return filepath.Join("winres", "icon"+strconv.Itoa(size)+".png")
}

// heartbeat is the trace, in a 256-unit square.
var heartbeat = [][2]float64{{36, 138}, {88, 138}, {108, 84}, {138, 190}, {164, 110}, {180, 138}, {220, 138}}

// drawIcon draws the icon at size×size pixels, with 4×4 samples a pixel for smooth edges.
func drawIcon(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scale := float64(size) / 256
	stroke := math.Max(18*scale, 1.6) / 2 / scale // half the line's width, in icon units
	const n = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var bg, line float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/n) / scale
					y := (float64(py) + (float64(sy)+0.5)/n) / scale
					if inRoundedSquare(x, y, 8, 248, 44) {
						bg++
						if nearTrace(x, y, stroke) {
							line++
						}
					}
				}
			}
			if bg == 0 {
				continue
			}
			// A vertical gradient, lighter at the top.
			t := float64(py) / float64(size)
			r, g, b := mix(0x2b, 0x17, t), mix(0x6c, 0x45, t), mix(0xc4, 0x86, t)
			f := line / bg
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(math.Round(r*(1-f) + 255*f)),
				G: uint8(math.Round(g*(1-f) + 255*f)),
				B: uint8(math.Round(b*(1-f) + 255*f)),
				A: uint8(math.Round(255 * bg / (n * n))),
			})
		}
	}
	return img
}

func mix(a, b int, t float64) float64 { return float64(a)*(1-t) + float64(b)*t }

// inRoundedSquare reports whether (x, y) is in the square from lo to hi with corners of radius r.
func inRoundedSquare(x, y, lo, hi, r float64) bool {
	if x < lo || x > hi || y < lo || y > hi {
		return false
	}
	cx := math.Min(math.Max(x, lo+r), hi-r)
	cy := math.Min(math.Max(y, lo+r), hi-r)
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

// nearTrace reports whether (x, y) is within d of the heartbeat trace.
func nearTrace(x, y, d float64) bool {
	for i := 1; i < len(heartbeat); i++ {
		ax, ay, bx, by := heartbeat[i-1][0], heartbeat[i-1][1], heartbeat[i][0], heartbeat[i][1]
		dx, dy := bx-ax, by-ay
		t := math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/(dx*dx+dy*dy)))
		ex, ey := ax+t*dx-x, ay+t*dy-y
		if ex*ex+ey*ey <= d*d {
			return true
		}
	}
	return false
}

func encodeIcon(size int) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, drawIcon(size)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TestIconFiles: the committed icon files are what drawIcon draws (run go generate after
// changing it).
func TestIconFiles(t *testing.T) {
	for _, size := range iconSizes {
		want, err := encodeIcon(size)
		if err != nil {
			t.Fatal(err)
		}
		name := iconFile(size)
		if *updateIcon {
			if err := os.WriteFile(name, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (run go generate)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what drawIcon draws: run go generate", name)
		}
		img, err := png.Decode(bytes.NewReader(got))
		if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
			t.Errorf("%s: %v, %v", name, err, img.Bounds())
		}
	}
}
