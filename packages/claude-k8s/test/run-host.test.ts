// The run and its host, and the run and a flaky API, through execute() on kube-sim with the real
// Claude Code CLI: a rejecting onLog (R9), a quiet run's keepalive (R7), watches answered 410 or
// ended mid-run (R12), 5xx bursts on the watches (C5), the informer's cache lagging behind a
// create (R11), one shared pair of watches for many runs, and nothing left ticking afterwards.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bash, say } from "anthropic-sim";
import type { Reply } from "anthropic-sim";
import { sharedInformers } from "../src/kube/informer-registry.ts";
import { agentConfig, groundTruthLines, jobOf, leftovers, oneToolThenAnswer, run, runContext, startWorld, transcriptLines, waitFor } from "./run-support.ts";
import type { World } from "./run-support.ts";

let world: World;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };

let tool: Reply = bash("for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done", "Ticking.");

before(async () => {
  process.on("unhandledRejection", onUnhandled);
  // Each run: one tool call (a few seconds of work), then an answer.
  world = await startWorld({ model: { script: oneToolThenAnswer(() => tool, say("Done ticking.")) } });
});

after(async () => {
  process.off("unhandledRejection", onUnhandled);
  await world.stop();
});

test("R9: an onLog that always rejects neither fails the run nor leaks an unhandled rejection", async () => {
  const handle = runContext(agentConfig(world), { agentId: "agent-r9", onLog: async () => { throw new Error("host back-pressure"); } });
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  assert.equal(result.summary, "Done ticking.");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
});

test("R7: a quiet run gets keepalive statuses and a [claude_k8s] line; the transcript itself is untouched", async () => {
  tool = bash("sleep 4; echo awake", "Thinking quietly.");
  try {
    const handle = runContext(agentConfig(world, { keepaliveSec: 1 }), { agentId: "agent-r7" });
    const result = await run(handle);
    assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
    const keepalives = handle.record.events.filter((e) => e.eventType === "k8s.keepalive");
    assert.ok(keepalives.length >= 2, `keepalives during 4 s of silence: ${keepalives.length}`);
    assert.ok(handle.record.stdout.some((chunk) => chunk.startsWith("[claude_k8s] still running")), "a keepalive line for the UI");
    assert.deepEqual(transcriptLines(handle.record), groundTruthLines(world, jobOf(result)));
    assert.deepEqual(handle.record.late, [], "no keepalive after execute() returned");
  } finally {
    tool = bash("for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done", "Ticking.");
  }
});

test("R12/C5: watches ended with 410 and 5xx bursts mid-run: the run still ends right, from observed state", async () => {
  const handle = runContext(agentConfig(world), { agentId: "agent-r12" });
  const running = run(handle);
  await waitFor(() => handle.record.events.some((e) => e.eventType === "k8s.container.started"), 30_000, "the container to start");
  world.sim.faults.failRequests({ method: "GET", path: "watch=true", code: 503, durationMs: 1_500 });
  world.sim.faults.endWatches({ expired: true });
  const result = await running;
  world.sim.faults.clear();
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  assert.deepEqual(transcriptLines(handle.record), groundTruthLines(world, jobOf(result)));
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("R11: a watch cache that lags the create (slow watches) is not taken for a deleted Job", async () => {
  world.sim.faults.addLatency({ path: "watch=true", ms: 1_500, durationMs: 10_000 });
  try {
    const handle = runContext(agentConfig(world), { agentId: "agent-r11" });
    const result = await run(handle);
    assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  } finally {
    world.sim.faults.clear();
  }
});

test("three runs at once share one set of watches (Jobs, pods, Leases); after they return nothing is left open", async () => {
  const handles = ["agent-a", "agent-b", "agent-c"].map((agentId) => runContext(agentConfig(world), { agentId }));
  const runs = handles.map((h) => run(h));
  await waitFor(() => handles.every((h) => h.record.dispatched === 1), 30_000, "three Jobs");
  assert.equal(sharedInformers.openInformers(), 3, "one Job, one pod and one Lease informer for the namespace");
  const results = await Promise.all(runs);
  for (const result of results) assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  assert.equal(sharedInformers.openInformers(), 0);
  await sharedInformers.idle();
  for (const h of handles) assert.deepEqual(h.record.late, []);
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

test("C5: the API unreachable for longer than the bound: k8s_api_unreachable, and the Job and Lease are kept", async () => {
  tool = bash("sleep 15; echo awake", "Working through an outage.");
  try {
    const handle = runContext(agentConfig(world), { agentId: "agent-unreachable" });
    const running = run(handle, { unreachableMs: 1_500, probeEveryMs: 300 });
    await waitFor(() => handle.record.events.some((e) => e.eventType === "k8s.container.started"), 30_000, "the container to start");
    world.sim.faults.partition(4_000);
    const result = await running;
    assert.equal(result.errorCode, "k8s_api_unreachable", `${result.errorCode}: ${result.errorMessage}`);
    await waitFor(() => leftovers(world).some((l) => l.startsWith("jobs/")) && leftovers(world).some((l) => l.startsWith("leases/")), 10_000, "the Job and Lease still there after the outage");
    // The hand-over could not be written during the outage; the next run's liveness ping goes unanswered.
    const next = runContext(agentConfig(world), { agentId: "agent-unreachable" });
    const adopted = await run(next);
    assert.equal(adopted.errorCode ?? null, null, `the next run adopts and finishes it: ${adopted.errorCode}: ${adopted.errorMessage}`);
    assert.equal((adopted.resultJson as { k8s: { adopted: boolean } }).k8s.adopted, true);
  } finally {
    world.sim.faults.clear();
    tool = bash("for i in 1 2 3 4 5; do echo tick $i; sleep 0.4; done", "Ticking.");
  }
  await waitFor(() => leftovers(world).length === 0, 15_000, `cleanup (left: ${leftovers(world).join(", ")})`);
});

