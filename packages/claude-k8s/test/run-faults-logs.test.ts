// Log transport and completion faults through execute(), on kube-sim with the real Claude Code
// CLI: every line exactly once and in order against kube-sim's ground truth (L1, L3, L4, L6,
// L7), completion within about a second of the exit however late the Job conditions are (C1),
// and the pod deleted right after its exit (C4).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bash, say } from "anthropic-sim";
import type { Reply } from "anthropic-sim";
import { PODS } from "kube-sim";
import { agentConfig, groundTruthLines, jobOf, leftovers, run, runContext, startScriptedWorld, transcriptLines, waitFor } from "./run-support.ts";
import type { World } from "./run-support.ts";

let world: World;
let useScript: (replies: Reply[]) => void = () => {};

/** A run of `turns` tool calls, each printing `lines` lines (with multi-byte text), then an answer. */
function longRun(turns: number, lines: number, pauseMs = 0): Reply[] {
  const steps: Reply[] = [];
  for (let t = 0; t < turns; t++) {
    steps.push({ ...bash(`for i in $(seq 1 ${lines}); do echo "turn ${t} line $i ✓ 日本語 🚀"; sleep 0.01; done`, `Turn ${t}: ünïcödé ✓`), pauseMs });
  }
  steps.push(say("Finished the long run. ✅"));
  return steps;
}

before(async () => {
  ({ world, useScript } = await startScriptedWorld());
});

after(async () => {
  await world.stop();
});


async function assertExactTranscript(handle: ReturnType<typeof runContext>, result: Awaited<ReturnType<typeof run>>): Promise<void> {
  const truth = groundTruthLines(world, jobOf(result));
  assert.ok(truth.length >= 5, `the container wrote ${truth.length} lines`);
  assert.deepEqual(transcriptLines(handle.record), truth, "every line exactly once, in order");
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
}

test("L1/L6: the log stream cut every 500 ms through a long run loses and repeats nothing", async () => {
  useScript(longRun(8, 10, 40));
  world.sim.faults.cutLogStreamsEvery(500);
  const handle = runContext(agentConfig(world), { agentId: "agent-cuts" });
  try {
    const result = await run(handle);
    assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
    assert.equal(result.summary, "Finished the long run. ✅");
    const logs = (result.resultJson as { k8s: { logs: { reconnects: number } } }).k8s.logs;
    assert.ok(logs.reconnects >= 2, `the follower reconnected (${logs.reconnects})`);
    await assertExactTranscript(handle, result);
  } finally {
    world.sim.faults.stopCuttingLogStreams();
  }
});

test("L3: a hung log stream is detected and reconnected; nothing is lost", async () => {
  useScript(longRun(4, 10, 30));
  const handle = runContext(agentConfig(world), { agentId: "agent-hang" });
  const running = run(handle, { logIdleTimeoutMs: 700 });
  try {
    await waitFor(() => transcriptLines(handle.record).length >= 3, 30_000, "the first lines");
    world.sim.faults.hangLogStreams(3_000);
    const result = await running;
    assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
    const diagnostics = (result.resultJson as { k8s: { diagnostics: string[] } }).k8s.diagnostics;
    assert.ok(diagnostics.some((d) => d.startsWith("idle:")), `the silence was noticed: ${diagnostics.join(" | ")}`);
    await assertExactTranscript(handle, result);
  } finally {
    world.sim.faults.clear();
  }
});

test("L4: the log API stays silent past the container's exit: execute() returns within its bounds, honestly", async () => {
  useScript(longRun(2, 5));
  const handle = runContext(agentConfig(world), { agentId: "agent-hang-exit" });
  world.sim.faults.hangLogStreams(120_000);
  try {
    const started = Date.now();
    const result = await run(handle, { logIdleTimeoutMs: 1_000, logDrainTimeoutMs: 1_000, logDrainMaxMs: 3_000, logSettleMs: 500 });
    assert.ok(Date.now() - started < 60_000, "execute() did not wait for the 120 s hang");
    assert.equal(result.exitCode, 0, "the container's real exit code");
    assert.equal(result.errorCode, "k8s_log_incomplete", `${result.errorCode}: ${result.errorMessage}`);
    assert.deepEqual(handle.record.late, []);
  } finally {
    world.sim.faults.clear();
  }
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("C1: Job conditions lagging 60 s: the run ends within seconds of the container's exit", async () => {
  useScript(longRun(1, 3));
  world.sim.runtime?.faults.setConditionLag(60_000);
  try {
    const handle = runContext(agentConfig(world), { agentId: "agent-lag" });
    const result = await run(handle);
    const returnedAt = Date.now();
    assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
    const exits = world.sim.runtime?.groundTruth.containerExits().filter((e) => e.pod.startsWith(`${jobOf(result)}-`)) ?? [];
    assert.equal(exits.length, 1, "one container exit recorded");
    const exitedAt = Number((exits[0]?.finishedAtNs ?? 0n) / 1_000_000n);
    assert.ok(returnedAt - exitedAt < 10_000, `returned ${returnedAt - exitedAt} ms after the exit (lag 60 s)`);
    await assertExactTranscript(handle, result);
  } finally {
    world.sim.runtime?.faults.setConditionLag(0);
  }
});

test("L7: a 1 MB line (one huge assistant message) is delivered intact", async () => {
  const huge = `${"x".repeat(1_000_000)} end`;
  useScript([say(huge)]);
  const handle = runContext(agentConfig(world), { agentId: "agent-huge" });
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  const lines = transcriptLines(handle.record);
  assert.ok(lines.some((line) => line.length > 1_000_000 && line.includes(huge)), "the 1 MB message arrived whole");
  assert.deepEqual(lines, groundTruthLines(world, jobOf(result)));
});

test("C4: the pod deleted right after its exit still gives the real exit code", async () => {
  useScript(longRun(1, 3));
  const stopDeleting = deletePodsOnExit(world);
  try {
    const handle = runContext(agentConfig(world), { agentId: "agent-podgone" });
    const result = await run(handle);
    assert.equal(result.exitCode, 0);
    assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
    await assertExactTranscript(handle, result);
  } finally {
    stopDeleting();
  }
});

/** Deletes every claude pod (grace 0) the moment its container reports an exit. */
function deletePodsOnExit(w: World): () => void {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const pod of w.sim.store.list(PODS, "default").items) {
      const name = pod.metadata?.name ?? "";
      const statuses = (pod as { status?: { containerStatuses?: { state?: { terminated?: unknown } }[] } }).status?.containerStatuses ?? [];
      if (seen.has(name) || !statuses.some((s) => s.state?.terminated)) continue;
      seen.add(name);
      w.sim.runtime?.faults.deletePod("default", name, 0);
    }
  }, 5);
  return () => clearInterval(timer);
}
