// Read-only questions to the API server, each bounded in time: is it there, may I do this, does
// this namespace / claim / pod exist. Every answer is a value (never a throw), so a caller can
// run many at once and report each; an API server that does not answer costs at most
// `timeoutMs` per question, never a hang.
import {
  AuthorizationV1Api, CoreV1Api, Observable, VersionApi,
  type ConfigurationOptions, type KubeConfig, type ObservableMiddleware, type RequestContext, type ResponseContext,
  type V1PersistentVolumeClaim, type V1Pod,
} from "@kubernetes/client-node";
import { classifyKubeError, type KubeError } from "./errors.ts";

export type Probe<T> = { ok: true; value: T } | { ok: false; error: KubeError };

export const DEFAULT_PROBE_TIMEOUT_MS = 4000;

export interface ProbeOptions {
  timeoutMs?: number;
  /** Aborts every question early (the caller gave up). */
  signal?: AbortSignal;
}

export interface AccessQuestion {
  namespace?: string;
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  name?: string;
}

export interface AccessAnswer {
  allowed: boolean;
  /** The authorizer's reason or evaluation error, when it gave one. */
  reason: string | null;
}

/** Puts an AbortSignal on every request an API client makes. */
function withSignal(signal: AbortSignal): ConfigurationOptions<ObservableMiddleware> {
  // The object-parameter API clients take the observable middleware form (as client-node's own
  // setHeaderOptions builds it).
  const middleware: ObservableMiddleware = {
    pre: (context: RequestContext) => { context.setSignal(signal); return new Observable(Promise.resolve(context)); },
    post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: "append" };
}

/** Runs one request under a deadline; a timeout becomes a transient error that says so. */
async function bounded<T>(options: ProbeOptions, call: (config: ConfigurationOptions<ObservableMiddleware>) => Promise<T>): Promise<Probe<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  try {
    return { ok: true, value: await call(withSignal(signal)) };
  } catch (error) {
    if (deadline.aborted && !options.signal?.aborted) {
      return { ok: false, error: { kind: "transient", code: null, reason: "Timeout", retryAfterMs: null, status: null,
        message: `no answer from the API server within ${timeoutMs} ms` } };
    }
    return { ok: false, error: classifyKubeError(error) };
  }
}

/** GET /version: the cheapest request that proves the API server answers and accepts us. */
export function probeApiServer(kubeConfig: KubeConfig, options: ProbeOptions = {}): Promise<Probe<string>> {
  const api = kubeConfig.makeApiClient(VersionApi);
  return bounded(options, async (config) => {
    const info = await api.getCode({}, config);
    return info.gitVersion;
  });
}

/** One SelfSubjectAccessReview: may the caller do `verb` on `resource`? */
export function reviewAccess(kubeConfig: KubeConfig, question: AccessQuestion, options: ProbeOptions = {}): Promise<Probe<AccessAnswer>> {
  const api = kubeConfig.makeApiClient(AuthorizationV1Api);
  const resourceAttributes = {
    group: question.group, resource: question.resource, verb: question.verb,
    ...(question.subresource ? { subresource: question.subresource } : {}),
    ...(question.namespace ? { namespace: question.namespace } : {}),
    ...(question.name ? { name: question.name } : {}),
  };
  return bounded(options, async (config) => {
    const review = await api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes } } }, config);
    const status = review.status;
    return { allowed: status?.allowed === true, reason: status?.reason ?? status?.evaluationError ?? null };
  });
}

export type NamespaceState = "exists" | "missing" | "unknown";

/**
 * Whether a namespace exists. Reading it needs a cluster-wide permission the adapter's Role does
 * not grant, so on 403 this asks again with a dry-run Secret create in it (nothing is stored):
 * the API server answers 404 "namespaces ... not found" for a missing namespace.
 */
export async function namespaceState(kubeConfig: KubeConfig, namespace: string, options: ProbeOptions = {}): Promise<Probe<NamespaceState>> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const read = await bounded(options, (config) => core.readNamespace({ name: namespace }, config));
  if (read.ok) return { ok: true, value: "exists" };
  if (read.error.kind === "notFound") return { ok: true, value: "missing" };
  if (read.error.kind !== "forbidden") return read;
  const body = { metadata: { generateName: "namespace-probe-" }, type: "Opaque" };
  const dry = await bounded(options, (config) => core.createNamespacedSecret({ namespace, body, dryRun: "All" }, config));
  if (dry.ok) return { ok: true, value: "exists" };
  if (dry.error.kind === "notFound") return { ok: true, value: "missing" };
  if (dry.error.kind === "forbidden") return { ok: true, value: "unknown" };
  return dry;
}

/** A PersistentVolumeClaim, or null when it does not exist. */
export async function readClaim(kubeConfig: KubeConfig, namespace: string, name: string, options: ProbeOptions = {}): Promise<Probe<V1PersistentVolumeClaim | null>> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const read = await bounded(options, (config) => core.readNamespacedPersistentVolumeClaim({ namespace, name }, config));
  if (!read.ok && read.error.kind === "notFound") return { ok: true, value: null };
  return read;
}

/** A pod, or null when it does not exist. */
export async function readPod(kubeConfig: KubeConfig, namespace: string, name: string, options: ProbeOptions = {}): Promise<Probe<V1Pod | null>> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const read = await bounded(options, (config) => core.readNamespacedPod({ namespace, name }, config));
  if (!read.ok && read.error.kind === "notFound") return { ok: true, value: null };
  return read;
}

/** The claim's access modes: what it was bound with (status), else what it asked for (spec). */
export function claimAccessModes(claim: V1PersistentVolumeClaim): string[] {
  return claim.status?.accessModes ?? claim.spec?.accessModes ?? [];
}
