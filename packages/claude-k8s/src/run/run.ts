// One run's life, end to end: claim the agent (or adopt its orphaned Job), launch, follow the
// log while supervising the phases, then settle the cluster and give the verdict. Each step
// lives in its own file; this one only orders them and owns the run's scope: when runJob()
// returns, no timer, request, follower or host callback of the run is left.
import { sharedInformers } from "../kube/informer-registry.ts";
import { RunObjects } from "../kube/objects.ts";
import { selectorForAdapter } from "../spec/labels.ts";
import { claimRun } from "./claim-run.ts";
import { collectOrphanSecrets } from "./launch.ts";
import type { RunRequest } from "./request.ts";
import { superviseRun } from "./supervise-run.ts";
import type { RunReport } from "./verdict.ts";

export type { RunRequest, RunTuning } from "./request.ts";

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
