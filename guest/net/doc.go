// Package net gives a Go program compiled with GOOS=wasip1 and run as a
// faultline guest node (package guest) its network: Listen and Dial
// return a standard net.Listener and net.Conn over the simulated
// network, served by Go's own netpoller (net.FileListener,
// net.FileConn).
//
// Go's own net.Listen and net.Dial on wasip1 use an in-process fake
// network that nothing outside the module can reach; a service takes its
// listener and dialer from this package at one injection point instead
// (as services often inject a transport for their own tests). Addresses
// are "node:port", node being a node's name in the world; Listen also
// accepts ":port".
//
// Off wasip1 Listen and Dial exist but fail, so that a service that
// imports the package still builds natively.
package net
