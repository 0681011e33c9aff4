// Pure: the soak's fault schedule, drawn from one seed. Each run gets a scenario (what its
// container does, which fault hits it and when), and the whole soak gets a "weather" timeline of
// cluster-wide faults (stream cuts and hangs, 5xx bursts, watch 410s, short partitions, condition
// lag, a delay between the terminal phase and the terminated state). The same seed always draws
// the same schedule; only the interleaving of concurrent runs varies between replays.

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
function pick<T>(r: Rand, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [value, w] of weighted) {
    if ((x -= w) < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

/** What the fake claude in the pod does: lines at a rate, then (maybe) a result, then an exit code. */
export type Container = { lines: number; sleepMs: number; result: boolean; exitCode: number };

/** When a targeted fault fires: once the container wrote `n` lines, or at its exit. */
export type Moment = { at: "line"; n: number } | { at: "exit" };

export type Fault =
  | { kind: "none" }
  | { kind: "oom"; when: Moment }
  | { kind: "evict"; when: Moment }
  | { kind: "deleteJob"; when: Moment }
  | { kind: "deletePod"; when: Moment }
  | { kind: "deadline"; timeoutSec: number }
  | { kind: "cancel"; when: Moment; alongside: Alongside }
  | { kind: "shutdown"; when: Moment; duringAdoption: Alongside }
  | { kind: "rotate"; when: { at: "line"; n: number }; drop: number }
  | { kind: "twoProcesses" };

/** An extra cluster-wide fault timed with a phase (a cancellation, an adoption). */
export type Alongside = "none" | "cutStreams" | "watch410" | "burst503" | "partition";

export type Scenario = { index: number; runId: string; agentId: string; taskId: string; container: Container; fault: Fault };

export type WeatherEvent =
  | { atMs: number; kind: "cutStreams" }
  | { atMs: number; kind: "hangStreams"; ms: number }
  | { atMs: number; kind: "burst503"; count: number }
  | { atMs: number; kind: "watch410" }
  | { atMs: number; kind: "partition"; ms: number }
  | { atMs: number; kind: "conditionLag"; ms: number }
  | { atMs: number; kind: "terminatedStateDelay"; ms: number };

export const FAULT_WEIGHTS: readonly (readonly [Fault["kind"], number])[] = [
  ["none", 26], ["oom", 8], ["evict", 7], ["deleteJob", 8], ["deadline", 6], ["cancel", 13],
  ["shutdown", 14], ["rotate", 5], ["twoProcesses", 6],
];

function container(r: Rand, long: boolean): Container {
  const lines = long ? int(r, 40, 60) : int(r, 4, 30);
  const sleepMs = long ? 100 : pick(r, [[20, 3], [50, 3], [100, 2]] as const);
  const shape = pick(r, [["success", 8], ["crash", 1], ["failExit", 1]] as const);
  if (shape === "crash") return { lines, sleepMs, result: false, exitCode: 1 };
  if (shape === "failExit") return { lines, sleepMs, result: true, exitCode: 2 };
  return { lines, sleepMs, result: true, exitCode: 0 };
}

function moment(r: Rand, lines: number): Moment {
  return r() < 0.3 ? { at: "exit" } : { at: "line", n: int(r, 1, Math.max(1, lines - 1)) };
}

const ALONGSIDE: readonly (readonly [Alongside, number])[] = [["none", 3], ["cutStreams", 2], ["watch410", 2], ["burst503", 2], ["partition", 1]];

function fault(r: Rand, kind: Fault["kind"], c: Container): Fault {
  switch (kind) {
    case "none": case "twoProcesses": return { kind };
    case "oom": case "evict": case "deleteJob": case "deletePod": return { kind, when: moment(r, c.lines) };
    case "deadline": return { kind, timeoutSec: int(r, 2, 3) };
    case "cancel": return { kind, when: moment(r, c.lines), alongside: pick(r, ALONGSIDE) };
    case "shutdown": return { kind, when: moment(r, c.lines), duringAdoption: pick(r, ALONGSIDE) };
    case "rotate": return { kind, when: { at: "line", n: int(r, 2, Math.max(2, c.lines - 1)) }, drop: int(r, 1, 3) };
  }
}

/** Run i of the soak: its agent (several runs per agent, in order), container and fault. */
export function drawScenario(seed: number, index: number, runsPerAgent: number): Scenario {
  const r = prng((seed * 1_000_003 + index * 7919) >>> 0);
  const kind = pick(r, FAULT_WEIGHTS);
  const c = container(r, kind === "deadline");
  // A third of the fault-free runs lose their pod instead; drawn from a stream of its own so
  // that adding it left every other run's draw (and the replays of found bugs) as it was.
  const extra = prng((seed * 2_000_003 + index * 104_729) >>> 0);
  const podFault: Fault | null = kind === "none" && extra() < 0.3 ? { kind: "deletePod", when: moment(extra, c.lines) } : null;
  const agent = Math.floor(index / runsPerAgent);
  return {
    index, runId: `soak-${seed}-${index}`, agentId: `agent-${seed}-${agent}`, taskId: `task-${seed}-${index}`,
    container: kind === "deadline" ? { ...c, result: true, exitCode: 0 } : c, fault: podFault ?? fault(r, kind, c),
  };
}

/** Cluster-wide faults every 0.4-2.5 s for `durationMs`. Partitions stay short (2.5 s at most):
 * far below the adapter's unreachable bound, so they must never change an outcome. */
export function drawWeather(seed: number, durationMs: number): WeatherEvent[] {
  const r = prng((seed ^ 0x5eed) >>> 0);
  const events: WeatherEvent[] = [];
  for (let at = int(r, 400, 2500); at < durationMs; at += int(r, 400, 2500)) {
    const kind = pick(r, [["cutStreams", 5], ["hangStreams", 2], ["burst503", 3], ["watch410", 3], ["partition", 1], ["conditionLag", 1], ["terminatedStateDelay", 1]] as const);
    switch (kind) {
      case "hangStreams": events.push({ atMs: at, kind, ms: int(r, 300, 3000) }); break;
      case "burst503": events.push({ atMs: at, kind, count: int(r, 2, 12) }); break;
      case "partition": events.push({ atMs: at, kind, ms: int(r, 300, 2500) }); break;
      case "conditionLag": events.push({ atMs: at, kind, ms: pick(r, [[0, 2], [300, 1], [1500, 1]] as const) }); break;
      case "terminatedStateDelay": events.push({ atMs: at, kind, ms: pick(r, [[0, 2], [200, 1], [800, 1]] as const) }); break;
      default: events.push({ atMs: at, kind });
    }
  }
  return events;
}

export function describeFault(f: Fault): string {
  const when = (m: Moment) => (m.at === "exit" ? "at exit" : `after line ${m.n}`);
  switch (f.kind) {
    case "none": case "twoProcesses": return f.kind;
    case "deadline": return `deadline timeoutSec=${f.timeoutSec}`;
    case "cancel": return `cancel ${when(f.when)}${f.alongside !== "none" ? ` + ${f.alongside}` : ""}`;
    case "shutdown": return `shutdown ${when(f.when)}, adoption in a fresh process${f.duringAdoption !== "none" ? ` + ${f.duringAdoption}` : ""}`;
    case "rotate": return `rotate ${f.drop} lines ${when(f.when)}`;
    default: return `${f.kind} ${when(f.when)}`;
  }
}
