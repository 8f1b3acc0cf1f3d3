package kcp

// Compiled into a build-time copy of kcp-go's kcp.go and snmp.go (see ../build.sh), never against the
// installed package: it replaces the two things kcp.go takes from the rest of kcp-go (the segment
// buffer pool of sess.go, and the wall clock) and exports what the recorder needs.

import "sync"

// clockMs is the scripted time; the copied kcp.go reads it through its currentMs().
var clockMs uint32

// xmitBuf is kcp-go's segment buffer pool (sess.go), sized like kcp-go's mtuLimit.
var xmitBuf = sync.Pool{New: func() interface{} { return make([]byte, 1500) }}

// SetClock sets the millisecond clock that every following call observes.
func SetClock(ms uint32) { clockMs = ms }

// Flush runs kcp-go's flush, as UDPSession does after a Write and on its update timer.
func (kcp *KCP) Flush(ackOnly bool) uint32 { return kcp.flush(ackOnly) }

// SetStreamMode sets stream mode, as kcptun's UDPSession.SetStreamMode(true) does.
func (kcp *KCP) SetStreamMode(on bool) {
	if on {
		kcp.stream = 1
	} else {
		kcp.stream = 0
	}
}
