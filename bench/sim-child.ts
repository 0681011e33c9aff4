// The kube-sim of the adapter benchmarks, in a process of its own: its CPU and memory are not
// the adapter's (a real API server runs elsewhere too), so the heap and RSS the benchmarks read
// in their own process are the adapter's alone. Started by sim-process.ts; answers its requests
// over the IPC channel and ends on "stop" or when the parent goes away.
import { startKubeSim } from "kube-sim";
import type { KubeSim } from "kube-sim";
import type { SimCall, SimReply } from "./sim-process.ts";

const binDir = process.argv[2] ?? "";
const sim: KubeSim = await startKubeSim({ runtime: { images: { "bench/fake-claude": { binDir } } } });
let stopping: Promise<void> | undefined;
const stopOnce = (): Promise<void> => (stopping ??= sim.stop());

function answer(call: SimCall): unknown {
  switch (call.op) {
    case "info": return { kubeconfigPath: sim.kubeconfigPath, url: sim.url };
    case "addUser": {
      sim.addUser({ token: call.token, user: call.user, rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] });
      return sim.kubeconfigFor(call.token, call.user);
    }
    case "requests":
      return sim.requests.find({ ...(call.since !== undefined ? { since: call.since } : {}), ...(call.user ? { user: call.user } : {}) })
        .map((r) => ({ time: r.time, verb: r.verb, resource: r.resource ?? null, subresource: r.subresource ?? null, user: r.user ?? null, code: r.code, durationMs: r.durationMs }));
    case "counts": return { openWatches: sim.faults.openWatches(), openLogStreams: sim.faults.openLogStreams() };
    case "exits":
      return (sim.runtime?.groundTruth.containerExits() ?? []).map((e) => ({ pod: e.pod, container: e.container, exitCode: e.exitCode, finishedAtMs: Number(e.finishedAtNs / 1000n) / 1000 }));
    case "cutLogStreamsEvery": sim.faults.cutLogStreamsEvery(call.ms); return null;
    case "stopCuttingLogStreams": sim.faults.stopCuttingLogStreams(); return null;
    case "setConditionLag": sim.runtime?.faults.setConditionLag(call.ms); return null;
    case "stop": return null;
  }
}

process.on("message", (message: { id: number; call: SimCall }) => {
  let reply: SimReply;
  try {
    reply = { id: message.id, ok: true, value: answer(message.call) };
  } catch (error) {
    reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  if (message.call.op === "stop") {
    void stopOnce().then(() => { process.send?.(reply); process.disconnect(); });
    return;
  }
  process.send?.(reply);
});
// The parent died or disconnected: end the sim (and its containers) rather than linger.
process.on("disconnect", () => { void stopOnce().then(() => process.exit(0)); });
process.send?.({ id: 0, ok: true, value: "ready" } satisfies SimReply);
