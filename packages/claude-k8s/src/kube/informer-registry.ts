// One shared pair of informers (Jobs and pods) per (cluster, namespace, label selector) for the
// whole process: N concurrent runs open a constant number of watch connections and make no
// periodic GETs. A run acquires a view, reads the caches, subscribes to "look again" events and
// releases the view when it ends; the informers stop when the last view is released.
import { BatchV1Api, CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import type { KubeConfig, V1Job, V1Lease, V1Pod } from "@kubernetes/client-node";
import type { KubeError } from "./errors.ts";
import { watchResources } from "./watch.ts";
import type { ResourceCache, WatchEventType } from "./watch.ts";

export type ClusterEvent =
  | { resource: "jobs"; type: WatchEventType; object: V1Job }
  | { resource: "pods"; type: WatchEventType; object: V1Pod }
  | { resource: "leases"; type: WatchEventType; object: V1Lease };

export type NamespaceView = {
  jobs: ResourceCache<V1Job>;
  pods: ResourceCache<V1Pod>;
  leases: ResourceCache<V1Lease>;
  /** Resolves once the Job and pod caches hold a first list (or the view is released). */
  synced: Promise<void>;
  /** Every change the informers apply, after the cache holds it. Returns the unsubscribe. */
  subscribe(listener: (event: ClusterEvent) => void): () => void;
  /** The last error either informer met, if the watch is currently failing. */
  lastError(): KubeError | null;
  release(): void;
};

type Shared = {
  abort: AbortController;
  jobs: ResourceCache<V1Job>;
  pods: ResourceCache<V1Pod>;
  leases: ResourceCache<V1Lease>;
  synced: Promise<void>;
  listeners: Set<(event: ClusterEvent) => void>;
  users: number;
  lastError: () => KubeError | null;
  done: Promise<void>;
};

export const INFORMERS_PER_NAMESPACE = 3;

export type InformerSettings = { resyncMs?: number; silenceMs?: number };

export class InformerRegistry {
  private readonly shared = new Map<string, Shared>();
  private readonly settings: InformerSettings;
  /** Informers not yet wound down (stopped or running). */
  private readonly winding = new Set<Promise<void>>();

  constructor(settings: InformerSettings = {}) {
    this.settings = settings;
  }

  acquire(kubeConfig: KubeConfig, namespace: string, labelSelector: string): NamespaceView {
    const key = JSON.stringify([kubeConfig.getCurrentCluster()?.server, kubeConfig.getCurrentUser()?.name, namespace, labelSelector]);
    let entry = this.shared.get(key);
    if (!entry) {
      entry = this.start(kubeConfig, namespace, labelSelector);
      this.shared.set(key, entry);
    }
    entry.users += 1;
    return this.view(key, entry);
  }

  /** Watch connections this registry keeps open (three per shared entry: Jobs, pods, Leases). */
  openInformers(): number {
    return this.shared.size * INFORMERS_PER_NAMESPACE;
  }

  /** Resolves when every informer without users has wound down (tests: nothing left open). */
  async idle(): Promise<void> {
    await Promise.all([...this.winding]);
  }

  private view(key: string, entry: Shared): NamespaceView {
    let released = false;
    const mine = new Set<(event: ClusterEvent) => void>();
    return {
      jobs: entry.jobs,
      pods: entry.pods,
      leases: entry.leases,
      synced: entry.synced,
      lastError: entry.lastError,
      subscribe: (listener) => {
        entry.listeners.add(listener);
        mine.add(listener);
        return () => { entry.listeners.delete(listener); mine.delete(listener); };
      },
      release: () => {
        if (released) return;
        released = true;
        for (const listener of mine) entry.listeners.delete(listener);
        entry.users -= 1;
        if (entry.users === 0 && this.shared.get(key) === entry) {
          this.shared.delete(key);
          entry.abort.abort();
        }
      },
    };
  }

  private start(kubeConfig: KubeConfig, namespace: string, labelSelector: string): Shared {
    const abort = new AbortController();
    const listeners = new Set<(event: ClusterEvent) => void>();
    const state: { error: KubeError | null } = { error: null };
    const notify = (event: ClusterEvent): void => {
      state.error = null;
      for (const listener of [...listeners]) listener(event);
    };
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
    const common = { kubeConfig, labelSelector, signal: abort.signal, ...this.settings, onError: (error: KubeError) => { state.error = error; } };
    const jobsSynced = Promise.withResolvers<void>();
    const podsSynced = Promise.withResolvers<void>();
    // A view released before the first list must not wait for ever.
    abort.signal.addEventListener("abort", () => { jobsSynced.resolve(); podsSynced.resolve(); }, { once: true });
    const jobs = watchResources<V1Job>({
      ...common, path: `/apis/batch/v1/namespaces/${namespace}/jobs`, onSynced: jobsSynced.resolve,
      list: () => batch.listNamespacedJob({ namespace, labelSelector }),
      onEvent: (type, object) => notify({ resource: "jobs", type, object }),
    });
    const pods = watchResources<V1Pod>({
      ...common, path: `/api/v1/namespaces/${namespace}/pods`, onSynced: podsSynced.resolve,
      list: () => core.listNamespacedPod({ namespace, labelSelector }),
      onEvent: (type, object) => notify({ resource: "pods", type, object }),
    });
    // Leases: a run answers a liveness ping on its agent's Lease when it sees one (lease-keeper.ts).
    const leases = watchResources<V1Lease>({
      ...common, path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
      list: () => coordination.listNamespacedLease({ namespace, labelSelector }),
      onEvent: (type, object) => notify({ resource: "leases", type, object }),
    });
    const done = Promise.all([jobs.done, pods.done, leases.done]).then(() => undefined);
    this.winding.add(done);
    void done.then(() => this.winding.delete(done));
    return {
      abort, listeners, users: 0, jobs: jobs.cache, pods: pods.cache, leases: leases.cache, done,
      synced: Promise.all([jobsSynced.promise, podsSynced.promise]).then(() => undefined),
      lastError: () => state.error,
    };
  }
}

/** The process-wide registry every execute() shares. */
export const sharedInformers = new InformerRegistry();
