import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Job, V1Lease } from "@kubernetes/client-node";
import { buildRunSecret, ownerPatch, SECRET_MAX_BYTES, withOwner, type RunSecretInput } from "../src/spec/secret.ts";
import { buildLease, isJobLive, isLeaseHeld, microTime } from "../src/spec/lease.ts";

function secretInput(overrides: Partial<RunSecretInput>): RunSecretInput {
  return {
    name: "ac-a-r-0123456789-run", namespace: "agents", labels: { "app.kubernetes.io/managed-by": "paperclip" },
    annotations: { "paperclip.io/run-id": "r" }, prompt: "hello", createdAt: "2025-01-01T00:00:00Z", ...overrides,
  };
}

function decode(value: string | undefined): string {
  return Buffer.from(value ?? "", "base64").toString("utf8");
}

test("secret: prompt, token and instructions as base64 data; labels and created-at", () => {
  const result = buildRunSecret(secretInput({ prompt: "héllo $(x)\n", agentToken: "tok-1", instructions: "be nice" }));
  assert.ok(result.ok);
  const { secret } = result;
  assert.equal(decode(secret.data?.prompt), "héllo $(x)\n");
  assert.equal(decode(secret.data?.["agent-token"]), "tok-1");
  assert.equal(decode(secret.data?.["instructions.md"]), "be nice");
  assert.equal(secret.metadata?.labels?.["app.kubernetes.io/managed-by"], "paperclip");
  assert.equal(secret.metadata?.annotations?.["paperclip.io/created-at"], "2025-01-01T00:00:00Z");
  assert.equal(secret.metadata?.ownerReferences, undefined, "owner is added after the Job exists");
  assert.equal(secret.stringData, undefined);
});

test("secret: no token, no instructions: only the prompt key", () => {
  const result = buildRunSecret(secretInput({ agentToken: null, instructions: null }));
  assert.ok(result.ok);
  assert.deepEqual(Object.keys(result.secret.data ?? {}), ["prompt"]);
});

// "é" is 2 bytes in UTF-8, "🤖" 4: the limit counts bytes, not characters.
const SIZE_CASES: [string, string, string | null, boolean][] = [
  ["exactly 1 MiB of ASCII", "a".repeat(SECRET_MAX_BYTES), null, true],
  ["1 MiB + 1 byte", "a".repeat(SECRET_MAX_BYTES + 1), null, false],
  ["2-byte chars exactly at the limit", "é".repeat(SECRET_MAX_BYTES / 2), null, true],
  ["2-byte chars one char past (chars well under the limit)", "é".repeat(SECRET_MAX_BYTES / 2 + 1), null, false],
  ["4-byte chars: 262144 chars fit", "🤖".repeat(SECRET_MAX_BYTES / 4), null, true],
  ["a multi-byte char straddling the limit", `${"a".repeat(SECRET_MAX_BYTES - 1)}é`, null, false],
  ["prompt + instructions over together", "a".repeat(SECRET_MAX_BYTES - 10), "b".repeat(11), false],
  ["prompt + instructions exactly at the limit", "a".repeat(SECRET_MAX_BYTES - 10), "b".repeat(10), true],
];
for (const [label, prompt, instructions, fits] of SIZE_CASES) {
  test(`secret size: ${label}`, () => {
    const result = buildRunSecret(secretInput({ prompt, instructions }));
    assert.equal(result.ok, fits);
    if (!result.ok) {
      assert.equal(result.error.code, "k8s_prompt_too_large");
      const promptBytes = Buffer.byteLength(prompt, "utf8");
      assert.ok(result.error.message.includes(`prompt is ${promptBytes} bytes`), result.error.message);
      assert.ok(result.error.message.includes("1048576"), result.error.message);
      assert.match(result.error.message, /[Ss]horten/);
    }
  });
}

test("secret: invalid or duplicate extra file keys are refused", () => {
  const cases: Record<string, string>[] = [{ "bad/key": "x" }, { prompt: "again" }];
  for (const files of cases) {
    const result = buildRunSecret(secretInput({ files }));
    assert.equal(result.ok, false, JSON.stringify(files));
    if (!result.ok) assert.equal(result.error.code, "k8s_invalid_spec");
  }
});

const JOB: V1Job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "ac-job", uid: "uid-1" } };

test("secret: withOwner / ownerPatch point at the Job by uid", () => {
  const result = buildRunSecret(secretInput({}));
  assert.ok(result.ok);
  const owned = withOwner(result.secret, JOB);
  const expected = [{ apiVersion: "batch/v1", kind: "Job", name: "ac-job", uid: "uid-1" }];
  assert.deepEqual(owned.metadata?.ownerReferences, expected);
  assert.deepEqual(withOwner(owned, JOB).metadata?.ownerReferences, expected, "idempotent");
  assert.deepEqual(ownerPatch(JOB), { metadata: { ownerReferences: expected } });
  assert.equal(result.secret.metadata?.ownerReferences, undefined, "input not mutated");
  assert.throws(() => ownerPatch({ metadata: { name: "x" } }), /uid/);
});

const NOW = new Date("2025-06-01T12:00:00.123Z");

test("lease: built with holder, duration and microsecond times", () => {
  const lease = buildLease({ name: "ac-lock-a", namespace: "agents", holderIdentity: "run-1", leaseDurationSeconds: 30, now: NOW, labels: { a: "b" } });
  assert.equal(lease.apiVersion, "coordination.k8s.io/v1");
  assert.equal(lease.kind, "Lease");
  assert.equal(lease.spec?.holderIdentity, "run-1");
  assert.equal(lease.spec?.leaseDurationSeconds, 30);
  assert.equal(JSON.parse(JSON.stringify(lease)).spec.renewTime, "2025-06-01T12:00:00.123000Z");
  assert.equal(microTime(NOW), "2025-06-01T12:00:00.123000Z");
  assert.deepEqual(lease.metadata?.labels, { a: "b" });
});

function lease(spec: Record<string, unknown>): V1Lease {
  return { spec } as V1Lease;
}
const HELD_CASES: [string, V1Lease, boolean][] = [
  ["fresh renewal", lease({ holderIdentity: "r", leaseDurationSeconds: 30, renewTime: "2025-06-01T11:59:40.000000Z" }), true],
  ["expired renewal", lease({ holderIdentity: "r", leaseDurationSeconds: 30, renewTime: "2025-06-01T11:59:30.000000Z" }), false],
  ["no holder", lease({ holderIdentity: "", leaseDurationSeconds: 30, renewTime: "2025-06-01T11:59:59.000000Z" }), false],
  ["no spec", {} as V1Lease, false],
  ["acquire time when never renewed", lease({ holderIdentity: "r", leaseDurationSeconds: 30, acquireTime: "2025-06-01T11:59:59.000000Z" }), true],
  ["holder but unreadable time: fail closed", lease({ holderIdentity: "r", leaseDurationSeconds: 30, renewTime: "garbage" }), true],
  ["a Date renew time", lease({ holderIdentity: "r", leaseDurationSeconds: 5, renewTime: new Date("2025-06-01T11:59:50Z") }), false],
];
for (const [label, value, held] of HELD_CASES) {
  test(`isLeaseHeld: ${label}`, () => assert.equal(isLeaseHeld(value, NOW), held));
}

function job(conditions: [string, string][], deleting = false): V1Job {
  return {
    metadata: { name: "j", ...(deleting ? { deletionTimestamp: new Date("2025-06-01T00:00:00Z") } : {}) },
    status: { conditions: conditions.map(([type, status]) => ({ type, status })) },
  };
}
const LIVE_CASES: [string, V1Job, boolean][] = [
  ["no conditions", job([]), true],
  ["suspended is still live", job([["Suspended", "True"]]), true],
  ["Complete", job([["Complete", "True"]]), false],
  ["Failed", job([["Failed", "True"]]), false],
  ["SuccessCriteriaMet (1.31+)", job([["SuccessCriteriaMet", "True"]]), false],
  ["FailureTarget (1.31+)", job([["FailureTarget", "True"]]), false],
  ["Failed=False is not terminal", job([["Failed", "False"]]), true],
  ["being deleted (R6)", job([], true), false],
];
for (const [label, value, live] of LIVE_CASES) {
  test(`isJobLive: ${label}`, () => assert.equal(isJobLive(value), live));
}
