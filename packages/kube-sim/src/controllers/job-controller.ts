// The Job controller's I/O loop: watch Jobs and pods, reconcile one Job at a time with the pure
// reconcileJob, and apply its decision (status first, then finalizers, deletions, creations).
// The condition-lag fault holds back any write that would add a terminal condition.

import type { RecordEvent } from "../events/recorder.ts";
import { isNotFound } from "../store/errors.ts";
import { JOBS, PODS } from "../store/resources.ts";
import type { KubeObject, Store, StoreEvent } from "../store/types.ts";
import { JOB_TRACKING_FINALIZER, reconcileJob, type JobDecision } from "./job-reconcile.ts";
import { podFromTemplate } from "./job-pods.ts";
import { controllerUid, findCondition, isJobFinished, jobStatus } from "./kube-types.ts";
import { WorkQueue } from "./work-queue.ts";

const TERMINAL_TYPES = ["SuccessCriteriaMet", "FailureTarget", "Complete", "Failed"];

export class JobController {
  #store: Store;
  #queue: WorkQueue;
  #unsubscribe: (() => void)[] = [];
  #conditionLagMs = 0;
  #lagStartedAt = new Map<string, number>(); // job uid -> when a terminal condition was first due
  #event: RecordEvent;

  constructor(store: Store, recordEvent: RecordEvent = () => {}) {
    this.#store = store;
    this.#event = recordEvent;
    this.#queue = new WorkQueue((key) => this.#sync(key));
  }

  start(): void {
    const since = this.#store.currentResourceVersion();
    this.#unsubscribe.push(this.#store.watch(JOBS, undefined, since, (event) => this.#onJob(event)));
    this.#unsubscribe.push(this.#store.watch(PODS, undefined, since, (event) => this.#onPod(event)));
    for (const job of this.#store.list(JOBS, undefined).items) this.#queue.add(keyOf(job.metadata.namespace, job.metadata.name));
    for (const pod of this.#store.list(PODS, undefined).items) this.#onPod({ object: pod });
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#queue.stop();
  }

  /** Delays every write that adds SuccessCriteriaMet/FailureTarget/Complete/Failed by `ms`. */
  setConditionLag(ms: number): void {
    this.#conditionLagMs = Math.max(0, ms);
  }

  #onJob(event: StoreEvent): void {
    if (event.type !== "DELETED") {
      this.#queue.add(keyOf(event.object.metadata.namespace, event.object.metadata.name));
      return;
    }
    const uid = event.object.metadata.uid ?? "";
    this.#lagStartedAt.delete(uid);
    // Its pods may see no further event (e.g. one already terminating, or finished): release
    // their tracking finalizers now, or they would stay Terminating forever.
    const namespace = event.object.metadata.namespace;
    const selector = { labelSelector: `batch.kubernetes.io/controller-uid=${uid}` };
    for (const pod of this.#store.list(PODS, namespace, selector).items) this.#onPod({ object: pod });
  }

  #onPod(event: Pick<StoreEvent, "object">): void {
    const ref = event.object.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === "Job");
    if (ref !== undefined) this.#queue.add(keyOf(event.object.metadata.namespace, ref.name));
    if ((event.object.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) {
      this.#queue.add(`orphan:${keyOf(event.object.metadata.namespace, event.object.metadata.name)}`);
    }
  }

  #sync(key: string): void {
    if (key.startsWith("orphan:")) return this.#releaseOrphan(key.slice("orphan:".length));
    const [namespace, name] = splitKey(key);
    const job = this.#store.tryGet(JOBS, namespace, name);
    if (job === undefined) return;
    const uid = job.metadata.uid ?? "";
    // Select by the controller-uid label first (as the real controller does): the store copies
    // only what matches, so a sync costs the Job's pods, not every pod in the namespace.
    const selector = { labelSelector: `batch.kubernetes.io/controller-uid=${uid}` };
    const pods = this.#store.list(PODS, namespace, selector).items.filter((pod) => controllerUid(pod) === uid);
    const now = Date.now();
    const decision = reconcileJob(job, pods, now);
    if (this.#heldBack(job, decision, now, key)) return;
    this.#apply(job, decision);
    if (decision.requeueAtMs !== undefined) this.#queue.addAt(key, decision.requeueAtMs);
  }

  /** The condition-lag fault: true while a write that adds a terminal condition must wait. */
  #heldBack(job: KubeObject, decision: JobDecision, now: number, key: string): boolean {
    const uid = job.metadata.uid ?? "";
    const had = new Set((jobStatus(job).conditions ?? []).map((c) => c.type));
    const adds = (decision.status.conditions ?? []).some((c) => TERMINAL_TYPES.includes(c.type) && !had.has(c.type));
    if (!adds || this.#conditionLagMs === 0) return false;
    // Remembered until the Job is gone: the later terminal condition (Complete after
    // SuccessCriteriaMet) is due from the same moment, so a slow controller is late only once.
    const since = this.#lagStartedAt.get(uid) ?? now;
    this.#lagStartedAt.set(uid, since);
    if (now >= since + this.#conditionLagMs) return false;
    this.#queue.addAt(key, since + this.#conditionLagMs);
    return true;
  }

  #apply(job: KubeObject, decision: JobDecision): void {
    const namespace = job.metadata.namespace;
    const name = job.metadata.name ?? "";
    let written = job;
    if (decision.statusChanged) {
      written = this.#store.mutate(JOBS, namespace, name, (object) => { object.status = decision.status; });
      this.#recordFinished(job, written);
    }
    for (const pod of decision.removeFinalizers) this.#removeTrackingFinalizer(namespace, pod);
    for (const pod of decision.deletePods) {
      ignoreNotFound(() => {
        this.#store.delete(PODS, namespace, pod, { propagationPolicy: "Background" });
        this.#event(written, { type: "Normal", reason: "SuccessfulDelete", message: `Deleted pod: ${pod}` });
      });
    }
    for (let i = 0; i < decision.createPods; i++) {
      const pod = this.#store.create(PODS, podFromTemplate(job));
      this.#event(written, { type: "Normal", reason: "SuccessfulCreate", message: `Created pod: ${pod.metadata.name ?? ""}` });
    }
  }

  /** The events a real Job controller records when it adds Complete or Failed. */
  #recordFinished(before: KubeObject, after: KubeObject): void {
    if (isJobFinished(before) || !isJobFinished(after)) return;
    const failed = findCondition(jobStatus(after).conditions, "Failed");
    if (failed?.status === "True") {
      this.#event(after, { type: "Warning", reason: failed.reason ?? "Failed", message: failed.message ?? "" });
    } else this.#event(after, { type: "Normal", reason: "Completed", message: "Job completed" });
  }

  #removeTrackingFinalizer(namespace: string | undefined, pod: string): void {
    ignoreNotFound(() => this.#store.mutate(PODS, namespace, pod, (object) => {
      object.metadata.finalizers = (object.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
    }));
  }

  /** A pod whose Job is gone keeps no job-tracking finalizer (it would never be deleted). */
  #releaseOrphan(key: string): void {
    const [namespace, name] = splitKey(key);
    const pod = this.#store.tryGet(PODS, namespace, name);
    if (pod === undefined || !(pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) return;
    const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === "Job");
    const owner = ref === undefined ? undefined : this.#store.tryGet(JOBS, namespace, ref.name);
    if (owner !== undefined && owner.metadata.uid === ref?.uid) return;
    this.#removeTrackingFinalizer(namespace, name);
  }
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ""}/${name ?? ""}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf("/");
  return [key.slice(0, slash), key.slice(slash + 1)];
}

function ignoreNotFound(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
