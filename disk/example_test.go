package disk_test

import (
	"fmt"

	"github.com/faultline-dst/faultline/disk"
	"github.com/faultline-dst/faultline/rng"
)

// A new file needs Sync for its data and SyncDir of its parent for its
// name; what was not synced is gone after a crash.
func Example() {
	fs, err := disk.New(disk.Config{Crash: disk.LoseUnsynced}, rng.New(1, "node1").Split("disk"))
	if err != nil {
		panic(err)
	}
	f, _ := fs.Create("wal/0001.log")
	f.Write([]byte("rec1;"))
	f.Sync()
	fs.SyncDir("wal")
	f.Write([]byte("rec2;")) // never synced

	rep := fs.Crash()
	if err := fs.CheckInvariants(); err != nil {
		panic(err)
	}
	_, err = f.Write([]byte("x"))
	fmt.Println("old handle:", err)

	g, _ := fs.Open("wal/0001.log")
	b := make([]byte, 16)
	n, _ := g.ReadAt(b, 0)
	fmt.Printf("after crash: %q, lost %d write(s), %d bytes\n", b[:n], rep.WritesLost, rep.BytesLost)
	// Output:
	// old handle: write wal/0001.log: file already closed: invalidated by a crash
	// after crash: "rec1;", lost 1 write(s), 5 bytes
}
