// What really happened, for tests to compare against what a client saw: every line each
// container wrote (including lines rotated away), every object's history, every container exit.

import type { LogLine } from "../kubelet/log-types.ts";
import type { LogStore } from "../kubelet/log-store.ts";
import type { ContainerExitRecord } from "../kubelet/pod-worker.ts";
import type { ResourceType, Store, StoreEvent } from "../store/types.ts";

export interface ContainerLines {
  namespace: string;
  pod: string;
  container: string;
  /** Instances in start order; restarts add one. */
  instance: number;
  lines: readonly LogLine[];
  rotatedAway: number;
}

export class GroundTruth {
  #store: Store;
  #logs: LogStore;
  #exits: ContainerExitRecord[] = [];

  constructor(store: Store, logs: LogStore) {
    this.#store = store;
    this.#logs = logs;
  }

  recordExit(record: ContainerExitRecord): void {
    this.#exits.push(record);
  }

  /** Every line a container wrote, all instances concatenated, including rotated lines. */
  containerLines(namespace: string, pod: string, container: string): LogLine[] {
    return this.allContainerLines().filter((c) => c.namespace === namespace && c.pod === pod && c.container === container)
      .flatMap((c) => [...c.lines]);
  }

  allContainerLines(): ContainerLines[] {
    const instances = new Map<string, number>();
    return this.#logs.all().map((output) => {
      const key = `${output.namespace}/${output.pod}/${output.container}`;
      const instance = instances.get(key) ?? 0;
      instances.set(key, instance + 1);
      return { namespace: output.namespace, pod: output.pod, container: output.container, instance,
        lines: output.allLines(), rotatedAway: output.rotatedCount };
    });
  }

  history(resource: ResourceType, namespace: string | undefined, name: string): StoreEvent[] {
    return this.#store.history(resource, namespace, name);
  }

  containerExits(filter: { namespace?: string; pod?: string } = {}): ContainerExitRecord[] {
    return this.#exits.filter((e) => (filter.namespace === undefined || e.namespace === filter.namespace)
      && (filter.pod === undefined || e.pod === filter.pod));
  }
}
