// The catalogue of configuration fields: one entry per ClaudeK8sConfig key. The UI form
// (getConfigSchema), the configuration doc and the unknown-key check are all generated from
// this list, so a field cannot be documented in one place and forgotten in another.

import type { ClaudeK8sConfig } from "./types.ts";

export type FieldInput = "text" | "select" | "toggle" | "number" | "textarea" | "combobox";

export interface ConfigField {
  key: keyof ClaudeK8sConfig;
  label: string;
  input: FieldInput;
  group: "Claude" | "Time" | "Pod" | "Scheduling" | "Lifecycle" | "Workspace";
  /** The default as the form shows it; undefined when "not set" is the default. */
  default?: unknown;
  /** What the default means, for the doc ("the server's own image"). */
  defaultText: string;
  options?: Array<{ value: string; label: string }>;
  /** Accepted shape and meaning, one or two sentences. */
  hint: string;
}

export const EFFORT_LEVELS = ["low", "medium", "high", "xhigh", "max"] as const;
export const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;

export const DEFAULT_RESOURCES = {
  requests: { cpu: "1", memory: "2Gi" },
  limits: { cpu: "4", memory: "8Gi" },
} as const;

export const CONFIG_FIELDS: readonly ConfigField[] = [
  { key: "model", label: "Model", input: "combobox", group: "Claude", defaultText: "Claude Code's own default",
    hint: "Claude model id passed as --model (for example claude-sonnet-4-5, or a Bedrock id when the server uses Bedrock)." },
  { key: "effort", label: "Reasoning effort", input: "select", group: "Claude", defaultText: "not passed",
    options: [{ value: "", label: "Default" }, ...EFFORT_LEVELS.map((level) => ({ value: level, label: level }))],
    hint: "Passed as --effort: one of low, medium, high, xhigh, max." },
  { key: "maxTurnsPerRun", label: "Max turns per run", input: "number", group: "Claude", defaultText: "no limit",
    hint: "Positive whole number passed as --max-turns; leave empty for no limit." },
  { key: "instructionsFilePath", label: "Instructions file", input: "text", group: "Claude", defaultText: "none",
    hint: "Absolute path of a markdown file appended to the system prompt on fresh sessions." },
  { key: "promptTemplate", label: "Prompt template", input: "textarea", group: "Claude",
    defaultText: "Paperclip's default agent prompt",
    hint: "Run prompt template; {{agent.name}}, {{agentId}}, {{companyId}}, {{runId}}, {{context.*}} are replaced." },
  { key: "bootstrapPromptTemplate", label: "Bootstrap prompt template", input: "textarea", group: "Claude",
    defaultText: "none", hint: "Prepended to the prompt of a fresh session only (never on --resume)." },
  { key: "extraArgs", label: "Extra claude arguments", input: "text", group: "Claude", default: "", defaultText: "none",
    hint: "Appended to the claude command line: a list, or one string split on whitespace. Flags the adapter manages (--print, --output-format, --resume, ...) are refused." },
  { key: "dangerouslySkipPermissions", label: "Skip permission prompts", input: "toggle", group: "Claude", default: true,
    defaultText: "true", hint: "Pass --dangerously-skip-permissions, as claude_local does: the agent runs unattended, isolated in its own non-root pod." },
  { key: "env", label: "Environment variables", input: "textarea", group: "Claude", defaultText: "none",
    hint: "Extra environment for the claude container: an object, or KEY=value lines. PAPERCLIP_API_KEY is refused (the per-run token is injected from a Secret). Values (they may be credentials) travel in the run Secret, never in the Job spec." },
  { key: "timeoutSec", label: "Timeout (seconds)", input: "number", group: "Time", default: 0, defaultText: "0 (no deadline)",
    hint: "Whole seconds before the run is stopped (the Job's activeDeadlineSeconds); 0 means no deadline." },
  { key: "graceSec", label: "Grace period (seconds)", input: "number", group: "Time", default: 20, defaultText: "20",
    hint: "Seconds claude gets between SIGTERM and SIGKILL when a run is stopped (terminationGracePeriodSeconds)." },
  { key: "scheduleTimeoutSec", label: "Start timeout (seconds)", input: "number", group: "Time", default: 600, defaultText: "600",
    hint: "Seconds the pod may take to be scheduled and start its container; past it the run ends with the cause (unschedulable, image pull, ...) and the Event that explains it." },
  { key: "keepaliveSec", label: "Keepalive (seconds)", input: "number", group: "Time", default: 300, defaultText: "300",
    hint: "After this many seconds without output, a quiet status line shows the run is alive (repeated at that interval); 0 turns it off." },
  { key: "namespace", label: "Namespace", input: "text", group: "Pod",
    defaultText: "the server's own namespace in a cluster, else \"default\"", hint: "Kubernetes namespace for the Jobs (a DNS-1123 label)." },
  { key: "image", label: "Image", input: "text", group: "Pod", defaultText: "the server's own image (in a cluster)",
    hint: "Container image that has the claude CLI; required when the server does not run in the cluster." },
  { key: "imagePullPolicy", label: "Image pull policy", input: "select", group: "Pod", default: "IfNotPresent",
    defaultText: "IfNotPresent", options: IMAGE_PULL_POLICIES.map((policy) => ({ value: policy, label: policy })),
    hint: "Always, IfNotPresent or Never." },
  { key: "kubeconfig", label: "Kubeconfig path", input: "text", group: "Pod",
    defaultText: "in-cluster credentials, then $KUBECONFIG, then ~/.kube/config", hint: "Path of a kubeconfig file on the server host." },
  { key: "serviceAccountName", label: "Service account", input: "text", group: "Pod", defaultText: "the namespace's default",
    hint: "Service account of the agent pods (its token is not mounted)." },
  { key: "resources", label: "Resources", input: "textarea", group: "Pod",
    default: DEFAULT_RESOURCES, defaultText: "requests cpu 1, memory 2Gi; limits cpu 4, memory 8Gi",
    hint: "JSON {\"requests\":{\"cpu\",\"memory\"},\"limits\":{...}}; unset entries keep their default, null removes one." },
  { key: "nodeSelector", label: "Node selector", input: "textarea", group: "Scheduling", defaultText: "the server's own pod's",
    hint: "JSON object or key=value lines." },
  { key: "tolerations", label: "Tolerations", input: "textarea", group: "Scheduling", defaultText: "the server's own pod's",
    hint: "JSON array of {key, operator: Exists|Equal, value, effect: NoSchedule|PreferNoSchedule|NoExecute, tolerationSeconds}." },
  { key: "affinity", label: "Affinity", input: "textarea", group: "Scheduling", defaultText: "the server's own pod's",
    hint: "JSON object with nodeAffinity, podAffinity and/or podAntiAffinity, as in a pod spec." },
  { key: "labels", label: "Extra labels", input: "textarea", group: "Scheduling", defaultText: "none",
    hint: "JSON object or key=value lines added to Jobs and pods; keys under paperclip.io/ and app.kubernetes.io/ are reserved and dropped." },
  { key: "ttlSecondsAfterFinished", label: "Keep finished Jobs (seconds)", input: "number", group: "Lifecycle",
    default: 300, defaultText: "300", hint: "ttlSecondsAfterFinished of each Job, when Jobs are retained." },
  { key: "retainJobs", label: "Retain finished Jobs", input: "toggle", group: "Lifecycle", default: false, defaultText: "false",
    hint: "Keep each Job after its run (for debugging) instead of deleting it once the result is read." },
  { key: "reattachOrphanedJobs", label: "Reattach orphaned Jobs", input: "toggle", group: "Lifecycle", default: true,
    defaultText: "true", hint: "After a server restart, adopt a still-running Job of the same agent, task and session instead of starting a new one." },
  { key: "workspaceVolumeClaim", label: "Workspace volume claim", input: "text", group: "Workspace",
    defaultText: "the claim the server's own pod mounts, if any",
    hint: "PersistentVolumeClaim shared with the server: holds workspaces and Claude sessions. Without one, sessions cannot resume across pods." },
  { key: "workspaceMountPath", label: "Workspace mount path", input: "text", group: "Workspace",
    defaultText: "where the server's own pod mounts the claim",
    hint: "Absolute path where the claim is mounted, the same path the server sees." },
];
