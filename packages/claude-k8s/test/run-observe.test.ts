// Pure: observe() over Job/pod states as a real 1.31+ server serialises them (zeros omitted),
// the disposition table, and the verdict's overrides.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { observe, terminatedOf } from "../src/run/observe.ts";
import type { ObserveInput, Phase } from "../src/run/observe.ts";
import { dispositionFor } from "../src/run/finish.ts";
import { verdict } from "../src/run/verdict.ts";
import { parseStreamJson } from "../src/claude/index.ts";
import type { VerdictInput } from "../src/run/verdict.ts";

const C = "claude";
const job = (status: V1Job["status"] = {}, metadata: V1Job["metadata"] = {}): V1Job => ({ metadata: { name: "j", ...metadata }, status });
const pod = (spec: Partial<V1Pod["spec"]>, status: V1Pod["status"], metadata: V1Pod["metadata"] = {}): V1Pod =>
  ({ metadata: { name: "j-abcde", ...metadata }, spec: { containers: [], ...spec }, status });
const input = (over: Partial<ObserveInput>): ObserveInput => ({ job: job(), jobGone: false, pod: null, terminated: null, container: C, ...over });
const waiting = (reason: string, message?: string) => ({ containerStatuses: [{ name: C, image: "i", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason, ...(message ? { message } : {}) } } }] });
const terminated = (exitCode: number, reason: string) => ({ containerStatuses: [{ name: C, image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode, reason, finishedAt: new Date("2026-01-01T00:00:05Z"), startedAt: new Date("2026-01-01T00:00:01Z") } } }] });

const cases: { name: string; input: ObserveInput; kind: Phase["kind"]; check?: (p: Phase) => void }[] = [
  { name: "a Job with no pod yet (status {} as a server sends it)", input: input({}), kind: "pending" },
  { name: "an unschedulable pod", kind: "pending",
    input: input({ pod: pod({}, { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes are available" }] }) }),
    check: (p) => assert.deepEqual(p.kind === "pending" && p.block, { cause: "unschedulable", message: "0/1 nodes are available" }) },
  { name: "scheduled, pulling", input: input({ pod: pod({ nodeName: "n1" }, { phase: "Pending", ...waiting("ContainerCreating") }) }), kind: "scheduled",
    check: (p) => assert.equal(p.kind === "scheduled" && p.block, null) },
  { name: "image pull back-off", input: input({ pod: pod({ nodeName: "n1" }, { phase: "Pending", ...waiting("ImagePullBackOff", "Back-off pulling image") }) }), kind: "scheduled",
    check: (p) => assert.equal(p.kind === "scheduled" && p.block?.cause, "imagePull") },
  { name: "a failed init container", kind: "scheduled",
    input: input({ pod: pod({ nodeName: "n1" }, { phase: "Pending", initContainerStatuses: [{ name: "init", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] }) }),
    check: (p) => assert.equal(p.kind === "scheduled" && p.block?.cause, "initFailed") },
  { name: "running", input: input({ pod: pod({ nodeName: "n1" }, { phase: "Running", containerStatuses: [{ name: C, image: "i", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: new Date("2026-01-01T00:00:01Z") } } }] }) }), kind: "running" },
  { name: "exited: the container's terminated state decides, whatever the Job says", kind: "exited",
    input: input({ job: job({ active: 1 }), pod: pod({ nodeName: "n1" }, { phase: "Running", ...terminated(0, "Completed") }) }),
    check: (p) => assert.equal(p.kind === "exited" && p.terminated.exitCode, 0) },
  { name: "a terminated state captured earlier wins over a pod that is gone (C4)", kind: "exited",
    input: input({ pod: null, terminated: { exitCode: 137, reason: "OOMKilled", signal: null, message: null, startedAt: null, finishedAt: null } }) },
  { name: "pod phase Failed before the terminated state (C6)", input: input({ pod: pod({ nodeName: "n1" }, { phase: "Failed", containerStatuses: [] }) }), kind: "podEnded" },
  { name: "1.31+ FailureTarget with no active pod is a failed Job (C2)", input: input({ job: job({ conditions: [{ type: "FailureTarget", status: "True", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" }] }) }), kind: "jobFailed" },
  { name: "FailureTarget while the pod still runs: wait for the container", kind: "running",
    input: input({ job: job({ conditions: [{ type: "FailureTarget", status: "True", reason: "DeadlineExceeded" }] }), pod: pod({ nodeName: "n1" }, { phase: "Running", containerStatuses: [{ name: C, image: "i", imageID: "", ready: true, restartCount: 0, state: { running: {} } }] }) }) },
  { name: "a Job being deleted with our recorded reason", input: input({ job: job({}, { deletionTimestamp: new Date(), annotations: { "paperclip.io/delete-reason": "timeout: x" } }) }), kind: "deleted",
    check: (p) => assert.equal(p.kind === "deleted" && p.reason, "timeout: x") },
  { name: "a Job gone (confirmed by a direct read) without a reason of ours (C3)", input: input({ jobGone: true }), kind: "deleted",
    check: (p) => assert.deepEqual(p.kind === "deleted" && [p.reason, p.gone], [null, true]) },
];

for (const c of cases) {
  test(`observe: ${c.name}`, () => {
    const phase = observe(c.input);
    assert.equal(phase.kind, c.kind, JSON.stringify(phase));
    c.check?.(phase);
  });
}

test("an evicted pod's exit is reported as Evicted, with the eviction's message (C7)", () => {
  const evicted = pod({ nodeName: "n1" }, { phase: "Failed", ...terminated(143, "Error"), conditions: [{ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting" }] });
  assert.deepEqual(terminatedOf(evicted, C), { exitCode: 143, reason: "Evicted", signal: null, message: "Eviction API: evicting", startedAt: "2026-01-01T00:00:01.000Z", finishedAt: "2026-01-01T00:00:05.000Z" });
});

const end = { kind: "exited", terminated: { exitCode: 0, reason: "Completed", signal: null, message: null, startedAt: null, finishedAt: null } } as const;
test("disposition: every end maps to one action (DESIGN principle 5)", () => {
  const base = { end, cancelled: false, shutdown: false, retainJobs: false, abortReason: "" };
  assert.deepEqual(dispositionFor(base), { action: "cleanUp" });
  assert.deepEqual(dispositionFor({ ...base, retainJobs: true }), { action: "keep" });
  assert.equal(dispositionFor({ ...base, shutdown: true, abortReason: "Legacy controller lease lost" }).action, "leaveForAdoption");
  assert.deepEqual(dispositionFor({ ...base, cancelled: true, abortReason: "Cancelled by a board operator" }), { action: "end", reason: "cancelled", detail: "Cancelled by a board operator" });
  assert.equal(dispositionFor({ ...base, end: { kind: "deadline", last: null } }).action, "end");
  assert.equal(dispositionFor({ ...base, end: { kind: "unreachable", error: "x", last: null } }).action, "leaveForAdoption");
  const pending = { kind: "pending", block: null } as const;
  assert.equal(dispositionFor({ ...base, end: { kind: "notStarted", block: { cause: "unschedulable", message: "m" }, last: pending } }).action, "leaveForAdoption");
  assert.equal(dispositionFor({ ...base, end: { kind: "notStarted", block: { cause: "imagePull", message: "m" }, last: pending } }).action, "end");
});

const verdictInput = (over: Partial<VerdictInput>): VerdictInput => ({
  end, items: [], ourDelete: null, terminated: null, deletedExternally: false, startEvidence: null, env: {}, requestedModel: null,
  resumedSessionId: null, sessionParamsExtra: {}, timeoutSec: 30, scheduleTimeoutSec: 600, jobName: "j", now: new Date(0), ...over,
});

test("verdict: the cluster's facts name the cause", () => {
  assert.equal(verdict(verdictInput({ ourDelete: "timeout", end: { kind: "deadline", last: null } })).timedOut, true);
  assert.equal(verdict(verdictInput({ deletedExternally: true, end: { kind: "deleted", reason: null, terminated: null, last: null } })).errorCode, "k8s_job_deleted_externally");
  const oom = verdict(verdictInput({ terminated: { exitCode: 137, reason: "OOMKilled", signal: null, message: null, startedAt: null, finishedAt: null } }));
  assert.equal(oom.errorCode, "k8s_oom_killed");
  const unsched = verdict(verdictInput({ end: { kind: "notStarted", block: { cause: "unschedulable", message: "0/1 nodes" }, last: { kind: "pending", block: null } }, startEvidence: "FailedScheduling: 0/1 nodes are available" }));
  assert.equal(unsched.errorCode, "k8s_unschedulable");
  assert.match(unsched.errorMessage ?? "", /FailedScheduling: 0\/1 nodes are available/);
  assert.match(unsched.errorMessage ?? "", /left in place/);
  assert.equal(verdict(verdictInput({ end: { kind: "unreachable", error: "ECONNREFUSED", last: null } })).errorCode, "k8s_api_unreachable");
});

test("observe: a completed Job whose pod vanished unseen ends like an ended pod, not as pending (soak 4242/459)", () => {
  const complete = job({ succeeded: 1, conditions: [{ type: "SuccessCriteriaMet", status: "True" }, { type: "Complete", status: "True" }] });
  assert.deepEqual(observe(input({ job: complete, pod: null })), { kind: "podEnded", podPhase: "Succeeded", reason: "JobComplete" });
});

test("verdict: Claude's own failure result outranks a missing exit status (soak 4242/694)", () => {
  const items = parseStreamJson('{"type":"result","subtype":"error_during_execution","is_error":true,"result":"boom","session_id":"s1","usage":{"input_tokens":1,"output_tokens":1}}\n');
  const report = verdict(verdictInput({ items, end: { kind: "podEnded", podPhase: "Failed", reason: null } }));
  assert.equal(report.errorCode, "claude_failed", String(report.errorMessage));
});
