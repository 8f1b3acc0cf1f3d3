// The batched I/O with GSO and GRO switched off, so that path stays tested where the kernel has both.
// The switch is read when the transport loads, hence the dynamic import after setting it.
process.env.KCPTUN_NO_GSO = '1';
const { describeGsoTests } = await import('./udp-gso-cases.js');

describeGsoTests('plain');
