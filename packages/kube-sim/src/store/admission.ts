// Per-resource admission: defaults applied on create and validation on every write, the way the
// real API server's registry strategies do it. The Job defaults live here and only here.
import type { FieldCause } from "./errors.ts";
import type { KubeObject } from "./types.ts";
import { configDataUpdateProblems, jobUpdateProblems, podUpdateProblems } from "./immutability.ts";
import { defaultPodOnCreate, defaultPodTemplateSpec, qosClassOf } from "./pod-defaults.ts";
import { validateLabels, validateMetadata, validateSecretData } from "./validation.ts";

export interface AdmissionHook {
  /** Defaults and status reset on create; runs after uid and name are assigned. */
  prepareCreate?(object: KubeObject): void;
  /** Runs on create and every update before validation (e.g. Secret stringData → data). */
  normalize?(object: KubeObject): void;
  /** Problems with the object as it would be stored. */
  validate(object: KubeObject): FieldCause[];
  /** Problems with an API update (PUT/PATCH) of `existing` into `next`: immutable fields. */
  validateUpdate?(next: KubeObject, existing: KubeObject): FieldCause[];
}

type Spec = Record<string, unknown>;

function specOf(object: KubeObject): Spec {
  if (typeof object.spec !== "object" || object.spec === null) object.spec = {};
  return object.spec as Spec;
}

function recordAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key];
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

function validateContainers(podSpec: Spec | undefined, field: string): FieldCause[] {
  const containers = podSpec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    return [{ reason: "FieldValueRequired", message: "Required value", field: `${field}.containers` }];
  }
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  containers.forEach((container: { name?: unknown; image?: unknown }, index) => {
    const at = `${field}.containers[${index}]`;
    if (typeof container.name !== "string" || container.name === "") {
      causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${at}.name` });
    } else if (seen.has(container.name)) {
      causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${container.name}"`, field: `${at}.name` });
    } else seen.add(container.name);
    if (typeof container.image !== "string" || container.image === "") {
      causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${at}.image` });
    }
  });
  return causes;
}

export const JOB_ADMISSION: AdmissionHook = {
  prepareCreate(job) {
    const uid = job.metadata.uid ?? "";
    const spec = specOf(job);
    spec.parallelism ??= 1;
    spec.completions ??= 1;
    spec.backoffLimit ??= 6;
    spec.completionMode ??= "NonIndexed";
    spec.suspend ??= false;
    spec.podReplacementPolicy ??= "TerminatingOrFailed";
    if (spec.manualSelector !== true) spec.selector = { matchLabels: { "batch.kubernetes.io/controller-uid": uid } };
    const template = recordAt(spec, "template");
    const labels = recordAt(recordAt(template, "metadata"), "labels");
    Object.assign(labels, {
      "controller-uid": uid, "job-name": job.metadata.name ?? "",
      "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": job.metadata.name ?? "",
    });
    job.status = {};
  },
  normalize(job) {
    const template = recordAt(specOf(job), "template");
    defaultPodTemplateSpec(recordAt(template, "spec"));
  },
  validateUpdate: jobUpdateProblems,
  validate(job) {
    // The name becomes the job-name label value, so it is held to 63 characters.
    const causes = validateMetadata(job, "subdomain", 63);
    const template = (job.spec as Spec | undefined)?.template as { metadata?: { labels?: unknown }; spec?: Spec } | undefined;
    causes.push(...validateLabels(template?.metadata?.labels, "spec.template.metadata.labels"));
    causes.push(...validateContainers(template?.spec, "spec.template.spec"));
    const restartPolicy = template?.spec?.restartPolicy;
    if (restartPolicy !== "Never" && restartPolicy !== "OnFailure") {
      causes.push({ reason: "FieldValueNotSupported", field: "spec.template.spec.restartPolicy",
        message: `Unsupported value: ${JSON.stringify(restartPolicy ?? "")}: supported values: "OnFailure", "Never"` });
    }
    return causes;
  },
};

export const POD_ADMISSION: AdmissionHook = {
  prepareCreate(pod) {
    const spec = specOf(pod);
    defaultPodOnCreate(spec);
    pod.status = { phase: "Pending", qosClass: qosClassOf(spec) };
  },
  normalize(pod) {
    defaultPodTemplateSpec(specOf(pod));
  },
  validateUpdate: podUpdateProblems,
  validate(pod) {
    return [...validateMetadata(pod, "subdomain"), ...validateContainers(pod.spec as Spec | undefined, "spec")];
  },
};

function toBase64Data(secret: KubeObject): void {
  const stringData = secret.stringData;
  if (stringData === undefined) return;
  const data = recordAt(secret, "data");
  for (const [key, value] of Object.entries(stringData as Record<string, unknown>)) {
    data[key] = Buffer.from(String(value), "utf8").toString("base64");
  }
  delete secret.stringData;
}

export const SECRET_ADMISSION: AdmissionHook = {
  prepareCreate(secret) {
    secret.type ??= "Opaque";
  },
  normalize: toBase64Data,
  validateUpdate: configDataUpdateProblems,
  validate(secret) {
    return [...validateMetadata(secret, "subdomain"), ...validateSecretData(secret.data as Record<string, unknown> | undefined)];
  },
};

export const CONFIGMAP_ADMISSION: AdmissionHook = {
  validateUpdate: configDataUpdateProblems,
  validate(configMap) {
    return validateMetadata(configMap, "subdomain");
  },
};

export const NAMESPACE_ADMISSION: AdmissionHook = {
  prepareCreate(namespace) {
    const name = namespace.metadata.name ?? "";
    namespace.metadata.labels = { ...namespace.metadata.labels, "kubernetes.io/metadata.name": name };
    namespace.spec = { finalizers: ["kubernetes"] };
    namespace.status = { phase: "Active" };
  },
  validate(namespace) {
    return validateMetadata(namespace, "label");
  },
};

export const PVC_ADMISSION: AdmissionHook = {
  prepareCreate(claim) {
    claim.status = { phase: "Pending" };
  },
  validate(claim) {
    return validateMetadata(claim, "subdomain");
  },
};

export const DEFAULT_ADMISSION: AdmissionHook = {
  validate(object) {
    return validateMetadata(object, "subdomain");
  },
};

const HOOKS: Record<string, AdmissionHook> = {
  "batch/jobs": JOB_ADMISSION,
  "/pods": POD_ADMISSION,
  "/secrets": SECRET_ADMISSION,
  "/configmaps": CONFIGMAP_ADMISSION,
  "/namespaces": NAMESPACE_ADMISSION,
  "/persistentvolumeclaims": PVC_ADMISSION,
};

export function admissionFor(resource: { group: string; resource: string }): AdmissionHook {
  return HOOKS[`${resource.group}/${resource.resource}`] ?? DEFAULT_ADMISSION;
}
