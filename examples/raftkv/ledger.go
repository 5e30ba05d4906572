package raftkv

import (
	"encoding/json"
	"fmt"
)

// ledger is the ledger model (history.Ledger): accounts with integer
// balances that open at LedgerConfig.Opening and never go below
// LedgerConfig.Floor, and transfers applied exactly once per idempotency
// key.
//
//	transfer  key null; input {"from": a, "to": b, "amount": n, "idem": k}
//	          output {"applied": true} (applied now) or {"applied": false}
//	          (k was applied before: nothing changes)
//	balance   key a; input null; output {"balance": n}
//	balances  key null; input null; output {"balances": {"a": n, ...}}
//
// A transfer that would take its source below the floor fails (StatusFail)
// and does not consume its key: a retry may apply it later. The
// idempotency key is what makes a retried transfer, or one proposed twice
// because the network delivered its request twice, take effect once
// (BugLedgerNoIdempotency skips the check).
type ledger struct {
	noIdem   bool // BugLedgerNoIdempotency
	floor    int64
	balances map[string]int64
	applied  map[string]bool // idempotency keys applied
}

func newLedger(cfg LedgerConfig, noIdem bool) *ledger {
	l := &ledger{noIdem: noIdem, floor: cfg.Floor, balances: map[string]int64{}, applied: map[string]bool{}}
	for a, v := range cfg.Opening {
		l.balances[a] = v
	}
	return l
}

type ledgerTransfer struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
	Idem   string `json:"idem"`
}

func (l *ledger) readOnly(op string) bool { return op == "balance" || op == "balances" }

func (l *ledger) check(c *command) error {
	switch c.Op {
	case "balance":
		if c.Key == "" {
			return fmt.Errorf("ledger balance: key (the account) required")
		}
		return nil
	case "balances":
		return nil
	case "transfer":
		var in ledgerTransfer
		if err := decodeInput(c, &in); err != nil {
			return err
		}
		switch {
		case in.From == "" || in.To == "" || in.From == in.To:
			return fmt.Errorf("ledger transfer: needs two different accounts, got from %q to %q", in.From, in.To)
		case in.Amount <= 0:
			return fmt.Errorf("ledger transfer: amount %d must be positive", in.Amount)
		case in.Idem == "":
			return fmt.Errorf("ledger transfer: idempotency key \"idem\" required")
		}
		return nil
	}
	return unknownOp(c)
}

func (l *ledger) apply(_ uint64, c *command) result {
	if c.Op != "transfer" {
		return refuse("%v", unknownOp(c))
	}
	var in ledgerTransfer
	_ = decodeInput(c, &in) // checked
	if l.applied[in.Idem] && !l.noIdem {
		return okWith(mustJSON(map[string]bool{"applied": false}))
	}
	if l.balances[in.From]-in.Amount < l.floor {
		return refuse("ledger transfer %s: %s holds %d; moving %d would pass the floor %d", in.Idem, in.From, l.balances[in.From], in.Amount, l.floor)
	}
	l.balances[in.From] -= in.Amount
	l.balances[in.To] += in.Amount
	l.applied[in.Idem] = true
	return okWith(mustJSON(map[string]bool{"applied": true}))
}

func (l *ledger) read(c *command) result {
	if c.Op == "balance" {
		return okWith(mustJSON(map[string]int64{"balance": l.balances[c.Key]}))
	}
	return okWith(mustJSON(map[string]map[string]int64{"balances": l.balances}))
}

type ledgerState struct {
	Balances map[string]int64 `json:"balances"`
	Applied  []string         `json:"applied"`
}

func (l *ledger) snapshot() (json.RawMessage, error) {
	st := ledgerState{Balances: l.balances, Applied: sortedKeys(l.applied)}
	return json.Marshal(st)
}

func (l *ledger) restore(b json.RawMessage) error {
	var st ledgerState
	if err := json.Unmarshal(b, &st); err != nil {
		return err
	}
	l.balances = st.Balances
	if l.balances == nil {
		l.balances = map[string]int64{}
	}
	l.applied = make(map[string]bool, len(st.Applied))
	for _, k := range st.Applied {
		l.applied[k] = true
	}
	return nil
}
