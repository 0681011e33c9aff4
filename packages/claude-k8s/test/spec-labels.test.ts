import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ANNOTATION, identityFromAnnotations, LABEL, leaseLabels, runAnnotations, runLabels, selectorForAgent,
  selectorForRun, type RunIdentity,
} from "../src/spec/labels.ts";

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const IDENTITIES: [string, RunIdentity][] = [
  ["plain uuids", {
    agentId: "3f2b8c1e-9d4a-4e7b-8a1c-2b3d4e5f6a7b", runId: "9a8b7c6d-1111-2222-3333-444455556666",
    companyId: "c-1", agentName: "Code Reviewer", taskId: "issue-42", taskKey: "issue:42", sessionId: "s-1",
  }],
  ["hostile everything", {
    agentId: "../../etc/passwd", runId: "$(rm -rf /)\n`id`", companyId: "Ünïcödé company 🤖",
    agentName: "Bob \"the\" <agent>", taskId: "x".repeat(300), taskKey: "key with spaces", sessionId: "s/1",
  }],
  ["no optional parts", { agentId: "a", runId: "r", companyId: "c" }],
];

for (const [label, id] of IDENTITIES) {
  test(`labels: ${label} are all valid label values with our fixed keys`, () => {
    const labels = runLabels(id);
    for (const [key, value] of Object.entries(labels)) {
      assert.ok(value.length <= 63, `${key}=${value}`);
      assert.match(value, LABEL_VALUE, `${key}=${value}`);
    }
    assert.equal(labels[LABEL.managedBy], "paperclip");
    assert.equal(labels[LABEL.component], "agent-run");
    assert.equal(labels[LABEL.adapterType], "claude_k8s");
    assert.ok(labels[LABEL.agentId] && labels[LABEL.runId] && labels[LABEL.companyId] !== undefined);
    assert.equal(LABEL.taskId in labels, Boolean(id.taskId));
    assert.equal(LABEL.sessionId in labels, Boolean(id.sessionId));
  });

  test(`annotations: ${label} carry the raw ids and read back exactly`, () => {
    const annotations = runAnnotations(id);
    assert.equal(annotations[ANNOTATION.agentId], id.agentId);
    assert.equal(annotations[ANNOTATION.runId], id.runId);
    assert.equal(annotations[ANNOTATION.agentName], id.agentName ?? undefined);
    const back = identityFromAnnotations(annotations);
    assert.deepEqual(back, {
      agentId: id.agentId, runId: id.runId, companyId: id.companyId, agentName: id.agentName ?? null,
      taskId: id.taskId ?? null, taskKey: id.taskKey ?? null, sessionId: id.sessionId ?? null,
    });
  });
}

test("labels: user labels merge under ours; ours win a clash", () => {
  const id = IDENTITIES[0]![1];
  const labels = runLabels(id, { team: "core", [LABEL.managedBy]: "someone-else", [LABEL.agentId]: "spoof" });
  assert.equal(labels.team, "core");
  assert.equal(labels[LABEL.managedBy], "paperclip");
  assert.equal(labels[LABEL.agentId], id.agentId);
});

test("selectors: select exactly the agent's / the run's labels", () => {
  const id = IDENTITIES[1]![1];
  const labels = runLabels(id);
  for (const selector of [selectorForAgent(id.agentId), selectorForRun(id.runId)]) {
    for (const term of selector.split(",")) {
      const [key, value] = term.split("=");
      assert.ok(key && value !== undefined, term);
      assert.equal(labels[key], value, `${term} matches the run's labels`);
    }
  }
  assert.notEqual(selectorForAgent("a b"), selectorForAgent("a_b"));
  assert.match(selectorForRun("r1"), /paperclip\.io\/run-id=r1$/);
});

test("lease labels: agent, not run", () => {
  const labels = leaseLabels("agent/1", "c");
  assert.equal(labels[LABEL.component], "agent-lock");
  assert.equal(LABEL.runId in labels, false);
  assert.match(labels[LABEL.agentId] ?? "", LABEL_VALUE);
});

test("identityFromAnnotations: missing ids give null", () => {
  assert.equal(identityFromAnnotations(undefined), null);
  assert.equal(identityFromAnnotations({ [ANNOTATION.agentId]: "a" }), null);
});
