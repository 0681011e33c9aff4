// testEnvironment: what can be said from the config alone, then what the cluster says
// (environment-cluster.ts), then what the server's own execution policy means for this adapter.

import type {
  AdapterEnvironmentCheck,
  AdapterEnvironmentTestContext,
  AdapterEnvironmentTestResult,
  AdapterEnvironmentTestStatus,
} from "@paperclipai/adapter-utils";
import type { ClaudeK8sConfig, ParsedConfig } from "../config/types.ts";
import { parseAdapterConfig } from "./config.ts";
import { clusterEnvironmentChecks, type ClusterCheckOptions } from "./environment-cluster.ts";
import { ADAPTER_TYPE } from "./face.ts";

function issueChecks(parsed: ParsedConfig): AdapterEnvironmentCheck[] {
  const errors = parsed.errors.map((issue): AdapterEnvironmentCheck => ({
    code: "k8s_config_invalid", level: "error", message: issue.message, detail: `field: ${issue.field}`,
  }));
  const warnings = parsed.warnings.map((issue): AdapterEnvironmentCheck => ({
    code: "k8s_config_warning", level: "warn", message: issue.message, detail: `field: ${issue.field}`,
  }));
  return [...errors, ...warnings];
}

function placementChecks(config: ClaudeK8sConfig): AdapterEnvironmentCheck[] {
  const checks: AdapterEnvironmentCheck[] = [];
  if (!config.workspaceVolumeClaim) {
    checks.push({
      code: "k8s_no_shared_volume", level: "warn",
      message: "No workspaceVolumeClaim is configured: unless the server's own pod mounts a shared claim, each run's pod starts without the previous Claude session store, so sessions cannot resume across pods and runs start fresh.",
      hint: "Set workspaceVolumeClaim to a ReadWriteMany PersistentVolumeClaim that the Paperclip server mounts too.",
    });
  }
  if (!config.image) {
    checks.push({
      code: "k8s_image_inherited", level: "info",
      message: "No image is configured: Jobs use the Paperclip server's own image, which only works when the server runs in the cluster.",
      hint: "Set image to an image that contains the claude CLI when the server runs outside the cluster.",
    });
  }
  if (config.timeoutSec === 0) {
    checks.push({ code: "k8s_no_deadline", level: "info", message: "timeoutSec is 0: runs have no deadline." });
  }
  return checks;
}

/**
 * The server's forced sandbox policy. It reads PAPERCLIP_EXECUTION_MODE at boot
 * (@paperclipai/server dist/services/execution-policy-bootstrap.js: "kubernetes" or "any") into
 * the instance setting general.executionMode; heartbeat.js then puts every run on its managed
 * Kubernetes sandbox environment, or refuses the run when none is configured. The
 * managed-sandbox-only policy (experimental.enableManagedSandboxOnly, an instance setting that
 * lives in the database) is not visible here.
 */
export function executionPolicyChecks(env: Record<string, string | undefined>): AdapterEnvironmentCheck[] {
  if (env.PAPERCLIP_EXECUTION_MODE?.trim() !== "kubernetes") return [];
  return [{
    code: "k8s_server_forces_sandbox", level: "warn",
    message: "The server forces sandboxed execution (PAPERCLIP_EXECUTION_MODE=kubernetes): it refuses every run unless its own managed Kubernetes sandbox environment is configured, and acquires that sandbox for each run before calling this adapter. claude_k8s does not run claude in that sandbox: it runs its own Job in its own namespace, with this configuration. The sandbox's settings (PAPERCLIP_K8S_* such as namespace prefix, runtime class, egress mode) do not apply to these Jobs.",
    hint: "Either give the claude_k8s namespace the isolation the policy expects (network policy, runtime class via the namespace's defaults, RBAC), or use Paperclip's built-in adapters on its sandbox instead of claude_k8s.",
  }];
}

/** Settings that decide which cluster and namespace the cluster checks ask. */
const CLUSTER_FIELDS: readonly string[] = ["kubeconfig", "namespace"];

export function statusOf(checks: readonly AdapterEnvironmentCheck[]): AdapterEnvironmentTestStatus {
  if (checks.some((check) => check.level === "error")) return "fail";
  if (checks.some((check) => check.level === "warn")) return "warn";
  return "pass";
}

/** Config-only environment checks, in the order the UI lists them. */
export function configEnvironmentChecks(rawConfig: unknown): AdapterEnvironmentCheck[] {
  return checksOfParsed(parseAdapterConfig(rawConfig));
}

function checksOfParsed(parsed: ParsedConfig): AdapterEnvironmentCheck[] {
  const checks = issueChecks(parsed);
  if (parsed.errors.length === 0) {
    checks.unshift({ code: "k8s_config_valid", level: "info", message: "The adapter configuration is valid." });
  }
  checks.push(...placementChecks(parsed.config));
  return checks;
}

export interface TestEnvironmentOptions extends Partial<ClusterCheckOptions> {
  /** Injectable so tests can pin testedAt. */
  now?: () => Date;
}

export async function testEnvironment(
  ctx: AdapterEnvironmentTestContext,
  options: TestEnvironmentOptions = {},
): Promise<AdapterEnvironmentTestResult> {
  const env = options.env ?? process.env;
  const parsed = parseAdapterConfig(ctx.config);
  const checks = checksOfParsed(parsed);
  // Asking a cluster picked from a broken setting would mislead (another namespace, no kubeconfig).
  const blocking = parsed.errors.filter((issue) => CLUSTER_FIELDS.includes(issue.field));
  if (blocking.length > 0) {
    checks.push({ code: "k8s_cluster_not_checked", level: "info",
      message: `The cluster was not checked: fix ${blocking.map((issue) => issue.field).join(", ")} first.` });
  } else {
    checks.push(...await clusterEnvironmentChecks(parsed.config, { ...options, env }));
  }
  checks.push(...executionPolicyChecks(env));
  const now = options.now ?? (() => new Date());
  return { adapterType: ADAPTER_TYPE, status: statusOf(checks), checks, testedAt: now().toISOString() };
}
