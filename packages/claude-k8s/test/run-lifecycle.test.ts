// execute() end to end on kube-sim with the real Claude Code CLI in the pod: the happy path, and
// what the host sees (transcript, status, result), and that nothing is left behind.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { bash, say } from "anthropic-sim";
import { JOBS } from "kube-sim";
import { sharedInformers } from "../src/kube/informer-registry.ts";
import { agentConfig, groundTruthLines, leftovers, run, runContext, startWorld, transcriptLines, waitFor } from "./run-support.ts";
import type { World } from "./run-support.ts";

let world: World;

before(async () => {
  world = await startWorld({ model: { script: [bash("echo hello from the pod", "Looking around."), say("All done here.")] } });
});

after(async () => {
  await world.stop();
});

test("a run succeeds: transcript exactly once and in order, classified result, status events, nothing left", async () => {
  const handle = runContext(agentConfig(world));
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  assert.equal(result.exitCode, 0);
  assert.equal(result.summary, "All done here.");
  assert.ok(result.sessionId, "the Claude session id is reported");
  assert.equal(result.usageBasis, "per_run");
  const k8s = (result.resultJson as { k8s: { job: string; timeline: Record<string, string | null>; logs: { lines: number } } }).k8s;
  assert.deepEqual(transcriptLines(handle.record), groundTruthLines(world, k8s.job), "the transcript is exactly what the container wrote");
  assert.equal(k8s.logs.lines, transcriptLines(handle.record).length);
  for (const key of ["created", "scheduled", "started", "exited", "finished"]) assert.ok(k8s.timeline[key], `timeline.${key} is set`);
  const types = handle.record.events.map((e) => e.eventType);
  for (const type of ["k8s.job.created", "k8s.container.started", "k8s.container.terminated"]) assert.ok(types.includes(type), `${type} in ${types.join(", ")}`);
  assert.equal(handle.record.dispatched, 1);
  assert.equal(handle.record.cancellationReady, 1);
  assert.deepEqual(handle.record.late, [], "no host callback after execute() returned");
  await waitFor(() => leftovers(world).length === 0, 10_000, `cleanup (left: ${leftovers(world).join(", ")})`);
  assert.equal(sharedInformers.openInformers(), 0, "the shared informers stop with the last run");
});

test("the prompt and the agent token never appear in the Job spec", async () => {
  const handle = runContext(agentConfig(world, { retainJobs: true }));
  const result = await run(handle);
  const job = (result.resultJson as { k8s: { job: string } }).k8s.job;
  const history = world.sim.runtime?.groundTruth.history(JOBS, "default", job) ?? [];
  const spec = JSON.stringify(history.map((h) => h.object));
  assert.ok(spec.length > 100, "the Job's history was recorded");
  assert.doesNotMatch(spec, /agent-token-secret-123/);
  const promptLines = (handle.record.prompt ?? "").split("\n").filter((line) => line.trim().length > 20);
  assert.ok(promptLines.length > 0, "the prompt was reported in onMeta");
  for (const line of promptLines) assert.ok(!spec.includes(JSON.stringify(line.trim()).slice(1, -1)), `prompt line in the Job spec: ${line}`);
});
