// Package sharding tests the examples beside it: the Kubernetes Indexed
// Job manifest (indexed-job.yaml) and the CI matrix (github-actions.yml).
// It is a module of its own so that the Kubernetes API types stay out of
// faultline's go.mod.
package sharding

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// faultline builds the faultline binary of the repository this module
// sits in, into dir, and returns its path.
func faultline(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "faultline")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/faultline")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building faultline: %v\n%s", err, out)
	}
	return bin
}

// readJob decodes the manifest strictly (an unknown or misspelt field is
// an error) as a batch/v1 Job.
func readJob(t *testing.T) batchv1.Job {
	t.Helper()
	data, err := os.ReadFile("indexed-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(data, &job); err != nil {
		t.Fatalf("indexed-job.yaml is not a batch/v1 Job: %v", err)
	}
	return job
}

// expand does Kubernetes' $(VAR) expansion of a container's command and
// args from its environment; $$ is a literal $.
func expand(s string, env map[string]string) string {
	return regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)`).ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func TestIndexedJobShardsMergeToTheUnsplitSweep(t *testing.T) {
	job := readJob(t)
	if job.APIVersion != "batch/v1" || job.Kind != "Job" {
		t.Fatalf("apiVersion %q kind %q, want batch/v1 Job", job.APIVersion, job.Kind)
	}
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("completionMode %v, want Indexed", spec.CompletionMode)
	}
	if spec.Completions == nil || *spec.Completions < 2 {
		t.Fatalf("completions %v, want 2 or more shards", spec.Completions)
	}
	if spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q: a podFailurePolicy needs Never", spec.Template.Spec.RestartPolicy)
	}
	if len(spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Template.Spec.Containers))
	}
	c := spec.Template.Spec.Containers[0]
	argv := append(append([]string(nil), c.Command...), c.Args...)
	if len(argv) < 2 || argv[0] != "faultline" || argv[1] != "sweep" {
		t.Fatalf("the container runs %q, want faultline sweep", argv)
	}
	n := int(*spec.Completions)
	if shard := flagValue(argv, "--shard"); shard != strconv.Itoa(n) {
		t.Fatalf("--shard %q, want %d: the index comes from JOB_COMPLETION_INDEX, the count must equal completions", shard, n)
	}
	if !contains(argv, "--resume") {
		t.Errorf("no --resume: a pod run again after a kill would refuse its own results file")
	}
	// The working directory is the shared volume: map it to a directory
	// here, as every pod sees the same one.
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.MountPath == c.WorkingDir
	}
	if !mounted {
		t.Fatalf("workingDir %q is not a mounted volume: the shards' results would be lost with their pods", c.WorkingDir)
	}
	tmp := t.TempDir()
	bin := faultline(t, tmp)
	volume := filepath.Join(tmp, "volume")
	if err := os.Mkdir(volume, 0o755); err != nil {
		t.Fatal(err)
	}
	var shards []string
	for i := range n {
		env := map[string]string{}
		for _, e := range c.Env {
			env[e.Name] = e.Value
		}
		env["JOB_COMPLETION_INDEX"] = strconv.Itoa(i) // as the Job controller sets it
		args := make([]string, len(argv))
		for j, a := range argv {
			args[j] = expand(a, env)
		}
		cmd := exec.Command(bin, args[1:]...)
		cmd.Dir = volume
		cmd.Env = append(os.Environ(), "JOB_COMPLETION_INDEX="+env["JOB_COMPLETION_INDEX"])
		out, err := cmd.CombinedOutput()
		if code := exitCode(t, err); code != 0 && code != 1 && code != 3 {
			t.Fatalf("shard %d: %q exits %d\n%s", i, args, code, out)
		}
		shards = append(shards, filepath.Join(volume, flagValue(args, "--results")))
	}
	if len(uniq(shards)) != n {
		t.Fatalf("shards wrote %q: each needs its own results file", shards)
	}
	// The unsplit sweep: the same command without --shard.
	whole := filepath.Join(tmp, "whole.jsonl")
	unsplit := withoutFlag(withFlag(argv[1:], "--results", whole), "--shard")
	out, err := exec.Command(bin, unsplit...).CombinedOutput()
	if code := exitCode(t, err); code == 2 {
		t.Fatalf("unsplit %q: exit 2\n%s", unsplit, out)
	}
	merged := filepath.Join(tmp, "merged.jsonl")
	out, err = exec.Command(bin, append(append([]string{"merge"}, shards...), "--out", merged)...).CombinedOutput()
	if code := exitCode(t, err); code == 2 {
		t.Fatalf("merge: exit 2\n%s", out)
	}
	sameResults(t, merged, whole)
}

func TestCIMatrixShardsMergeToTheUnsplitSweep(t *testing.T) {
	data, err := os.ReadFile("github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Shard []int `json:"shard"`
				} `json:"matrix"`
			} `json:"strategy"`
			Steps []struct {
				Name string `json:"name"`
				Run  string `json:"run"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("github-actions.yml: %v", err)
	}
	step := func(job, name string) string {
		for _, s := range wf.Jobs[job].Steps {
			if s.Name == name {
				return s.Run
			}
		}
		t.Fatalf("job %s has no step %q", job, name)
		return ""
	}
	sweepRun, mergeRun := step("sweep", "sweep one shard"), step("report", "merge the shards")
	matrix := wf.Jobs["sweep"].Strategy.Matrix.Shard
	if len(matrix) < 2 || !strings.Contains(sweepRun, fmt.Sprintf("/%d ", len(matrix))) {
		t.Fatalf("matrix %v and the sweep step %q disagree on the shard count", matrix, sweepRun)
	}
	tmp := t.TempDir()
	bin := faultline(t, tmp)
	work := filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH")
	shell := func(script string) {
		t.Helper()
		cmd := exec.Command("bash", "-e", "-c", script)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "PATH="+path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	for _, shard := range matrix {
		shell(strings.ReplaceAll(sweepRun, "${{ matrix.shard }}", strconv.Itoa(shard)))
	}
	shell(mergeRun)
	// The unsplit sweep: the shard's command without --shard.
	first := strings.ReplaceAll(sweepRun, "${{ matrix.shard }}", strconv.Itoa(matrix[0]))
	argv := strings.Fields(strings.TrimSpace(strings.Split(first, "||")[0]))
	unsplit := withoutFlag(withFlag(argv[1:], "--results", filepath.Join(tmp, "whole.jsonl")), "--shard")
	out, err := exec.Command(bin, unsplit...).CombinedOutput()
	if code := exitCode(t, err); code == 2 {
		t.Fatalf("unsplit %q: exit 2\n%s", unsplit, out)
	}
	sameResults(t, filepath.Join(work, "results.jsonl"), filepath.Join(tmp, "whole.jsonl"))
}

// sameResults compares two results files as sets of results, ignoring
// host_ns (host time, not a function of the run).
func sameResults(t *testing.T, a, b string) {
	t.Helper()
	la, lb := canonical(t, a), canonical(t, b)
	if len(la) == 0 {
		t.Fatalf("%s holds no results", a)
	}
	if strings.Join(la, "\n") != strings.Join(lb, "\n") {
		t.Fatalf("%s (%d results) differs from %s (%d results)", a, len(la), b, len(lb))
	}
}

func canonical(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		delete(m, "host_ns")
		b, _ := json.Marshal(m)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func withFlag(args []string, name, value string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if a == name && i+1 < len(out) {
			out[i+1] = value
		}
	}
	return out
}

func withoutFlag(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == name {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
