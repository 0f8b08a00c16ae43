package renditions

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mediabank/assets"
	"mediabank/internal/testfiles"
)

// TestBomb checks that the PNG bomb is refused from its header: a clear
// error that says why, marked unusable so it is recorded and not tried
// again, nothing taken from the budget and next to nothing allocated.
func TestBomb(t *testing.T) {
	bomb := testfiles.PNGBomb()
	if len(bomb) != 74 {
		t.Fatalf("the bomb is %d bytes, want 74", len(bomb))
	}
	budget := NewBudget(DefaultDecodeBudget, 2)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := (&Maker{Budget: budget}).Make(context.Background(), Source{Name: "bomb.png", Kind: assets.KindPhoto, R: bytes.NewReader(bomb), Size: int64(len(bomb))})
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("the bomb was decoded")
	}
	for _, want := range []string{"bomb.png", "15800x15800", "needs 1952.1 MiB to decode", "over the decode budget of 256.0 MiB"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if !errors.Is(err, ErrUnusable) || !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v is not ErrUnusable and ErrTooLarge", err)
	}
	if got, want := budget.Usage(), (Usage{Refused: 1}); got != want {
		t.Errorf("budget usage %+v, want %+v", got, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", alloc)
	}
}

// encoded encodes img as PNG or JPEG.
func encoded(t testing.TB, img image.Image, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// progressive marks a baseline JPEG's frame as progressive (SOF0 → SOF2):
// enough for the header read, which is all the cost looks at.
func progressive(b []byte) []byte {
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	b[i+1] = 0xC2
	return b
}

// TestDecodeCost checks the bytes per pixel read from each header.
func TestDecodeCost(t *testing.T) {
	r := image.Rect(0, 0, 64, 48)
	ycc := encoded(t, image.NewYCbCr(r, image.YCbCrSubsampleRatio420), "jpeg")
	tests := []struct {
		name string
		data []byte
		want float64
	}{
		{"gray PNG", encoded(t, image.NewGray(r), "png"), 1},
		{"16-bit gray PNG", encoded(t, image.NewGray16(r), "png"), 2},
		{"RGBA PNG", encoded(t, image.NewNRGBA(r), "png"), 4},
		{"16-bit RGBA PNG", encoded(t, image.NewNRGBA64(r), "png"), 8},
		{"paletted PNG", encoded(t, image.NewPaletted(r, color.Palette{color.Black, color.White}), "png"), 1},
		{"the PNG bomb", testfiles.PNGBomb(), 8},
		{"gray JPEG", encoded(t, image.NewGray(r), "jpeg"), 1},
		{"YCbCr 4:2:0 JPEG", ycc, 1.5},
		{"progressive YCbCr 4:2:0 JPEG", progressive(ycc), 1.5 + 4*1.5},
	}
	for _, tt := range tests {
		list, err := candidates(bytes.NewReader(tt.data), int64(len(tt.data)))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := list[0].bpp; got != tt.want {
			t.Errorf("%s: %v bytes per pixel, want %v", tt.name, got, tt.want)
		}
	}
}

// TestBudgetBounds has many goroutines take and give back random parts of
// one budget: the bytes held at once, counted by the holders themselves
// and by the budget's high-water mark, never exceed it, nor the slots.
func TestBudgetBounds(t *testing.T) {
	const size, slots = 100, 3
	b := NewBudget(size, slots)
	var held, holders atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range 200 {
				n := 1 + rng.Int64N(size)
				release, err := b.Acquire(context.Background(), n)
				if err != nil {
					t.Error(err)
					return
				}
				if h := held.Add(n); h > size {
					t.Errorf("%d bytes held at once, budget %d", h, size)
				}
				if k := holders.Add(1); k > slots {
					t.Errorf("%d holders at once, %d slots", k, slots)
				}
				runtime.Gosched()
				holders.Add(-1)
				held.Add(-n)
				release()
			}
		})
	}
	wg.Wait()
	u := b.Usage()
	if u.Peak > size || u.Peak < size/2 || u.InUse != 0 || u.Granted != 8*200 {
		t.Errorf("usage %+v: want a peak within the budget of %d, nothing held, %d granted", u, size, 8*200)
	}
	if _, err := b.Acquire(context.Background(), size+1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("more than the budget: %v, want ErrTooLarge", err)
	}
}

// TestConcurrentDecodes makes the renditions of eight photos at once
// through a budget that holds about one and a half of their decodes: all
// are made, and the budget's high-water mark stays within it.
func TestConcurrentDecodes(t *testing.T) {
	img := image.NewYCbCr(image.Rect(0, 0, 1800, 1200), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 7)
	}
	photo := encoded(t, img, "jpeg")
	list, err := candidates(bytes.NewReader(photo), int64(len(photo)))
	if err != nil {
		t.Fatal(err)
	}
	cost := list[0].cost(PreviewEdge)
	b := NewBudget(cost*3/2, 8)
	m := &Maker{Budget: b}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := makeBytes(m, "photo.jpg", photo); err != nil {
				t.Errorf("photo %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if u := b.Usage(); u.Peak != cost || u.Granted != 8 || u.InUse != 0 {
		t.Errorf("usage %+v: want a peak of one decode (%d), 8 granted, nothing held", u, cost)
	}
}

// waitFor polls cond until it holds: it waits for something to happen, with
// a deadline only as a safety net.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCancelWaiting checks that a caller waiting for the budget stops
// waiting when its context ends, with the context's error, not one that
// would be recorded against the file.
func TestCancelWaiting(t *testing.T) {
	photo := encoded(t, image.NewGray(image.Rect(0, 0, 800, 600)), "jpeg")
	b := NewBudget(64<<20, 1)
	release, err := b.Acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := (&Maker{Budget: b}).Make(ctx, Source{Name: "wait.jpg", Kind: assets.KindPhoto, R: bytes.NewReader(photo), Size: int64(len(photo))})
		errc <- err
	}()
	waitFor(t, "the decode to wait for the budget", func() bool { return b.Usage().Waiting == 1 })
	cancel()
	err = <-errc
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnusable) {
		t.Errorf("err = %v, want context.Canceled and not ErrUnusable", err)
	}
	if u := b.Usage(); u.Granted != 1 || u.Waiting != 0 {
		t.Errorf("usage %+v: want only the holder's grant, nobody waiting", u)
	}
}

// cancellingReader cancels its context once more than after bytes have
// been read, and counts what is read after that.
type cancellingReader struct {
	r      io.ReaderAt
	after  int64
	cancel context.CancelFunc
	read   atomic.Int64
}

func (c *cancellingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	if c.read.Add(int64(n)) > c.after {
		c.cancel()
	}
	return n, err
}

// TestCancelStopsDecode checks that a decode whose caller went away stops
// at its next read instead of running to the end, and gives its bytes
// back to the budget; and that shrinking stops too.
func TestCancelStopsDecode(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1500, 1000))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
	}
	data := encoded(t, img, "png")
	b := NewBudget(DefaultDecodeBudget, 1)
	ctx, cancel := context.WithCancel(context.Background())
	r := &cancellingReader{r: bytes.NewReader(data), after: 256 << 10, cancel: cancel}
	_, err := (&Maker{Budget: b}).Make(ctx, Source{Name: "noise.png", Kind: assets.KindPhoto, R: r, Size: int64(len(data))})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The whole budget is free again once the decode has stopped.
	wait, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	release, err := b.Acquire(wait, b.Size())
	if err != nil {
		t.Fatalf("the budget was not given back: %v", err)
	}
	release()
	if got := r.read.Load(); got > int64(len(data))/2 {
		t.Errorf("read %d of %d bytes after cancelling at %d", got, len(data), r.after)
	}

	done, cancelled := context.WithCancel(context.Background())
	cancelled()
	if _, err := fit(done, image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420), ThumbnailEdge); !errors.Is(err, context.Canceled) {
		t.Errorf("fit with a cancelled context: %v, want context.Canceled", err)
	}
}
