// testEnvironment's permission check: one SelfSubjectAccessReview per verb and resource in
// spec/access.ts (the list deploy/rbac.yaml is tested against), all at once, each bounded.
import type { AdapterEnvironmentCheck } from "@paperclipai/adapter-utils";
import type { KubeConfig } from "@kubernetes/client-node";
import { reviewAccess, type ProbeOptions } from "../kube/probe.ts";
import { accessLabel, JOB_NAMESPACE_ACCESS, type RequiredAccess } from "../spec/access.ts";

interface Asked {
  access: RequiredAccess;
  verb: string;
}

/** Every (resource, verb) pair the adapter uses in the Jobs' namespace. */
export function jobNamespaceQuestions(): Asked[] {
  return JOB_NAMESPACE_ACCESS.flatMap((access) => access.verbs.map((verb) => ({ access, verb })));
}

export async function accessChecks(kubeConfig: KubeConfig, namespace: string, probe: ProbeOptions): Promise<AdapterEnvironmentCheck[]> {
  const asked = jobNamespaceQuestions();
  const answers = await Promise.all(asked.map(({ access, verb }) => reviewAccess(kubeConfig, {
    namespace, group: access.group, resource: access.resource, verb,
    ...(access.subresource ? { subresource: access.subresource } : {}),
  }, probe)));
  const checks: AdapterEnvironmentCheck[] = [];
  const failed = answers.find((answer) => !answer.ok);
  if (failed && !failed.ok) {
    // The review API itself failed (forbidden, timeout): one check, not one per verb.
    return [{ code: "k8s_access_review_failed", level: "error",
      message: `Could not ask the API server which permissions the server has in namespace "${namespace}": ${failed.error.message}`,
      hint: "Every authenticated identity may create SelfSubjectAccessReviews unless the cluster removed the system:basic-user binding; check the API server and the server's credentials." }];
  }
  for (const [index, answer] of answers.entries()) {
    const { access, verb } = asked[index] as Asked;
    if (!answer.ok || answer.value.allowed) continue;
    const label = accessLabel(access, verb);
    checks.push({ code: "k8s_permission_denied", level: "error",
      message: `Not allowed to ${label} in namespace "${namespace}"; the adapter needs it for ${access.why}.`,
      detail: answer.value.reason ? `authorizer: ${answer.value.reason}` : null,
      hint: `Grant "${verb}" on "${access.subresource ? `${access.resource}/${access.subresource}` : access.resource}" (apiGroup "${access.group}") in namespace "${namespace}": apply deploy/rbac.yaml from the claude_k8s package, with its namespace set to "${namespace}", bound to the server's service account.` });
  }
  if (checks.length === 0) {
    checks.push({ code: "k8s_permissions_ok", level: "info",
      message: `All ${asked.length} permissions the adapter uses are allowed in namespace "${namespace}" (${asked.map((a) => accessLabel(a.access, a.verb)).join(", ")}).` });
  }
  return checks;
}
