// The adapter's configuration after parsing and validation: the one shape every other module
// reads. Raw adapterConfig (untyped JSON from Paperclip) becomes this in config/parse.ts.

export type ImagePullPolicy = "Always" | "IfNotPresent" | "Never";

export interface ResourceQuantities {
  cpu?: string;
  memory?: string;
  "ephemeral-storage"?: string;
}

export interface ResourceRequirements {
  requests: ResourceQuantities;
  limits: ResourceQuantities;
}

/** A Kubernetes toleration, as in core/v1. */
export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  tolerationSeconds?: number;
}

export interface ClaudeK8sConfig {
  // What Claude runs.
  model: string | null;
  effort: "low" | "medium" | "high" | "xhigh" | "max" | null;
  maxTurnsPerRun: number | null;
  instructionsFilePath: string | null;
  promptTemplate: string | null;
  bootstrapPromptTemplate: string | null;
  extraArgs: string[];
  /** --dangerously-skip-permissions, as claude_local (default true): the pod is the sandbox. */
  dangerouslySkipPermissions: boolean;
  env: Record<string, string>;
  // Time.
  timeoutSec: number; // 0 = no deadline
  graceSec: number;
  /** Seconds the pod may take to start (scheduling, image pull) before the run ends. */
  scheduleTimeoutSec: number;
  /** Seconds without output before a keepalive status; 0 turns it off. */
  keepaliveSec: number;
  // Where and how the pod runs.
  namespace: string | null; // null = the server's own namespace (in-cluster) or "default"
  image: string | null; // null = the server's own image (in-cluster)
  imagePullPolicy: ImagePullPolicy;
  kubeconfig: string | null; // path; null = in-cluster, then KUBECONFIG / ~/.kube/config
  serviceAccountName: string | null;
  resources: ResourceRequirements;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  affinity: Record<string, unknown> | null;
  labels: Record<string, string>;
  // Lifecycle of the objects.
  ttlSecondsAfterFinished: number;
  retainJobs: boolean;
  reattachOrphanedJobs: boolean;
  // The shared volume (workspace and the Claude session store).
  workspaceVolumeClaim: string | null;
  workspaceMountPath: string | null;
  /** The UI's generic `cwd` (a host key, not a form field of ours): the working directory when
   * the run has no workspace cwd, as under claude_local. */
  cwd: string | null;
}

export interface ConfigIssue {
  field: string;
  message: string; // names the field and says how to fix it
}

export interface ParsedConfig {
  config: ClaudeK8sConfig;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}
