import { test } from "node:test";
import assert from "node:assert/strict";
import { JOB_TRACKING_FINALIZER, reconcileJob, type JobDecision } from "../src/controllers/job-reconcile.ts";
import type { Condition, JobSpec, JobStatus, PodStatus } from "../src/controllers/kube-types.ts";
import type { KubeObject } from "../src/store/types.ts";

const NOW = Date.parse("2024-01-01T00:01:00Z");
const NOW_TEXT = "2024-01-01T00:01:00Z";

function job(spec: JobSpec = {}, status: JobStatus = {}): KubeObject {
  return { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: "ns", uid: "u1" }, spec, status };
}

function cond(type: string, reason: string): Condition {
  return { type, status: "True", reason, message: "m", lastProbeTime: NOW_TEXT, lastTransitionTime: NOW_TEXT };
}

interface PodOptions { tracked?: boolean; deleting?: boolean; exitCode?: number; conditions?: Condition[] }

function pod(name: string, phase: PodStatus["phase"], options: PodOptions = {}): KubeObject {
  const terminated = options.exitCode === undefined ? undefined : { exitCode: options.exitCode };
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: "ns", finalizers: options.tracked === false ? [] : [JOB_TRACKING_FINALIZER],
      ...(options.deleting ? { deletionTimestamp: NOW_TEXT } : {}) },
    status: { phase, conditions: options.conditions ?? [],
      containerStatuses: [{ name: "main", state: terminated ? { terminated } : { running: {} } }] },
  };
}

const ready = [{ type: "Ready", status: "True" as const }];
const started = { startTime: "2024-01-01T00:00:50Z" };

interface Case {
  name: string;
  job: KubeObject;
  pods: KubeObject[];
  expect: Partial<Omit<JobDecision, "status">> & { conditions?: string[]; status?: Partial<JobStatus>; messageIncludes?: string };
}

const cases: Case[] = [
  { name: "a new Job gets one pod and a startTime", job: job(), pods: [],
    expect: { createPods: 1, status: { startTime: NOW_TEXT, active: 0 }, conditions: [] } },
  { name: "a running ready pod is counted active and ready", job: job({}, started), pods: [pod("a", "Running", { conditions: ready })],
    expect: { createPods: 0, status: { active: 1, ready: 1 }, removeFinalizers: [] } },
  { name: "success adds SuccessCriteriaMet only", job: job({}, started), pods: [pod("a", "Succeeded", { exitCode: 0 })],
    expect: { conditions: ["SuccessCriteriaMet"], status: { succeeded: 1, active: 0 }, removeFinalizers: ["a"], createPods: 0 } },
  { name: "SuccessCriteriaMet then Complete with completionTime",
    job: job({}, { ...started, succeeded: 1, conditions: [cond("SuccessCriteriaMet", "CompletionsReached")] }),
    pods: [pod("a", "Succeeded", { tracked: false })],
    expect: { conditions: ["SuccessCriteriaMet", "Complete"], status: { completionTime: NOW_TEXT, succeeded: 1 } } },
  { name: "failure over backoffLimit adds FailureTarget only", job: job({ backoffLimit: 0 }, started),
    pods: [pod("a", "Failed", { exitCode: 3 })],
    expect: { conditions: ["FailureTarget"], status: { failed: 1 }, removeFinalizers: ["a"], createPods: 0,
      messageIncludes: "backoff limit" } },
  { name: "FailureTarget then Failed once nothing runs",
    job: job({ backoffLimit: 0 }, { ...started, failed: 1, conditions: [cond("FailureTarget", "BackoffLimitExceeded")] }),
    pods: [pod("a", "Failed", { tracked: false })],
    expect: { conditions: ["FailureTarget", "Failed"], status: { failed: 1, completionTime: undefined } } },
  { name: "no Failed while a pod is terminating",
    job: job({}, { ...started, conditions: [cond("FailureTarget", "DeadlineExceeded")] }),
    pods: [pod("a", "Running", { deleting: true, tracked: false })],
    expect: { conditions: ["FailureTarget"], status: { terminating: 1, active: 0 } } },
  { name: "failure under backoffLimit gets a replacement", job: job({}, started), pods: [pod("a", "Failed", { exitCode: 1 })],
    expect: { createPods: 1, status: { failed: 1 }, conditions: [], removeFinalizers: ["a"] } },
  { name: "second failure is counted on top of the first", job: job({ backoffLimit: 1 }, { ...started, failed: 1 }),
    pods: [pod("a", "Failed", { tracked: false }), pod("b", "Failed", { exitCode: 1 })],
    expect: { conditions: ["FailureTarget"], status: { failed: 2 }, removeFinalizers: ["b"] } },
  { name: "podFailurePolicy FailJob on an exit code",
    job: job({ podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [3] } }] } }, started),
    pods: [pod("a", "Failed", { exitCode: 3 })],
    expect: { conditions: ["FailureTarget"], status: { failed: 1 },
      messageIncludes: "Container main for pod ns/a failed with exit code 3 matching FailJob rule at index 0" } },
  { name: "podFailurePolicy Ignore on DisruptionTarget: not counted, replaced",
    job: job({ backoffLimit: 0, podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } }, started),
    pods: [pod("a", "Failed", { exitCode: 143, conditions: [{ type: "DisruptionTarget", status: "True" }] })],
    expect: { conditions: [], status: { failed: 0 }, createPods: 1, removeFinalizers: ["a"] } },
  { name: "podFailurePolicy Count counts as usual",
    job: job({ podFailurePolicy: { rules: [{ action: "Count", onExitCodes: { operator: "In", values: [3] } }] } }, started),
    pods: [pod("a", "Failed", { exitCode: 3 })],
    expect: { conditions: [], status: { failed: 1 }, createPods: 1 } },
  { name: "podFailurePolicy: first matching rule wins",
    job: job({ backoffLimit: 0, podFailurePolicy: { rules: [
      { action: "Ignore", onExitCodes: { operator: "In", values: [3] } },
      { action: "FailJob", onExitCodes: { operator: "NotIn", values: [] } }] } }, started),
    pods: [pod("a", "Failed", { exitCode: 3 })],
    expect: { conditions: [], status: { failed: 0 }, createPods: 1 } },
  { name: "podFailurePolicy: NotIn never matches exit code 0",
    job: job({ podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "NotIn", values: [1] } }] } }, started),
    pods: [pod("a", "Failed", { exitCode: 0 })],
    expect: { conditions: [], status: { failed: 1 }, createPods: 1 } },
  { name: "podFailurePolicy: containerName restricts the match",
    job: job({ podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: "side", operator: "In", values: [3] } }] } }, started),
    pods: [pod("a", "Failed", { exitCode: 3 })],
    expect: { conditions: [], status: { failed: 1 } } },
  { name: "activeDeadlineSeconds passed: FailureTarget DeadlineExceeded, active pods deleted",
    job: job({ activeDeadlineSeconds: 5 }, started), pods: [pod("a", "Running")],
    expect: { conditions: ["FailureTarget"], deletePods: ["a"], createPods: 0, messageIncludes: "longer than specified deadline" } },
  { name: "activeDeadlineSeconds not yet passed: requeue at the deadline",
    job: job({ activeDeadlineSeconds: 60 }, started), pods: [pod("a", "Running")],
    expect: { conditions: [], deletePods: [], requeueAtMs: Date.parse(started.startTime) + 60_000 } },
  { name: "podReplacementPolicy Failed: no replacement while the old pod terminates",
    job: job({ podReplacementPolicy: "Failed" }, started), pods: [pod("a", "Running", { deleting: true })],
    expect: { createPods: 0, status: { failed: 0, terminating: 1 }, removeFinalizers: [] } },
  { name: "default replacement: a terminating pod counts failed and is replaced at once",
    job: job({}, started), pods: [pod("a", "Running", { deleting: true })],
    expect: { createPods: 1, status: { failed: 1, terminating: 1 }, removeFinalizers: ["a"] } },
  { name: "a finished Job releases every tracked pod and creates none",
    job: job({}, { ...started, conditions: [cond("FailureTarget", "x"), cond("Failed", "x")] }),
    pods: [pod("a", "Running", { deleting: true }), pod("b", "Failed")],
    expect: { createPods: 0, removeFinalizers: ["a", "b"], conditions: ["FailureTarget", "Failed"] } },
  { name: "a suspended Job starts nothing", job: job({ suspend: true }), pods: [],
    expect: { createPods: 0, status: { startTime: undefined } } },
  { name: "parallelism 2, completions 3, 2 succeeded: one more pod",
    job: job({ parallelism: 2, completions: 3 }, { ...started, succeeded: 2 }), pods: [],
    expect: { createPods: 1, conditions: [] } },
  { name: "parallelism 3, completions 2: only two pods", job: job({ parallelism: 3, completions: 2 }, started), pods: [],
    expect: { createPods: 2 } },
];

for (const c of cases) {
  test(`reconcileJob: ${c.name}`, () => {
    const decision = reconcileJob(c.job, c.pods, NOW);
    const { conditions, status, messageIncludes, ...rest } = c.expect;
    for (const [key, value] of Object.entries(rest)) assert.deepEqual(decision[key as keyof JobDecision], value, key);
    if (conditions) assert.deepEqual((decision.status.conditions ?? []).map((x) => x.type), conditions);
    for (const [key, value] of Object.entries(status ?? {})) assert.deepEqual(decision.status[key as keyof JobStatus], value, key);
    if (messageIncludes) assert.ok(decision.status.conditions?.some((x) => x.message?.includes(messageIncludes)),
      JSON.stringify(decision.status.conditions));
  });
}

test("reconcileJob is idempotent: applying a decision then reconciling again changes nothing", () => {
  const first = reconcileJob(job({}, started), [pod("a", "Running", { conditions: ready })], NOW);
  assert.equal(first.statusChanged, true);
  const second = reconcileJob(job({}, first.status), [pod("a", "Running", { conditions: ready })], NOW + 1000);
  assert.equal(second.statusChanged, false);
  assert.equal(second.createPods, 0);
});
