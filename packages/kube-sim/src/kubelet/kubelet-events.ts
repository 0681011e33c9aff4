// The Events a kubelet records about a pod's containers, worded as kubelet 1.31 words them.
import type { EventInput } from "../events/recorder.ts";
import type { KubeObject } from "../store/types.ts";

/** `spec.containers{name}` or `spec.initContainers{name}`: the part of the pod an event is about. */
export function containerFieldPath(pod: KubeObject, container: string): string {
  const spec = (pod.spec ?? {}) as { initContainers?: { name?: string }[] };
  const init = (spec.initContainers ?? []).some((c) => c.name === container);
  return `spec.${init ? "initContainers" : "containers"}{${container}}`;
}

interface ContainerRef { pod: KubeObject; container: string; image: string }

function about(ref: ContainerRef, type: EventInput["type"], reason: string, message: string): EventInput {
  return { type, reason, message, fieldPath: containerFieldPath(ref.pod, ref.container) };
}

function pullPolicyOf(ref: ContainerRef): string | undefined {
  const spec = (ref.pod.spec ?? {}) as { initContainers?: { name?: string; imagePullPolicy?: string }[];
    containers?: { name?: string; imagePullPolicy?: string }[] };
  return [...spec.initContainers ?? [], ...spec.containers ?? []].find((c) => c.name === ref.container)?.imagePullPolicy;
}

/** Go's time.Duration text for short durations: 0s, 850µs, 12ms, 1.2s. */
function duration(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${Number(ms.toFixed(3))}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** The image step before a container is created: a pull (policy Always) or "already present". */
export function imageEvents(ref: ContainerRef, pullMs: number): EventInput[] {
  if (pullPolicyOf(ref) !== "Always") {
    return [about(ref, "Normal", "Pulled", `Container image "${ref.image}" already present on machine`)];
  }
  return [
    about(ref, "Normal", "Pulling", `Pulling image "${ref.image}"`),
    about(ref, "Normal", "Pulled", `Successfully pulled image "${ref.image}" in ${duration(pullMs)} (${duration(pullMs)} including waiting)`),
  ];
}

export function pullFailedEvents(ref: ContainerRef, why: string): EventInput[] {
  return [
    about(ref, "Normal", "Pulling", `Pulling image "${ref.image}"`),
    about(ref, "Warning", "Failed", `Failed to pull image "${ref.image}": ${why}`),
    about(ref, "Warning", "Failed", "Error: ErrImagePull"),
  ];
}

export function pullBackOffEvents(ref: ContainerRef): EventInput[] {
  return [
    about(ref, "Normal", "BackOff", `Back-off pulling image "${ref.image}"`),
    about(ref, "Warning", "Failed", "Error: ImagePullBackOff"),
  ];
}

export function createdEvent(ref: ContainerRef): EventInput {
  return about(ref, "Normal", "Created", `Created container ${ref.container}`);
}

export function startedEvent(ref: ContainerRef): EventInput {
  return about(ref, "Normal", "Started", `Started container ${ref.container}`);
}

export function killingEvent(ref: ContainerRef): EventInput {
  return about(ref, "Normal", "Killing", `Stopping container ${ref.container}`);
}

export function restartBackOffEvent(ref: ContainerRef): EventInput {
  const { name = "", namespace = "", uid = "" } = ref.pod.metadata;
  return about(ref, "Warning", "BackOff", `Back-off restarting failed container ${ref.container} in pod ${name}_${namespace}(${uid})`);
}
