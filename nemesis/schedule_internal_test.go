package nemesis

import (
	"slices"
	"testing"
)

func TestCompareIDs(t *testing.T) {
	ids := []string{"f10", "x", "f2", "f1", "g1", "f", "f02", "up3", "f2a", "up12"}
	slices.SortFunc(ids, compareIDs)
	want := []string{"f", "f1", "f02", "f2", "f10", "f2a", "g1", "up3", "up12", "x"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted: %v\nwant:   %v", ids, want)
	}
	for _, a := range want {
		for _, b := range want {
			if compareIDs(a, b) != -compareIDs(b, a) {
				t.Errorf("compareIDs(%q, %q) not antisymmetric", a, b)
			}
		}
	}
}
