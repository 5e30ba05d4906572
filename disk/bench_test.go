package disk

import (
	"fmt"
	"testing"
)

// BenchmarkAppendSync is a raft WAL: append a record, sync, repeat.
func BenchmarkAppendSync(b *testing.B) {
	for _, size := range []int{128, 4096} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			b.ReportAllocs()
			fs := newFS(b, Config{}, 1)
			f, err := fs.Create("wal/0001.log")
			if err != nil {
				b.Fatal(err)
			}
			rec := make([]byte, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if f.ino.size()+int64(size) > 64<<20 { // stay a realistic WAL segment
					b.StopTimer()
					f.Truncate(0)
					f.Sync()
					b.StartTimer()
				}
				if _, err := f.Write(rec); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCrashCheck is a crash of a node holding 16 MiB in 64 files, plus
// the self-check after it.
func BenchmarkCrashCheck(b *testing.B) {
	b.ReportAllocs()
	fs := newFS(b, Config{Crash: Tear}, 1)
	chunk := make([]byte, 256<<10)
	for i := 0; i < 64; i++ {
		f, _ := fs.Create(fmt.Sprintf("d/%02d", i))
		f.Write(chunk)
		f.Sync()
		f.Write(chunk[:4096]) // some unsynced tail
		f.Close()
	}
	fs.SyncDir("d")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs.Crash()
		if err := fs.CheckInvariants(); err != nil {
			b.Fatal(err)
		}
	}
}
