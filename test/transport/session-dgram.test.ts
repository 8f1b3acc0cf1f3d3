// The same scenarios with batched I/O turned off, so the dgram path stays tested where batching works.
// The switch is read when the transport loads, hence the dynamic import after setting it.
process.env.KCPTUN_NO_MMSG = '1';
const { describeSessionTests } = await import('./session-cases.js');

describeSessionTests('KCP sessions over loopback UDP, dgram I/O', 'dgram');
