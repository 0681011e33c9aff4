// Pure: the soak's checker. It must see what it is there to see (a line lost, a line twice, lines
// out of order, an outcome that did not happen) and accept exactly the outcomes true to the ground
// truth when a fault's timing makes them ambiguous. Also: the same seed draws the same schedule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptedOutcomes, compareLines, judge } from "../soak/check.ts";
import type { RunFacts, Truth } from "../soak/check.ts";
import type { Observation } from "../soak/host.ts";
import { drawScenario, drawWeather } from "../soak/schedule.ts";
import type { Fault, Scenario } from "../soak/schedule.ts";

test("compareLines: lost, duplicated, foreign and misordered lines", () => {
  const truth = ["a", "b", "c"];
  assert.deepEqual(compareLines(["a", "b", "c"], truth, false), { lost: [], duplicated: 0, extra: 0, misordered: false });
  assert.deepEqual(compareLines(["a", "c"], truth, false), { lost: ["b"], duplicated: 0, extra: 0, misordered: false });
  assert.deepEqual(compareLines(["a", "b", "b", "c"], truth, false), { lost: [], duplicated: 1, extra: 0, misordered: false });
  assert.deepEqual(compareLines(["a", "x", "b", "c"], truth, false), { lost: [], duplicated: 0, extra: 1, misordered: false, firstExtra: "x" });
  assert.deepEqual(compareLines(["b", "a", "c"], truth, false), { lost: [], duplicated: 0, extra: 0, misordered: true });
  assert.deepEqual(compareLines(["a", "b"], truth, true).lost, [], "a detached run's prefix loses nothing");
  assert.deepEqual(compareLines(["a", "c"], truth, true).lost, ["b"], "but a hole inside the prefix is a loss");
});

const container = { lines: 3, sleepMs: 20, result: true, exitCode: 0 };
const scenario = (fault: Fault): Scenario => ({ index: 0, runId: "r", agentId: "a", taskId: "t", container, fault });
const obs = (over: Partial<Observation> = {}): Observation => ({
  runId: "r", errorCode: null, exitCode: 0, timedOut: false, job: "j", adopted: false, gaps: 0, incomplete: false, errorMessage: null,
  lines: ["a", "b"], late: 0, ms: 1, hung: false, unhandled: [], ...over,
});
const truth = (exit: { exitCode: number; reason: string } | null, lines = ["a", "b"], rotatedAway = 0): Truth => ({ lines, rotatedAway, exits: exit ? [exit] : [] });
const facts = (fault: Fault, exit: { exitCode: number; reason: string } | null, fired = true, over: Partial<Observation> = {}): RunFacts => ({
  scenario: scenario(fault), observations: [obs(over)], truths: [truth(exit)], injected: [{ what: fault.kind, fired, exitedBefore: false }], jobAfter: "absent",
});

test("acceptedOutcomes: what happened decides, not what was scheduled", () => {
  const line = { at: "line" as const, n: 1 };
  const cases: { name: string; f: RunFacts; want: (string | null)[] }[] = [
    { name: "cancel while running", f: facts({ kind: "cancel", when: line, alongside: "none" }, { exitCode: 143, reason: "Error" }), want: ["cancelled"] },
    { name: "cancel after the container exited by itself", f: facts({ kind: "cancel", when: line, alongside: "none" }, { exitCode: 0, reason: "Completed" }), want: [null, "cancelled"] },
    { name: "OOM that landed", f: facts({ kind: "oom", when: line }, { exitCode: 137, reason: "OOMKilled" }), want: ["k8s_oom_killed"] },
    { name: "OOM too late", f: facts({ kind: "oom", when: line }, { exitCode: 0, reason: "Completed" }), want: [null] },
    { name: "shutdown while running", f: facts({ kind: "shutdown", when: line, duringAdoption: "none" }, null), want: ["k8s_run_detached"] },
    { name: "fault never fired", f: facts({ kind: "evict", when: line }, { exitCode: 0, reason: "Completed" }, false), want: [null] },
    { name: "deadline", f: facts({ kind: "deadline", timeoutSec: 2 }, { exitCode: 143, reason: "Error" }), want: ["timeout"] },
  ];
  for (const c of cases) assert.deepEqual(acceptedOutcomes(c.f), c.want, c.name);
});

test("judge: flags a wrong outcome, a lost line, an unreported rotation; accepts a reported one", () => {
  const none: Fault = { kind: "none" };
  assert.deepEqual(judge(facts(none, { exitCode: 0, reason: "Completed" })).findings, []);
  assert.deepEqual(judge(facts(none, { exitCode: 0, reason: "Completed" }, true, { errorCode: "claude_failed" })).findings.map((f) => f.kind), ["wrong"]);
  const lost = judge({ ...facts(none, { exitCode: 0, reason: "Completed" }), truths: [truth({ exitCode: 0, reason: "Completed" }, ["a", "b", "c"])] });
  assert.deepEqual([lost.lost, lost.findings.map((f) => f.kind)], [1, ["lost"]]);
  const rotate: Fault = { kind: "rotate", when: { at: "line", n: 2 }, drop: 1 };
  const rotated = (gaps: number) => judge({ ...facts(rotate, { exitCode: 0, reason: "Completed" }, true, { lines: ["b", "c"], gaps }), truths: [truth({ exitCode: 0, reason: "Completed" }, ["a", "b", "c"], 1)] });
  assert.equal(rotated(0).lost, 1, "a rotation the adapter did not report is a loss");
  assert.equal(rotated(1).lost, 0, "a reported gap over rotated lines is not");
  const hung = judge(facts(none, { exitCode: 0, reason: "Completed" }, true, { hung: true, unhandled: ["boom"] }));
  assert.deepEqual(hung.findings.map((f) => f.kind).sort(), ["hung", "unhandled"]);
});

test("the same seed draws the same schedule; another seed another", () => {
  assert.deepEqual(drawScenario(7, 3, 3), drawScenario(7, 3, 3));
  assert.deepEqual(drawWeather(7, 60_000), drawWeather(7, 60_000));
  const a = Array.from({ length: 20 }, (_, i) => drawScenario(7, i, 3).fault.kind).join();
  const b = Array.from({ length: 20 }, (_, i) => drawScenario(8, i, 3).fault.kind).join();
  assert.notEqual(a, b);
});
