// Pure rules behind fixes the soak found (npm run soak; the replays of its seeds are in
// soak-replay.test.ts): a shutdown after the container's exit finishes the run; a detached run
// stays detached even if the exit shows up meanwhile; a finished Job whose Lease was left for
// adoption is adopted, not run again; a Succeeded pod with Claude's success is a success.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Job, V1Lease } from "@kubernetes/client-node";
import { parseClaudeLine } from "../src/claude/events.ts";
import { finishedButUnreported } from "../src/run/claim.ts";
import { dispositionFor } from "../src/run/finish.ts";
import type { Terminated } from "../src/run/observe.ts";
import { headless, shutdownView } from "../src/run/supervise-run.ts";
import { supervise } from "../src/run/supervise.ts";
import type { SuperviseEnd } from "../src/run/supervise.ts";
import { verdict } from "../src/run/verdict.ts";
import type { VerdictInput } from "../src/run/verdict.ts";

const exit0: Terminated = { exitCode: 0, reason: "Completed", signal: null, message: null, startedAt: null, finishedAt: null };
const aborted: SuperviseEnd = { kind: "aborted", last: null };

test("shutdownView: a shutdown detaches only while the container runs (seed 1, soak-1-7)", () => {
  const cases: { name: string; end: SuperviseEnd; shutdown: boolean; terminated: Terminated | null; want: { end: SuperviseEnd["kind"]; shutdown: boolean } }[] = [
    { name: "shutdown, container running", end: aborted, shutdown: true, terminated: null, want: { end: "aborted", shutdown: true } },
    { name: "shutdown after the exit", end: aborted, shutdown: true, terminated: exit0, want: { end: "exited", shutdown: false } },
    { name: "exit seen by the supervisor, then shutdown", end: { kind: "exited", terminated: exit0 }, shutdown: true, terminated: exit0, want: { end: "exited", shutdown: false } },
    { name: "no shutdown", end: aborted, shutdown: false, terminated: exit0, want: { end: "aborted", shutdown: false } },
  ];
  for (const c of cases) {
    const view = shutdownView(c.end, c.shutdown, c.terminated);
    assert.deepEqual({ end: view.end.kind, shutdown: view.shutdown }, c.want, c.name);
  }
  const after = shutdownView(aborted, true, exit0);
  assert.deepEqual(dispositionFor({ end: after.end, cancelled: false, shutdown: after.shutdown, retainJobs: false, abortReason: "Legacy controller lease lost" }), { action: "cleanUp" },
    "a run whose container already ended is cleaned up, not left behind");
});

const verdictInput = (over: Partial<VerdictInput>): VerdictInput => ({
  end: aborted, items: [], ourDelete: null, terminated: null, deletedExternally: false, startEvidence: null, env: {}, requestedModel: null,
  resumedSessionId: null, sessionParamsExtra: {}, timeoutSec: 30, scheduleTimeoutSec: 600, jobName: "j", now: new Date(0), ...over,
});

test("verdict: detached stays detached when the exit shows up while detaching (seed 2, soak-2-15)", () => {
  const report = verdict(verdictInput({ detachedBecause: "the host stopped this run", terminated: exit0 }));
  assert.equal(report.errorCode, "k8s_run_detached", "not cancelled: nothing was cancelled and the Job was left");
});

test("verdict: a Succeeded pod without a seen exit status and Claude's success is a success (seed 2, soak-2-69)", () => {
  const result = { type: "result", subtype: "success", is_error: false, result: "done", session_id: "s", total_cost_usd: 0, num_turns: 1, duration_ms: 1, usage: { input_tokens: 1, output_tokens: 1 } };
  const items = [parseClaudeLine(JSON.stringify(result))];
  const ok = verdict(verdictInput({ end: { kind: "podEnded", podPhase: "Succeeded", reason: null }, items }));
  assert.equal(ok.errorCode, null, String(ok.errorMessage));
  const failed = verdict(verdictInput({ end: { kind: "podEnded", podPhase: "Failed", reason: "Evicted" }, items }));
  assert.equal(failed.errorCode, "k8s_pod_failed", "a Failed pod still is");
  const noResult = verdict(verdictInput({ end: { kind: "podEnded", podPhase: "Succeeded", reason: null } }));
  assert.equal(noResult.errorCode, "k8s_pod_failed", "without Claude's result there is nothing to stand on");
});

test("finishedButUnreported: the Lease still names a finished Job (seed 1, soak-1-7)", () => {
  const lease = (job: string | null): V1Lease => ({ metadata: { name: "l", annotations: job ? { "paperclip.io/job-name": job } : {} } });
  const job = (name: string, status: V1Job["status"], deleting = false): V1Job => ({ metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) }, status });
  const complete = { conditions: [{ type: "Complete", status: "True" }] };
  const failed = { conditions: [{ type: "Failed", status: "True" }] };
  assert.equal(finishedButUnreported([job("a", complete)], lease("a"))?.metadata?.name, "a");
  assert.equal(finishedButUnreported([job("a", failed)], lease("a"))?.metadata?.name, "a");
  assert.equal(finishedButUnreported([job("a", {})], lease("a")), null, "a live Job is not 'finished'");
  assert.equal(finishedButUnreported([job("a", complete, true)], lease("a")), null, "a Job being deleted is nobody's to adopt");
  assert.equal(finishedButUnreported([job("a", complete)], lease("b")), null, "only the Job the Lease names");
  assert.equal(finishedButUnreported([job("a", complete)], null), null, "no Lease: the run that owned it reported");
});

test("headless: a transcript whose first event is not Claude's init lost its beginning (seed 20261202, run 43)", () => {
  const init = JSON.stringify({ type: "system", subtype: "init", session_id: "s" });
  const assistant = JSON.stringify({ type: "assistant", message: { id: "m", content: [] }, session_id: "s" });
  assert.equal(headless([init, assistant].map(parseClaudeLine)), false);
  assert.equal(headless(["Warning: a note before the stream", init].map(parseClaudeLine)), false, "plain text before the init line is not a gap");
  assert.equal(headless([assistant].map(parseClaudeLine)), true);
  assert.equal(headless([]), false, "nothing read: nothing to say");
});

test("supervise: a Job's Failed condition seen before its pod waits for the pod's exit (seed 4242, runs 24/35/432/490/529)", async () => {
  const failedJob = { metadata: { name: "j" }, status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } };
  const oomPod = { metadata: { name: "j-abcde" }, spec: { nodeName: "n", containers: [] }, status: { phase: "Failed", containerStatuses: [{ name: "claude", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: "OOMKilled" } } }] } };
  const started = Date.now();
  let waiters: (() => void)[] = [];
  const podArrivesAfterMs = 300;
  setTimeout(() => { for (const wake of waiters.splice(0)) wake(); }, podArrivesAfterMs + 10);
  const watch = {
    snapshot: () => ({ job: failedJob, jobGone: false, pod: Date.now() - started >= podArrivesAfterMs ? oomPod : null, terminated: null, container: "claude" }),
    changed: (ms: number) => new Promise<void>((resolve) => { const timer = setTimeout(resolve, ms); waiters.push(() => { clearTimeout(timer); resolve(); }); }),
    confirmJob: async () => true,
  };
  const end = await supervise({
    watch: watch as unknown as Parameters<typeof supervise>[0]["watch"], view: { lastError: () => null } as unknown as Parameters<typeof supervise>[0]["view"],
    signal: new AbortController().signal, onPhase: () => {},
    settings: { startDeadlineAt: Date.now() + 60_000, runDeadlineAt: null, exitEvidenceMs: 5_000, unreachableMs: 60_000, probeEveryMs: 1_000 },
  });
  waiters = [];
  assert.equal(end.kind, "exited", `ended as ${end.kind}: the pod's exit must decide, not the Job's condition alone`);
  assert.equal(end.kind === "exited" && end.terminated.reason, "OOMKilled");
});
