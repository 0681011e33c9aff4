// Supervise: a loop that looks at the run's state whenever the informers say something changed
// (or a deadline is due), reduces it to a phase with observe(), reports phase changes, and ends
// when the phase says the run is over or a deadline passes. One deadline per phase:
//   pending/scheduled  → the start deadline (scheduleTimeoutSec): a clear "did not start" end;
//   any phase          → the run deadline (timeoutSec): "deadline";
//   pod ended, no exit → a short wait for the container's terminated state (C6);
//   Job deleted        → a short wait for the container's exit, for the facts (C3);
//   API unreachable    → the unreachable bound (the Job and Lease are kept, C5).
// A transient error never ends a run as "finished": only observed state does.
import type { NamespaceView } from "../kube/informer-registry.ts";
import { observe, samePhase } from "./observe.ts";
import type { Phase, StartBlock, Terminated } from "./observe.ts";
import type { RunWatch } from "./watch-run.ts";

export type SuperviseSettings = {
  /** Epoch ms by which the container must have started. */
  startDeadlineAt: number;
  /** Epoch ms of the run deadline, or null for none. */
  runDeadlineAt: number | null;
  /** How long to wait for a terminated state after the pod ended or the Job vanished. */
  exitEvidenceMs: number;
  /** How long the API may stay unreadable before the run gives up watching. */
  unreachableMs: number;
  /** How often to probe the API while the informers report errors. */
  probeEveryMs: number;
  now?: () => number;
};

export const SUPERVISE_DEFAULTS = { exitEvidenceMs: 10_000, unreachableMs: 120_000, probeEveryMs: 5_000 } as const;

export type SuperviseEnd =
  | { kind: "exited"; terminated: Terminated }
  | { kind: "podEnded"; podPhase: string; reason: string | null }
  | { kind: "deleted"; reason: string | null; terminated: Terminated | null; last: Phase | null }
  | { kind: "jobFailed"; reason: string; message: string }
  | { kind: "notStarted"; block: StartBlock | null; last: Phase }
  | { kind: "deadline"; last: Phase | null }
  | { kind: "aborted"; last: Phase | null }
  | { kind: "unreachable"; error: string; last: Phase | null };

export type SuperviseInput = {
  watch: RunWatch;
  view: NamespaceView;
  settings: SuperviseSettings;
  signal: AbortSignal;
  onPhase: (phase: Phase, previous: Phase | null) => void;
};

export async function supervise(input: SuperviseInput): Promise<SuperviseEnd> {
  const { watch, settings, signal } = input;
  const now = settings.now ?? Date.now;
  const health = apiHealth(input, now);
  let last: Phase | null = null;
  let waitingSince: number | null = null; // for exit evidence after podEnded / deleted
  while (!signal.aborted) {
    const phase = observe(watch.snapshot());
    if (!samePhase(last, phase)) {
      input.onPhase(phase, last);
      last = phase;
      waitingSince = null;
    }
    const t = now();
    const end = decide(phase, last, t, settings, waitingSince);
    if (end) return end;
    if (phase.kind === "podEnded" || phase.kind === "deleted" || phase.kind === "jobFailed") waitingSince ??= t;
    const unreachable = health.check(t);
    if (unreachable) return { kind: "unreachable", error: unreachable, last };
    await watch.changed(nextWake(phase, t, settings, waitingSince));
  }
  return { kind: "aborted", last };
}

function decide(phase: Phase, last: Phase | null, t: number, s: SuperviseSettings, waitingSince: number | null): SuperviseEnd | null {
  switch (phase.kind) {
    case "exited": return { kind: "exited", terminated: phase.terminated };
    // The Failed condition can reach us before the pod does (separate watches): its exit and log
    // are on their way, so give them the same moment as a pod that ended (soak seed 4242, runs
    // 24/35/432/490/529: OOM-killed runs reported k8s_job_failed with none of their lines).
    case "jobFailed":
      return waitingSince !== null && t - waitingSince >= s.exitEvidenceMs ? { kind: "jobFailed", reason: phase.reason, message: phase.message } : null;
    case "podEnded":
      return waitingSince !== null && t - waitingSince >= s.exitEvidenceMs ? { kind: "podEnded", podPhase: phase.podPhase, reason: phase.reason } : null;
    case "deleted":
      // Ours (a recorded reason) needs no wait; someone else's gets a moment for the exit code.
      if (phase.reason !== null || (waitingSince !== null && t - waitingSince >= s.exitEvidenceMs)) return { kind: "deleted", reason: phase.reason, terminated: null, last };
      return null;
    case "pending":
    case "scheduled":
      if (t >= s.startDeadlineAt) return { kind: "notStarted", block: phase.block, last: phase };
      break;
    case "running":
      break;
  }
  if (s.runDeadlineAt !== null && t >= s.runDeadlineAt) return { kind: "deadline", last };
  return null;
}

function nextWake(phase: Phase, t: number, s: SuperviseSettings, waitingSince: number | null): number {
  const due = [s.runDeadlineAt ?? Infinity, t + s.probeEveryMs];
  if (phase.kind === "pending" || phase.kind === "scheduled") due.push(s.startDeadlineAt);
  if (waitingSince !== null) due.push(waitingSince + s.exitEvidenceMs);
  return Math.max(0, Math.min(...due) - t);
}

/** Watches the informers' health; while they fail, probes the API directly now and then. */
function apiHealth(input: SuperviseInput, now: () => number) {
  const { view, watch, settings } = input;
  let failingSince: number | null = null;
  let lastProbe = -Infinity;
  let lastError = "";
  return {
    check(t: number): string | null {
      const error = view.lastError();
      if (!error) { failingSince = null; return null; }
      lastError = error.message;
      if (t - lastProbe >= settings.probeEveryMs) {
        lastProbe = t;
        void watch.confirmJob().then((ok) => { failingSince = ok ? null : failingSince ?? now(); });
      }
      return failingSince !== null && t - failingSince >= settings.unreachableMs ? lastError : null;
    },
  };
}
