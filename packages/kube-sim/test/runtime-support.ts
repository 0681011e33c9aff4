// Shared setup for the runtime's end-to-end tests: a MemoryStore with the runtime started on it,
// waiting helpers driven by store watches (no polling), and manifest builders.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryStore } from "../src/store/memory-store.ts";
import { JOBS, PODS } from "../src/store/resources.ts";
import type { KubeObject, ResourceType, StoreEvent } from "../src/store/types.ts";
import { startRuntime, type Runtime, type RuntimeOptions } from "../src/runtime/index.ts";

export interface World {
  store: MemoryStore;
  runtime: Runtime;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startWorld(options: RuntimeOptions = {}): Promise<World> {
  const store = new MemoryStore();
  const dataDir = await mkdtemp(path.join(tmpdir(), "kube-sim-rt-test-"));
  const runtime = startRuntime(store, { dataDir, imagePullBackOffMs: 100, configRetryMs: 100, ...options });
  return {
    store, runtime, dataDir,
    async stop() {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first version of the object (or DELETED event) that satisfies `predicate`. */
export function waitFor(store: MemoryStore, resource: ResourceType, namespace: string, name: string,
  predicate: (object: KubeObject | undefined, event?: StoreEvent) => boolean, timeoutMs = 10_000): Promise<KubeObject | undefined> {
  const current = store.tryGet(resource, namespace, name);
  if (predicate(current)) return Promise.resolve(current);
  return new Promise((resolve, reject) => {
    let last: KubeObject | undefined = current;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${resource.resource} ${namespace}/${name}; last: ${JSON.stringify(last)}`));
    }, timeoutMs);
    const unsubscribe = store.watch(resource, namespace, undefined, (event) => {
      if (event.object.metadata.name !== name) return;
      last = event.object;
      const object = event.type === "DELETED" ? undefined : event.object;
      if (!predicate(object, event)) return;
      clearTimeout(timer);
      queueMicrotask(unsubscribe);
      resolve(object ?? event.object);
    });
  });
}

export function conditionTypes(object: KubeObject | undefined): string[] {
  const conditions = (object?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.filter((c) => c.status === "True").map((c) => c.type);
}

export function jobFinished(job: KubeObject | undefined): boolean {
  const types = conditionTypes(job);
  return types.includes("Complete") || types.includes("Failed");
}

export function createJob(store: MemoryStore, name: string, script: string, spec: Record<string, unknown> = {},
  podSpec: Record<string, unknown> = {}): KubeObject {
  return store.create(JOBS, {
    apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace: "default", labels: { app: "test" } },
    spec: {
      backoffLimit: 0, ...spec,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }], ...podSpec } },
    },
  });
}

export function createPod(store: MemoryStore, name: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): KubeObject {
  return store.create(PODS, { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", ...metadata },
    spec: { restartPolicy: "Never", ...spec } });
}

export function podsOf(store: MemoryStore, job: string): KubeObject[] {
  return store.list(PODS, "default", { labelSelector: `batch.kubernetes.io/job-name=${job}` }).items;
}

/** Every committed version of an object, oldest first (from the store's history). */
export function versions(store: MemoryStore, resource: ResourceType, name: string): KubeObject[] {
  return store.history(resource, "default", name).map((event) => event.object);
}

export function containerState(pod: KubeObject | undefined, container = "main"): Record<string, Record<string, unknown>> {
  const statuses = (pod?.status as { containerStatuses?: { name: string; state: Record<string, Record<string, unknown>> }[] } | undefined)
    ?.containerStatuses ?? [];
  return statuses.find((s) => s.name === container)?.state ?? {};
}

export function phase(pod: KubeObject | undefined): string | undefined {
  return (pod?.status as { phase?: string } | undefined)?.phase;
}
