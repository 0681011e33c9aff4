// What a run is given: the cluster, who it is for, the manifests, the bounds, and its host.
import type { KubeConfig, V1Job, V1Secret } from "@kubernetes/client-node";
import type { InformerRegistry } from "../kube/informer-registry.ts";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { CLAUDE_CONTAINER } from "../spec/job.ts";
import type { RunIdentity } from "../spec/labels.ts";
import type { RunHost } from "./host.ts";

export const CONTAINER = CLAUDE_CONTAINER;

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


