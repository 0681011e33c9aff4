// testEnvironment, pure part: what can be said from the config alone. Cluster reachability and
// permissions need the Kubernetes client and are added by the run lifecycle.

import type {
  AdapterEnvironmentCheck,
  AdapterEnvironmentTestContext,
  AdapterEnvironmentTestResult,
  AdapterEnvironmentTestStatus,
} from "@paperclipai/adapter-utils";
import type { ClaudeK8sConfig, ParsedConfig } from "../config/types.ts";
import { parseAdapterConfig } from "./config.ts";
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

export function statusOf(checks: readonly AdapterEnvironmentCheck[]): AdapterEnvironmentTestStatus {
  if (checks.some((check) => check.level === "error")) return "fail";
  if (checks.some((check) => check.level === "warn")) return "warn";
  return "pass";
}

/** Config-only environment checks, in the order the UI lists them. */
export function configEnvironmentChecks(rawConfig: unknown): AdapterEnvironmentCheck[] {
  const parsed = parseAdapterConfig(rawConfig);
  const checks = issueChecks(parsed);
  if (parsed.errors.length === 0) {
    checks.unshift({ code: "k8s_config_valid", level: "info", message: "The adapter configuration is valid." });
  }
  checks.push(...placementChecks(parsed.config));
  checks.push({
    code: "k8s_cluster_not_checked", level: "info",
    message: "Cluster access (API server, namespace, permissions to create Jobs and Secrets) is not checked yet.",
  });
  return checks;
}

/** `now` is injectable so tests can pin testedAt. */
export async function testEnvironment(
  ctx: AdapterEnvironmentTestContext,
  now: () => Date = () => new Date(),
): Promise<AdapterEnvironmentTestResult> {
  const checks = configEnvironmentChecks(ctx.config);
  return { adapterType: ADAPTER_TYPE, status: statusOf(checks), checks, testedAt: now().toISOString() };
}
