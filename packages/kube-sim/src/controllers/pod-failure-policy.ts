// podFailurePolicy evaluation (batch/v1): the first rule that matches a failed pod decides the
// action. Containers that exited 0 never match onExitCodes, as in Kubernetes.

import type { KubeObject } from "../store/types.ts";
import { podStatus, type ContainerStatus, type PodFailurePolicyRule } from "./kube-types.ts";

export interface PolicyMatch {
  action: PodFailurePolicyRule["action"];
  ruleIndex: number;
  message: string;
}

export function matchPodFailurePolicy(rules: readonly PodFailurePolicyRule[], pod: KubeObject): PolicyMatch | undefined {
  const podName = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
  for (const [ruleIndex, rule] of rules.entries()) {
    const exitMatch = rule.onExitCodes === undefined ? undefined : matchExitCodes(rule.onExitCodes, pod);
    if (exitMatch !== undefined) {
      return { action: rule.action, ruleIndex, message: `Container ${exitMatch.name} for pod ${podName} failed with exit `
        + `code ${exitMatch.exitCode} matching ${rule.action} rule at index ${ruleIndex}` };
    }
    const conditionType = rule.onPodConditions === undefined ? undefined : matchConditions(rule.onPodConditions, pod);
    if (conditionType !== undefined) {
      return { action: rule.action, ruleIndex,
        message: `Pod ${podName} has condition ${conditionType} matching ${rule.action} rule at index ${ruleIndex}` };
    }
  }
  return undefined;
}

function matchExitCodes(requirement: NonNullable<PodFailurePolicyRule["onExitCodes"]>, pod: KubeObject):
  { name: string; exitCode: number } | undefined {
  const status = podStatus(pod);
  const containers: ContainerStatus[] = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  for (const container of containers) {
    if (requirement.containerName !== undefined && requirement.containerName !== container.name) continue;
    const exitCode = container.state.terminated?.exitCode;
    if (exitCode === undefined || exitCode === 0) continue;
    const listed = requirement.values.includes(exitCode);
    if (requirement.operator === "In" ? listed : !listed) return { name: container.name, exitCode };
  }
  return undefined;
}

function matchConditions(requirements: NonNullable<PodFailurePolicyRule["onPodConditions"]>, pod: KubeObject): string | undefined {
  const conditions = podStatus(pod).conditions ?? [];
  for (const requirement of requirements) {
    const wantedStatus = requirement.status ?? "True";
    if (conditions.some((c) => c.type === requirement.type && c.status === wantedStatus)) return requirement.type;
  }
  return undefined;
}
