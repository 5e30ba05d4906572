package history_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/faultline-dst/faultline/history"
)

// Reading is strict and names the line; a field left out of a line is
// recorded, and a checker that needs it is told the history is too weak.
func ExampleReadJSONL() {
	src := `{"op_id":1,"process":0,"model":"kv","op_type":"write","key":"x","input":{"value":1},"output":null,"error":null,"type":"ok","invoke_ts":0,"complete_ts":10,"timeout_marker":false,"fault_epoch":null}
{"op_id":2,"process":1,"model":"kv","op_type":"read","key":"x","input":null,"output":{"value":1},"error":null,"type":"okk","invoke_ts":20,"complete_ts":30,"timeout_marker":false,"node_seen":"n1","fault_epoch":null}
`
	_, err := history.ReadJSONL(strings.NewReader(src), "history.jsonl")
	fmt.Println(err)

	h, err := history.ReadJSONL(strings.NewReader(strings.Replace(src, `"okk"`, `"ok"`, 1)), "history.jsonl")
	if err != nil {
		panic(err)
	}
	fmt.Println(history.Validate(h, history.Fields(history.FieldKey, history.FieldNodeSeen)))
	h.Ops[0].NodeSeen, h.Ops[0].Absent = "n2", 0
	if err := history.WriteJSONL(os.Stdout, history.History{Ops: h.Ops[:1]}); err != nil {
		panic(err)
	}
	// Output:
	// history.jsonl:2: field "type": "okk" is not one of ok, fail, info
	// history too weak: node_seen absent on 1 records (first: op 1)
	// {"op_id":1,"process":0,"model":"kv","op_type":"write","key":"x","input":{"value":1},"output":null,"error":null,"type":"ok","invoke_ts":0,"complete_ts":10,"timeout_marker":false,"node_seen":"n2","fault_epoch":null}
}
