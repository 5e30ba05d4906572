// Package role lets a Go program run as a faultline guest node (package
// guest) declare its role — "leader", "primary", any name — so that
// faults are aimed at the node holding it when they start rather than at
// a node drawn blind (see package nemesis, "Roles", and
// scenario.System.Roles). Declare it where the program learns it, and
// declare "" when it loses it; a crash clears it.
//
// Off wasip1 Set does nothing, so a service may call it unconditionally
// and still build and run natively.
package role
