// One run's life, end to end: claim the agent (or adopt its orphaned Job), launch, follow the
// log while supervising the phases, then settle the cluster and give the verdict. Each step
// lives in its own file; this one only orders them and owns the run's scope: when runJob()
// returns, no timer, request, follower or host callback of the run is left.
import type { KubeConfig, V1Job, V1Secret } from "@kubernetes/client-node";
import { sharedInformers } from "../kube/informer-registry.ts";
import type { InformerRegistry } from "../kube/informer-registry.ts";
import { RunObjects } from "../kube/objects.ts";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { CLAUDE_CONTAINER } from "../spec/job.ts";
import { selectorForAdapter } from "../spec/labels.ts";
import type { RunIdentity } from "../spec/labels.ts";
import { claimRun } from "./claim-run.ts";
import { collectOrphanSecrets } from "./launch.ts";
import type { RunHost } from "./host.ts";
import { superviseRun } from "./supervise-run.ts";
import type { RunReport } from "./verdict.ts";

export type RunRequest = {
  kubeConfig: KubeConfig;
  namespace: string;
  identity: RunIdentity;
  plan: { jobName: string; secret: V1Secret; job: V1Job };
  config: Pick<ClaudeK8sConfig, "timeoutSec" | "graceSec" | "scheduleTimeoutSec" | "keepaliveSec" | "retainJobs" | "reattachOrphanedJobs" | "model">;
  /** For the verdict: the env claude ran with, the session it resumed, extra session params. */
  classify: { env: Record<string, string>; resumedSessionId: string | null; sessionParamsExtra: Record<string, unknown> };
  host: RunHost;
  /** The host's signal: an operator's cancellation, or a shutdown (told apart by its reason). */
  signal: AbortSignal;
  registry?: InformerRegistry;
  /** Shorter bounds for tests; production uses the defaults. */
  tuning?: RunTuning;
};

export type RunTuning = {
  /** Bound on reading the agent's Lease and Jobs before failing closed (default 10 s). */
  claimReadDeadlineMs?: number;
  exitEvidenceMs?: number;
  unreachableMs?: number;
  probeEveryMs?: number;
  logIdleTimeoutMs?: number;
  logDrainTimeoutMs?: number;
  /** The drain gives up after this long without progress (default: the follower's, 6 × drainTimeoutMs). */
  logDrainMaxMs?: number;
  /** How long the log may take to end by itself once the container is over. */
  logSettleMs?: number;
};

export const CONTAINER = CLAUDE_CONTAINER;

export async function runJob(request: RunRequest): Promise<RunReport> {
  const scope = new AbortController(); // ends every request of this run when it returns
  const objects = new RunObjects(request.kubeConfig, request.namespace);
  const view = (request.registry ?? sharedInformers).acquire(request.kubeConfig, request.namespace, selectorForAdapter());
  // Beside the claim, not before it: collecting a crash's Secret (S1) must not delay the launch.
  const background: Promise<unknown>[] = [collectOrphanSecrets(objects, scope.signal)];
  try {
    const claimed = await claimRun({ request, objects, scope: scope.signal });
    if (claimed.kind === "refused") return claimed.report;
    return await superviseRun({ request, objects, view, claimed, scope: scope.signal });
  } finally {
    request.host.close();
    scope.abort();
    view.release();
    await Promise.allSettled(background);
  }
}
