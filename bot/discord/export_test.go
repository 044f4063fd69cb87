package discord

import (
	"context"
	"time"
)

// SetGatewayTiming pins the gateway's random waits: the fraction of the
// heartbeat interval before the first heartbeat, and the wait after an op 9
// that cannot be resumed.
func SetGatewayTiming(o *Options, jitter float64, reidentify time.Duration) {
	o.jitter = func() float64 { return jitter }
	o.reidentifyWait = func() time.Duration { return reidentify }
}

// SetIdentifyInterval replaces the 5 s the gateway leaves between two
// IDENTIFYs.
func SetIdentifyInterval(o *Options, d time.Duration) { o.identifyInterval = d }

// SetBackoffs replaces the first wait of the gateway's reconnect backoff
// (1 s) and of a REST call's retries (100 ms); each doubles from there as
// in production.
func SetBackoffs(o *Options, reconnect, rest time.Duration) {
	o.reconnectBackoff, o.restBackoff = reconnect, rest
}

// SetGatewayClock makes the gateway read time from now and wait before a
// new connection with sleep, so a test sees the waits it asks for (the
// identify window, its doubling) without taking them.
func SetGatewayClock(o *Options, now func() time.Time, sleep func(context.Context, time.Duration) error) {
	o.gatewayNow, o.gatewaySleep = now, sleep
}
