// Launch: the run Secret, then the Job, then the Secret's ownerReference to the Job (so the
// garbage collector takes the Secret with the Job). A Job that cannot be created takes its
// Secret with it at once (S2); a Secret left by a crash between the two creates is collected
// by a later launch in the same namespace, found by its labels and age (S1).
import type { V1Job, V1Secret } from "@kubernetes/client-node";
import { classifyKubeError, isAlreadyExists } from "../kube/errors.ts";
import type { KubeError } from "../kube/errors.ts";
import type { RunObjects } from "../kube/objects.ts";
import { ANNOTATION, LABEL, selectorForAdapter } from "../spec/labels.ts";
import { ownerPatch } from "../spec/secret.ts";

/** A run Secret with no owner this old, whose Job does not exist, was left by a crash (S1). */
export const ORPHAN_SECRET_AGE_MS = 10 * 60_000;

export type LaunchInput = {
  objects: RunObjects;
  secret: V1Secret;
  job: V1Job;
  signal: AbortSignal;
  /** Called right before the Job create request (the host's dispatch boundary). */
  onDispatch: () => void;
};

export type Launched = { job: V1Job; secretOwned: boolean };
export type LaunchOutcome = { ok: true; launched: Launched } | { ok: false; error: KubeError; stage: "secret" | "job" };

export async function launchRun(input: LaunchInput): Promise<LaunchOutcome> {
  const { objects, signal } = input;
  const jobName = input.job.metadata?.name ?? "";
  let secret: V1Secret;
  try {
    secret = await createOrReuse(() => objects.createSecret(input.secret, { signal }), () => findOwn(objects, input.secret, signal));
  } catch (error) {
    return { ok: false, error: classifyKubeError(error), stage: "secret" };
  }
  input.onDispatch();
  let job: V1Job;
  try {
    job = await createOrReuse(() => objects.createJob(input.job, { signal }), async () => (await objects.getJob(jobName, { signal })) ?? undefined);
  } catch (error) {
    // Not aborted by us mid-flight: the Secret would otherwise wait for the collector.
    await objects.deleteSecret(secret.metadata?.name ?? "", secret.metadata?.uid, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    return { ok: false, error: classifyKubeError(error), stage: "job" };
  }
  const owned = await objects.patchSecret(secret.metadata?.name ?? "", ownerPatch(job), { signal, deadlineMs: 10_000 })
    .then((patched) => patched !== null, () => false);
  return { ok: true, launched: { job, secretOwned: owned } };
}

/** A create whose answer was lost is retried into a 409: then the object is ours already. */
async function createOrReuse<T>(create: () => Promise<T>, existing: () => Promise<T | undefined>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const found = await existing();
    if (found === undefined) throw error;
    return found;
  }
}

async function findOwn(objects: RunObjects, secret: V1Secret, signal: AbortSignal): Promise<V1Secret | undefined> {
  const name = secret.metadata?.name ?? "";
  const runId = secret.metadata?.annotations?.[ANNOTATION.runId];
  const found = (await objects.listSecrets(selectorForAdapter(), { signal })).find((s) => s.metadata?.name === name);
  return found && found.metadata?.annotations?.[ANNOTATION.runId] === runId ? found : undefined;
}

/**
 * Deletes run Secrets that no Job owns, older than ORPHAN_SECRET_AGE_MS, whose Job does not
 * exist (a crash between the Secret and the Job). Returns the names deleted. Never throws.
 */
export async function collectOrphanSecrets(objects: RunObjects, signal: AbortSignal, now: number = Date.now()): Promise<string[]> {
  const deleted: string[] = [];
  try {
    const secrets = await objects.listSecrets(`${selectorForAdapter()},${LABEL.component}=agent-run`, { signal, deadlineMs: 10_000 });
    for (const secret of secrets.filter((s) => isOrphanCandidate(s, now))) {
      const name = secret.metadata?.name ?? "";
      const jobName = name.replace(/-run$/, "");
      if (await objects.getJob(jobName, { signal, deadlineMs: 10_000 })) continue;
      await objects.deleteSecret(name, secret.metadata?.uid, { signal, deadlineMs: 10_000 });
      deleted.push(name);
    }
  } catch {
    // Best effort: the next launch in this namespace looks again.
  }
  return deleted;
}

export function isOrphanCandidate(secret: V1Secret, now: number): boolean {
  if ((secret.metadata?.ownerReferences ?? []).length > 0) return false;
  const created = Date.parse(secret.metadata?.annotations?.[ANNOTATION.createdAt] ?? String(secret.metadata?.creationTimestamp ?? ""));
  return Number.isFinite(created) && now - created >= ORPHAN_SECRET_AGE_MS;
}
