package fl

import (
	"encoding/json"
	"testing"

	"github.com/faultline-dst/faultline/workloads"
)

// TestRepliesOnTheWire: each reply constructor's wire form, as the
// workload's client decodes it.
func TestRepliesOnTheWire(t *testing.T) {
	tests := []struct {
		name  string
		reply Reply
		want  workloads.Reply
	}{
		{"ok without output", OK(nil), workloads.Reply{ID: 7, Status: workloads.StatusOK}},
		{"ok with output", OK(map[string]int{"value": 3}), workloads.Reply{ID: 7, Status: workloads.StatusOK, Output: json.RawMessage(`{"value":3}`)}},
		{"ok with null", OK(json.RawMessage("null")), workloads.Reply{ID: 7, Status: workloads.StatusOK, Output: json.RawMessage(`null`)}},
		{"fail", Fail("no such key"), workloads.Reply{ID: 7, Status: workloads.StatusFail, Error: "no such key"}},
		{"unknown", Unknown("leadership lost"), workloads.Reply{ID: 7, Status: workloads.StatusUnknown, Error: "leadership lost"}},
		{"redirect", Redirect("n1"), workloads.Reply{ID: 7, Status: workloads.StatusRedirect, Error: "not the leader", Leader: "n1"}},
		{"redirect nowhere", Redirect(""), workloads.Reply{ID: 7, Status: workloads.StatusRedirect, Error: "not the leader"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := workloads.DecodeReply(workloads.EncodeReply(tt.reply.wire(7)))
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID || got.Status != tt.want.Status || string(got.Output) != string(tt.want.Output) ||
				got.Error != tt.want.Error || got.Leader != tt.want.Leader {
				t.Errorf("got %+v (output %s), want %+v (output %s)", got, got.Output, tt.want, tt.want.Output)
			}
			if tt.reply.later {
				t.Error("an answer is marked Later")
			}
		})
	}
	if !Later().later {
		t.Error("Later is not marked later")
	}
}

// TestOKPanicsOnOutputThatIsNotJSON: a reply that cannot be sent is a
// bug in the node's code, said at once.
func TestOKPanicsOnOutputThatIsNotJSON(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("OK(a channel) did not panic")
		}
	}()
	OK(make(chan int))
}
