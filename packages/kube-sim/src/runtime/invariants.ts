// Invariant monitor: checks registered invariants against every committed change of the store,
// from the moment the runtime starts, and records each violation with the resourceVersion at
// which it was seen. Built in: noTwoActiveJobsPerLabel(labelKey).

import { hasTerminalJobCondition } from "../controllers/kube-types.ts";
import { JOBS } from "../store/resources.ts";
import type { KubeObject, Store, StoreEvent } from "../store/types.ts";

export interface Violation {
  invariant: string;
  message: string;
  resourceVersion: number;
  at: string;
}

/** Sees every store event in order; returns a message for each violation it finds. */
export interface Invariant {
  name: string;
  observe(event: StoreEvent): string[];
}

/** A Job is active from creation until it has a terminal condition, a deletionTimestamp, or is gone. */
export function isActiveJob(job: KubeObject): boolean {
  return job.metadata.deletionTimestamp === undefined && !hasTerminalJobCondition(job);
}

export function noTwoActiveJobsPerLabel(labelKey: string): Invariant {
  const active = new Map<string, Map<string, string>>(); // label value -> job uid -> ns/name
  return {
    name: `noTwoActiveJobsPerLabel(${labelKey})`,
    observe(event) {
      if (event.resource.group !== JOBS.group || event.resource.resource !== JOBS.resource) return [];
      const job = event.object;
      const value = job.metadata.labels?.[labelKey];
      if (value === undefined) return [];
      const uid = job.metadata.uid ?? "";
      const jobs = active.get(value) ?? new Map<string, string>();
      active.set(value, jobs);
      const wasActive = jobs.has(uid);
      if (event.type === "DELETED" || !isActiveJob(job)) {
        jobs.delete(uid);
        return [];
      }
      jobs.set(uid, `${job.metadata.namespace ?? ""}/${job.metadata.name ?? ""}`);
      if (wasActive || jobs.size < 2) return [];
      return [`Jobs ${[...jobs.values()].join(", ")} are all active with ${labelKey}=${value}`];
    },
  };
}

export class InvariantMonitor {
  #store: Store;
  #invariants: Invariant[] = [];
  #violations: Violation[] = [];
  #subscriptions: (() => void)[] = [];
  #started = false;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Starts checking; each invariant first replays the history the store still holds. */
  start(): void {
    this.#started = true;
    for (const invariant of this.#invariants) this.#subscribe(invariant);
  }

  stop(): void {
    for (const unsubscribe of this.#subscriptions.splice(0)) unsubscribe();
    this.#started = false;
  }

  /** Registering late is fine: the invariant sees the store's retained history first. */
  register(invariant: Invariant): void {
    if (this.#invariants.some((i) => i.name === invariant.name)) return;
    this.#invariants.push(invariant);
    if (this.#started) this.#subscribe(invariant);
  }

  noTwoActiveJobsPerLabel(labelKey: string): string {
    const invariant = noTwoActiveJobsPerLabel(labelKey);
    this.register(invariant);
    return invariant.name;
  }

  violations(): Violation[] {
    return [...this.#violations];
  }

  /** The violations of one invariant (by name); empty means it held so far. */
  check(name: string): Violation[] {
    if (!this.#invariants.some((i) => i.name === name)) {
      throw new Error(`no invariant named "${name}" is registered; registered: ${this.#invariants.map((i) => i.name).join(", ")}`);
    }
    return this.#violations.filter((v) => v.invariant === name);
  }

  #subscribe(invariant: Invariant): void {
    const since = this.#store.oldestWatchableVersion();
    this.#subscriptions.push(this.#store.watch(undefined, undefined, since, (event) => {
      for (const message of invariant.observe(event)) {
        this.#violations.push({ invariant: invariant.name, message, resourceVersion: event.resourceVersion,
          at: new Date().toISOString() });
      }
    }));
  }
}
