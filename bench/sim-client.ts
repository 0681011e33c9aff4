// Starts a kube-sim and the client-node handles a benchmark needs; `stop()` ends both.
import { BatchV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startKubeSim } from "kube-sim";
import type { KubeSim, KubeSimOptions } from "kube-sim";

export interface BenchSim {
  sim: KubeSim;
  config: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  stop(): Promise<void>;
}

export async function startBenchSim(options: KubeSimOptions = {}): Promise<BenchSim> {
  const sim = await startKubeSim(options);
  const config = new KubeConfig();
  config.loadFromString(sim.kubeconfig);
  return {
    sim, config,
    core: config.makeApiClient(CoreV1Api),
    batch: config.makeApiClient(BatchV1Api),
    stop: () => sim.stop(),
  };
}

/** A one-container pod spec running `script` under sh with the host's tools ("busybox" → host). */
export function shellPodSpec(script: string) {
  return {
    restartPolicy: "Never",
    terminationGracePeriodSeconds: 1,
    containers: [{ name: "main", image: "busybox", command: ["sh", "-c", script] }],
  };
}
