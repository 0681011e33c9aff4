// Scheduling onto simulated nodes: nodeSelector and taints/tolerations, with the real
// scheduler's "0/N nodes are available: ..." message when nothing fits.

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface Toleration {
  key?: string;
  operator?: "Equal" | "Exists";
  value?: string;
  effect?: string;
}

export interface SimNode {
  name: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

export interface SchedulingInput {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
}

export type SchedulingResult = { node: string } | { unschedulable: string };

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if ((toleration.operator ?? "Equal") === "Exists") return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

function untoleratedTaint(node: SimNode, tolerations: Toleration[]): Taint | undefined {
  return (node.taints ?? []).find((taint) => taint.effect !== "PreferNoSchedule"
    && !tolerations.some((toleration) => tolerates(toleration, taint)));
}

export function schedule(pod: SchedulingInput, nodes: readonly SimNode[]): SchedulingResult {
  const reasons = new Map<string, number>();
  const note = (reason: string): void => { reasons.set(reason, (reasons.get(reason) ?? 0) + 1); };
  for (const node of nodes) {
    const selectorFits = Object.entries(pod.nodeSelector ?? {}).every(([key, value]) => node.labels?.[key] === value);
    if (!selectorFits) {
      note("didn't match Pod's node affinity/selector");
      continue;
    }
    const taint = untoleratedTaint(node, pod.tolerations ?? []);
    if (taint) {
      note(`had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
      continue;
    }
    return { node: node.name };
  }
  const details = [...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([reason, count]) => `${count} node(s) ${reason}`);
  const tail = details.length > 0 ? ` ${details.join(", ")}.` : "";
  return { unschedulable: `0/${nodes.length} nodes are available:${tail}` };
}
