// Nanosecond wall-clock time for log lines, as a container runtime stamps them. Anchored once to
// Date.now() and advanced by the monotonic hrtime, so stamps never go backwards even if the
// system clock is adjusted while the simulator runs.

const anchorWallNs = BigInt(Date.now()) * 1_000_000n;
const anchorHrNs = process.hrtime.bigint();
let lastNs = 0n;

/** Nanoseconds since the Unix epoch; monotonic (equal values are possible, never smaller). */
export function nowNs(): bigint {
  const ns = anchorWallNs + (process.hrtime.bigint() - anchorHrNs);
  if (ns > lastNs) lastNs = ns;
  return lastNs;
}

/** Fixed-width RFC3339Nano in UTC: 2024-01-01T00:00:00.123456789Z (always 9 fraction digits). */
export function formatRfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, "0");
  const seconds = new Date(ms).toISOString().slice(0, 19);
  return `${seconds}.${fraction}Z`;
}

/** RFC3339 at whole seconds, as Kubernetes writes metav1.Time fields (startedAt, finishedAt). */
export function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}
