// The pod a Job controller creates from the Job's template: labels, ownerReference and the
// job-tracking finalizer exactly as batch/v1 sets them (1.27+ label names alongside the old ones).

import type { KubeObject } from "../store/types.ts";
import { JOB_TRACKING_FINALIZER } from "./job-reconcile.ts";
import { jobSpec } from "./kube-types.ts";

/** The real generator keeps at most 58 characters of the base name before the 5-char suffix. */
const MAX_GENERATE_NAME_BASE = 58;

export function podFromTemplate(job: KubeObject): KubeObject {
  const name = job.metadata.name ?? "";
  const uid = job.metadata.uid ?? "";
  const template = jobSpec(job).template ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `${name}-`.slice(0, MAX_GENERATE_NAME_BASE),
      namespace: job.metadata.namespace,
      labels: {
        ...template.metadata?.labels,
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid, controller: true, blockOwnerDeletion: true }],
      finalizers: [JOB_TRACKING_FINALIZER],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}
