// ttlSecondsAfterFinished: deletes a finished Job (Background) that many seconds after its
// Complete or Failed condition.

import { isNotFound } from "../store/errors.ts";
import { JOBS } from "../store/resources.ts";
import type { KubeObject, Store } from "../store/types.ts";
import { findCondition, jobSpec, jobStatus } from "./kube-types.ts";
import { WorkQueue } from "./work-queue.ts";

/** When a finished Job with a TTL is due for deletion (ms since epoch), or undefined. */
export function ttlDeadline(job: KubeObject): number | undefined {
  const ttl = jobSpec(job).ttlSecondsAfterFinished;
  if (ttl === undefined || job.metadata.deletionTimestamp !== undefined) return undefined;
  const status = jobStatus(job);
  const finished = findCondition(status.conditions, "Complete") ?? findCondition(status.conditions, "Failed");
  if (finished?.status !== "True") return undefined;
  const at = Date.parse(status.completionTime ?? finished.lastTransitionTime ?? "");
  return Number.isNaN(at) ? undefined : at + ttl * 1000;
}

export class TtlController {
  #store: Store;
  #queue: WorkQueue;
  #unsubscribe: (() => void) | undefined;

  constructor(store: Store) {
    this.#store = store;
    this.#queue = new WorkQueue((key) => this.#sync(key));
  }

  start(): void {
    const since = this.#store.currentResourceVersion();
    this.#unsubscribe = this.#store.watch(JOBS, undefined, since, (event) => {
      if (event.type !== "DELETED") this.#queue.add(`${event.object.metadata.namespace ?? ""}/${event.object.metadata.name ?? ""}`);
    });
    for (const job of this.#store.list(JOBS, undefined).items) {
      this.#queue.add(`${job.metadata.namespace ?? ""}/${job.metadata.name ?? ""}`);
    }
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#queue.stop();
  }

  #sync(key: string): void {
    const slash = key.indexOf("/");
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const job = this.#store.tryGet(JOBS, namespace, name);
    if (job === undefined) return;
    const due = ttlDeadline(job);
    if (due === undefined) return;
    if (Date.now() < due) {
      this.#queue.addAt(key, due);
      return;
    }
    try {
      this.#store.delete(JOBS, namespace, name, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
