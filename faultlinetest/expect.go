package faultlinetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/faultline-dst/faultline/scenario"
)

// Bug is what a known-bug scenario is expected to show: a reproducible
// failure blamed on the system under test, with this anomaly.
type Bug struct {
	// Anomaly is the expected failure: a whole signature
	// ("anomaly:linearizable:not-linearizable", "panic:...") or the
	// anomaly kind alone ("not-linearizable", "lost-write"), which
	// matches the signature's last part.
	Anomaly string
	// Seeds runs seeds 1..Seeds (default: the -faultline.seeds flag; the
	// -faultline.seed flag still picks one seed).
	Seeds int
	// MinFound is how many seeds must find the bug (default 1).
	MinFound int
}

// ExpectBug runs the named known-bug scenario of reg and passes when the
// bug is found: at least MinFound seeds end FAIL-reproducible, blamed on
// the SUT, with the expected anomaly. It fails t, with the command that
// replays each offending seed, when the bug is not found often enough,
// or when a seed fails in another way (another anomaly, another blame,
// not reproducible): that is another finding. A seed that passes, or is
// inconclusive or partial, only did not find the bug; it counts against
// MinFound. Options' Allow fields do not apply; its Run options do. It is how `go test` keeps a corpus of known bugs green:
// the test fails the day faultline stops finding one of them.
func ExpectBug(t testing.TB, reg *scenario.Registry, name string, want Bug, opts ...Options) []scenario.Result {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if want.Anomaly == "" {
		t.Fatalf("faultline: ExpectBug %s: Bug.Anomaly is required (e.g. %q)", name, "not-linearizable")
		return nil
	}
	s, err := reg.Scenario(name)
	if err != nil {
		t.Fatal(err)
		return nil
	}
	n := want.Seeds
	if n <= 0 {
		n = *seedsFlag
	}
	seeds := scenario.Seeds(1, n)
	if *seedFlag != 0 {
		seeds = []uint64{*seedFlag}
	}
	pkg := callerPackage()
	minFound := max(want.MinFound, 1)
	var out []scenario.Result
	found := 0
	counts := map[string]int{}
	for _, seed := range seeds {
		res, err := reg.Run(s, seed, o.Run)
		if err != nil {
			t.Fatalf("faultline: %s seed %d: %v", name, seed, err)
			return out
		}
		out = append(out, res)
		counts[string(res.Verdict)]++
		replay := fmt.Sprintf("\treplay: %s\n\tor: go test -run '%s' -args -faultline.seed=%d", replayCommand(pkg, name, seed), t.Name(), seed)
		switch {
		case res.Verdict == scenario.FailReproducible && res.Blame == scenario.BlameSUT && anomalyMatches(res.Anomaly, want.Anomaly):
			found++
			if testing.Verbose() {
				t.Logf("faultline: %s seed %d: found %s, as expected", name, seed, res.Anomaly)
			}
		case !res.Verdict.IsFail():
			// This seed did not trigger the bug (or could not judge it);
			// the count below says whether enough seeds did.
			if testing.Verbose() {
				t.Logf("faultline: %s seed %d: %s: %s", name, seed, res.Verdict, res.Reason)
			}
		default:
			t.Errorf("faultline: %s seed %d: %s (blame %s, anomaly %q), but the expected bug is %s blamed on the SUT: %s\n%s",
				name, seed, res.Verdict, blameText(res.Blame), res.Anomaly, want.Anomaly, res.Reason, replay)
		}
	}
	if found < minFound {
		var vs []string
		for v, c := range counts {
			vs = append(vs, fmt.Sprintf("%s %d", v, c))
		}
		sort.Strings(vs)
		first := seeds[0]
		t.Errorf("faultline: %s: the known bug (%s) was found on %d of %d seeds, want at least %d; verdicts: %s\n\treplay: %s\n\tor: go test -run '%s' -args -faultline.seed=%d",
			name, want.Anomaly, found, len(seeds), minFound, strings.Join(vs, ", "), replayCommand(pkg, name, first), t.Name(), first)
	}
	return out
}

// anomalyMatches reports whether signature sig is the expected anomaly:
// the whole signature, or its last ':'-separated part.
func anomalyMatches(sig, want string) bool {
	if sig == want {
		return true
	}
	return strings.HasSuffix(sig, ":"+want) && !strings.Contains(want, ":")
}
