// The rules a DELETE is checked against before anything changes: preconditions (409 Conflict
// with the real wording) and the grace period a pod gets.
import { conflict } from "./errors.ts";
import type { ResourceDefinition } from "./resources.ts";
import type { DeleteOptions, KubeObject } from "./types.ts";

export function checkPreconditions(def: ResourceDefinition, existing: KubeObject, options: DeleteOptions): void {
  const { uid, resourceVersion } = options.preconditions ?? {};
  const name = existing.metadata.name ?? "";
  if (uid !== undefined && uid !== existing.metadata.uid) {
    throw conflict(def, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
  }
  if (resourceVersion !== undefined && resourceVersion !== existing.metadata.resourceVersion) {
    throw conflict(def, name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, `
      + `ResourceVersion in object meta: ${existing.metadata.resourceVersion}`);
  }
}

/**
 * The grace a pod deletion gets, as the pod registry decides it: the request's
 * gracePeriodSeconds, else the pod's terminationGracePeriodSeconds, else 30; none for a pod that
 * is not scheduled or has finished.
 */
export function podGracePeriod(pod: KubeObject, options: DeleteOptions): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === "Succeeded" || phase === "Failed") return 0;
  return Math.max(0, options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30);
}
