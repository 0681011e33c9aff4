// Nanosecond wall-clock time for log lines, as a container runtime stamps them. Anchored once to
// Date.now() and advanced by the monotonic hrtime, so stamps never go backwards even if the
// system clock is adjusted while the simulator runs. A NodeClock adds what a real node's clock
// does to the stamps (a zone offset, stdout and stderr stamped apart, a clock step) on request.

const anchorWallNs = BigInt(Date.now()) * 1_000_000n;
const anchorHrNs = process.hrtime.bigint();
let lastNs = 0n;
const SECOND_NS = 1_000_000_000n;

/** Nanoseconds since the Unix epoch; monotonic (equal values are possible, never smaller). */
export function nowNs(): bigint {
  const ns = anchorWallNs + (process.hrtime.bigint() - anchorHrNs);
  if (ns > lastNs) lastNs = ns;
  return lastNs;
}

/**
 * Fixed-width RFC3339Nano (always 9 fraction digits), as the kubelet serves log timestamps: in
 * UTC `2024-01-01T00:00:00.123456789Z`, with an offset `2024-01-01T08:00:00.123456789+08:00`.
 */
export function formatRfc3339Nano(ns: bigint, utcOffsetMinutes = 0): string {
  const local = ns + BigInt(utcOffsetMinutes) * 60_000_000_000n; // the wall-clock digits in that zone
  const fractionNs = ((local % SECOND_NS) + SECOND_NS) % SECOND_NS;
  const seconds = new Date(Number((local - fractionNs) / 1_000_000n)).toISOString().slice(0, 19);
  return `${seconds}.${fractionNs.toString().padStart(9, "0")}${zoneSuffix(utcOffsetMinutes)}`;
}

function zoneSuffix(offsetMinutes: number): string {
  if (offsetMinutes === 0) return "Z";
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${offsetMinutes < 0 ? "-" : "+"}${hh}:${mm}`;
}

/** RFC3339 at whole seconds, as Kubernetes writes metav1.Time fields (startedAt, finishedAt). */
export function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + "Z";
}

/** How the simulated node's clock stamps container output. Every default is a tidy UTC clock. */
export interface NodeClockOptions {
  /** The node's zone as minutes east of UTC (480 writes `+08:00`); default 0 (`Z`). */
  utcOffsetMinutes?: number;
  /**
   * stdout and stderr are read and stamped by separate readers before their lines are written
   * to one log: stderr's stamps run this many microseconds behind stdout's, so a stderr line
   * written right after a stdout line can carry an earlier stamp. Default 0.
   */
  streamJitterMicros?: number;
  /** The node's clock steps by `byMs` (negative: back, as NTP may) `afterMs` after the kubelet starts. */
  clockStep?: { afterMs: number; byMs: number };
}

export class NodeClock {
  readonly utcOffsetMinutes: number;
  #jitterNs: bigint;
  #startNs = nowNs();
  #plannedStep: { atNs: bigint; byNs: bigint } | undefined;
  #stepNs = 0n;

  constructor(options: NodeClockOptions = {}) {
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
    this.#jitterNs = BigInt(Math.max(0, Math.round((options.streamJitterMicros ?? 0) * 1000)));
    if (options.clockStep) {
      this.#plannedStep = { atNs: this.#startNs + BigInt(Math.round(options.clockStep.afterMs * 1e6)),
        byNs: BigInt(Math.round(options.clockStep.byMs * 1e6)) };
    }
  }

  /** Steps the clock now by `byMs` (negative: back); later stamps carry the step. */
  step(byMs: number): void {
    this.#stepNs += BigInt(Math.round(byMs * 1e6));
  }

  /** The stamp (ns since the epoch) a line of `stream` read now gets. */
  stamp(stream: "stdout" | "stderr"): bigint {
    const read = nowNs() - (stream === "stderr" ? this.#jitterNs : 0n);
    const planned = this.#plannedStep !== undefined && read >= this.#plannedStep.atNs ? this.#plannedStep.byNs : 0n;
    return read + planned + this.#stepNs;
  }

  format(ns: bigint): string {
    return formatRfc3339Nano(ns, this.utcOffsetMinutes);
  }
}
