// Helpers for the kube/ tests: an API-only kube-sim with a client-node client over HTTP, and a
// bounded wait for a condition (no fixed sleeps).
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { startKubeSim } from "kube-sim";
import type { KubeSim, KubeSimOptions } from "kube-sim";

export type SimClient = { sim: KubeSim; kubeConfig: KubeConfig; core: CoreV1Api };

export async function startSimClient(options: KubeSimOptions = {}): Promise<SimClient> {
  const sim = await startKubeSim({ runtime: false, ...options });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sim.kubeconfig);
  return { sim, kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api) };
}

/** Polls `check` every few ms until it returns true; fails after `timeoutMs` naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs `call` and returns what it threw (fails the test if it did not throw). */
export async function thrownBy(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw, it succeeded");
}

export function configMap(name: string, data: Record<string, string> = {}, labels: Record<string, string> = { app: "kube-test" }) {
  return { metadata: { name, labels }, data };
}
