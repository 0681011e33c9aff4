// One run's view of the cluster: the Job and its pod as the shared informers last saw them, the
// container's terminated state captured from whichever update or DELETED event carried it (C4),
// and "is the Job really gone?" settled by a direct read, never by a cache miss (R11). Events
// only wake the supervisor ("look again"); it reads the state through snapshot().
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { ClusterEvent, NamespaceView } from "../kube/informer-registry.ts";
import type { RunObjects } from "../kube/objects.ts";
import { terminatedOf, timeMs } from "./observe.ts";
import type { ObserveInput, Terminated } from "./observe.ts";

const JOB_NAME_LABELS = ["batch.kubernetes.io/job-name", "job-name"];

export function isPodOfJob(pod: V1Pod, jobName: string): boolean {
  const labels = pod.metadata?.labels ?? {};
  return JOB_NAME_LABELS.some((key) => labels[key] === jobName);
}

export class RunWatch {
  private job: V1Job | null;
  private pod: V1Pod | null = null;
  private terminated: Terminated | null = null;
  private jobGone = false;
  private readonly unsubscribe: () => void;
  /** Everyone waiting for the next change (the supervisor, the log's end-of-stream check). */
  private readonly waiters = new Set<() => void>();
  private checkingGone = false;
  private readonly view: NamespaceView;
  private readonly objects: RunObjects;
  private readonly signal: AbortSignal;
  readonly jobName: string;
  readonly container: string;

  constructor(input: { view: NamespaceView; objects: RunObjects; jobName: string; container: string; job: V1Job; signal: AbortSignal }) {
    this.view = input.view;
    this.objects = input.objects;
    this.signal = input.signal;
    this.jobName = input.jobName;
    this.container = input.container;
    this.job = input.job;
    const view = input.view;
    this.unsubscribe = view.subscribe((event) => this.onEvent(event));
    this.refreshFromCache();
  }

  /** What observe() needs, from the latest state. */
  snapshot(): ObserveInput {
    this.refreshFromCache();
    return { job: this.job, jobGone: this.jobGone, pod: this.pod, terminated: this.terminated, container: this.container };
  }

  podName(): string | null {
    return this.pod?.metadata?.name ?? null;
  }

  /** Resolves at the next change (or after `ms`, or on abort). */
  changed(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.signal.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.signal.addEventListener("abort", done, { once: true });
      this.waiters.add(done);
      if (this.signal.aborted) done();
    });
  }

  /** True once the container is over, waiting up to `ms` for the informers to say so. */
  async containerOverWithin(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (!this.containerOver() && Date.now() < until && !this.signal.aborted) await this.changed(until - Date.now());
    return this.containerOver();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  stop(): void {
    this.unsubscribe();
    this.wake();
  }

  /** The container is over (its terminated state is known) or its pod is gone for good. */
  containerOver(): boolean {
    this.refreshFromCache();
    return this.terminated !== null || this.jobGone;
  }

  /** When the informer never showed the Job's pod (a watch gap), asks the API for it once. */
  async findPod(): Promise<void> {
    if (this.pod) return;
    const pods = await this.objects.listPods(`batch.kubernetes.io/job-name=${this.jobName}`, { signal: this.signal, deadlineMs: 5_000 }).catch(() => []);
    const newest = pods.sort((a, b) => timeMs(b.metadata?.creationTimestamp) - timeMs(a.metadata?.creationTimestamp))[0];
    if (newest) this.capture(newest);
  }

  /** Asks the API directly whether the Job exists (the cache can be stale). True when the
   * API answered (either way); false when it could not be read. */
  async confirmJob(): Promise<boolean> {
    if (this.jobGone) return true;
    if (this.checkingGone) return false;
    this.checkingGone = true;
    try {
      const job = await this.objects.getJob(this.jobName, { signal: this.signal, deadlineMs: 5_000 });
      if (job === null) this.jobGone = true;
      else this.job = job;
      return true;
    } catch {
      // Unknown is not gone (C5): the supervisor asks again later.
      return false;
    } finally {
      this.checkingGone = false;
      this.wake();
    }
  }

  private refreshFromCache(): void {
    const cached = this.view.jobs.get(this.jobName);
    if (cached) this.job = cached;
    const pods = this.view.pods.list().filter((pod) => isPodOfJob(pod, this.jobName));
    const newest = pods.sort((a, b) => timeMs(b.metadata?.creationTimestamp) - timeMs(a.metadata?.creationTimestamp))[0];
    if (newest) this.capture(newest);
  }

  private capture(pod: V1Pod): void {
    this.pod = pod;
    this.terminated ??= terminatedOf(pod, this.container);
  }

  private onEvent(event: ClusterEvent): void {
    if (event.resource === "pods") {
      if (!isPodOfJob(event.object, this.jobName)) return;
      // A DELETED pod's last state still carries the exit code (C4).
      this.capture(event.object);
    } else if (event.resource === "jobs") {
      if (event.object.metadata?.name !== this.jobName) return;
      if (event.type === "DELETED") void this.confirmJob();
      else this.job = event.object;
    } else {
      return;
    }
    this.wake();
  }
}
