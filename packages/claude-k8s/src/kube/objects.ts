// The handful of object calls a run makes, each behind the one retry policy (transient errors
// only) and each cancellable: a request carries its caller's AbortSignal to the socket, so an
// aborted run leaves no request open. NotFound answers are values (null / false), not errors.
import {
  BatchV1Api, CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions,
} from "@kubernetes/client-node";
import type {
  ConfigurationOptions, CoreV1Event, KubeConfig, V1Job, V1Lease, V1Pod, V1Secret,
} from "@kubernetes/client-node";
import { Observable } from "@kubernetes/client-node/dist/gen/rxjsStub.js";
import type { RequestContext } from "@kubernetes/client-node/dist/gen/http/http.js";
import { isNotFound } from "./errors.ts";
import { withRetry } from "./retry.ts";

export type CallOptions = { signal: AbortSignal; deadlineMs?: number };

/** client-node options that tie one request's socket to `signal`. */
export function requestSignal(signal: AbortSignal, base?: ConfigurationOptions): ConfigurationOptions {
  const middleware = {
    pre: (request: RequestContext) => { request.setSignal(signal); return new Observable(Promise.resolve(request)); },
    post: <T>(response: T) => new Observable(Promise.resolve(response)),
  };
  return { ...base, middleware: [...(base?.middleware ?? []), middleware], middlewareMergeStrategy: "append" } as ConfigurationOptions;
}

const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class RunObjects {
  readonly namespace: string;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;

  constructor(kubeConfig: KubeConfig, namespace: string) {
    this.namespace = namespace;
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  private call<T>(options: CallOptions, operation: (config: ConfigurationOptions) => Promise<T>): Promise<T> {
    const config = requestSignal(options.signal);
    return withRetry(() => operation(config), {
      signal: options.signal, deadlineMs: options.deadlineMs ?? 30_000, maxAttempts: Infinity,
    });
  }

  private orNull<T>(options: CallOptions, operation: (config: ConfigurationOptions) => Promise<T>): Promise<T | null> {
    return this.call(options, operation).catch((error: unknown) => {
      if (isNotFound(error)) return null;
      throw error;
    });
  }

  getJob(name: string, o: CallOptions): Promise<V1Job | null> {
    return this.orNull(o, (c) => this.batch.readNamespacedJob({ name, namespace: this.namespace }, c));
  }

  async listJobs(labelSelector: string, o: CallOptions): Promise<V1Job[]> {
    return (await this.call(o, (c) => this.batch.listNamespacedJob({ namespace: this.namespace, labelSelector }, c))).items;
  }

  createJob(body: V1Job, o: CallOptions): Promise<V1Job> {
    // Not retried blindly: a create that reached the server but lost its answer would 409.
    return this.call({ ...o, deadlineMs: o.deadlineMs ?? 15_000 }, (c) => this.batch.createNamespacedJob({ namespace: this.namespace, body }, c));
  }

  patchJob(name: string, body: object, o: CallOptions): Promise<V1Job | null> {
    return this.orNull(o, (c) => this.batch.patchNamespacedJob({ name, namespace: this.namespace, body }, merged(c)));
  }

  /** Background propagation: the pod and the owned Secret go too. False when already gone. */
  async deleteJob(name: string, o: CallOptions): Promise<boolean> {
    const done = await this.orNull(o, (c) => this.batch.deleteNamespacedJob({ name, namespace: this.namespace, propagationPolicy: "Background" }, c));
    return done !== null;
  }

  createSecret(body: V1Secret, o: CallOptions): Promise<V1Secret> {
    return this.call(o, (c) => this.core.createNamespacedSecret({ namespace: this.namespace, body }, c));
  }

  patchSecret(name: string, body: object, o: CallOptions): Promise<V1Secret | null> {
    return this.orNull(o, (c) => this.core.patchNamespacedSecret({ name, namespace: this.namespace, body }, merged(c)));
  }

  /** With a uid precondition: never deletes a same-named successor. */
  async deleteSecret(name: string, uid: string | undefined, o: CallOptions): Promise<void> {
    const body = uid ? { preconditions: { uid } } : {};
    await this.orNull(o, (c) => this.core.deleteNamespacedSecret({ name, namespace: this.namespace, body }, c));
  }

  async listSecrets(labelSelector: string, o: CallOptions): Promise<V1Secret[]> {
    return (await this.call(o, (c) => this.core.listNamespacedSecret({ namespace: this.namespace, labelSelector }, c))).items;
  }

  getPod(name: string, o: CallOptions): Promise<V1Pod | null> {
    return this.orNull(o, (c) => this.core.readNamespacedPod({ name, namespace: this.namespace }, c));
  }

  async listPods(labelSelector: string, o: CallOptions): Promise<V1Pod[]> {
    return (await this.call(o, (c) => this.core.listNamespacedPod({ namespace: this.namespace, labelSelector }, c))).items;
  }

  /** Events about one object, newest last (they explain what status does not). */
  async eventsFor(kind: string, name: string, o: CallOptions): Promise<CoreV1Event[]> {
    const fieldSelector = `involvedObject.kind=${kind},involvedObject.name=${name}`;
    const list = await this.call(o, (c) => this.core.listNamespacedEvent({ namespace: this.namespace, fieldSelector }, c));
    return [...list.items].sort((a, b) => eventTime(a) - eventTime(b));
  }

  getLease(name: string, o: CallOptions): Promise<V1Lease | null> {
    return this.orNull(o, (c) => this.coordination.readNamespacedLease({ name, namespace: this.namespace }, c));
  }

  /** Not retried: a 409 is an answer (someone else holds it), and a lost answer is settled by a re-read. */
  createLease(body: V1Lease, o: CallOptions): Promise<V1Lease> {
    return this.coordination.createNamespacedLease({ namespace: this.namespace, body }, requestSignal(o.signal));
  }

  /** body.metadata.resourceVersion guards it: 409 when someone wrote in between. Not retried. */
  replaceLease(body: V1Lease, o: CallOptions): Promise<V1Lease> {
    const name = body.metadata?.name ?? "";
    return this.coordination.replaceNamespacedLease({ name, namespace: this.namespace, body }, requestSignal(o.signal));
  }

  /** Deletes only the version we wrote (precondition); someone else's newer Lease stays. */
  async deleteLease(name: string, resourceVersion: string | undefined, o: CallOptions): Promise<void> {
    const body = resourceVersion ? { preconditions: { resourceVersion } } : {};
    await this.orNull(o, (c) => this.coordination.deleteNamespacedLease({ name, namespace: this.namespace, body }, c));
  }
}

function merged(config: ConfigurationOptions): ConfigurationOptions {
  return { ...config, middleware: [...(config.middleware ?? []), ...(MERGE_PATCH.middleware ?? [])] } as ConfigurationOptions;
}

function eventTime(event: CoreV1Event): number {
  const at = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return at ? new Date(at as unknown as string).getTime() : 0;
}
