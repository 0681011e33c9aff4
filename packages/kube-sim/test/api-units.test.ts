// Table tests for the API layer's pure functions: request parsing, patches, watch translation,
// ages, log line selection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRequestInfo } from "../src/api/request-info.ts";
import { jsonPatch, mergePatch, strategicMergePatch } from "../src/api/patch.ts";
import { translate } from "../src/api/watch.ts";
import { humanAge } from "../src/api/table.ts";
import { EntryFormatter, logEntries, tailEntries } from "../src/api/logs.ts";
import type { LogOptions } from "../src/api/logs.ts";
import { StatusError } from "../src/store/errors.ts";
import { CONFIGMAPS } from "../src/store/resources.ts";
import type { KubeObject, StoreEvent } from "../src/store/types.ts";

const requests: { method: string; url: string; want: Record<string, unknown> }[] = [
  { method: "GET", url: "/api/v1/namespaces/agents/pods", want: { verb: "list", group: "", resourceName: "pods", namespace: "agents" } },
  { method: "GET", url: "/api/v1/namespaces/agents/pods?watch=1", want: { verb: "watch", resourceName: "pods", namespace: "agents" } },
  { method: "GET", url: "/api/v1/namespaces/agents/pods/p1/log", want: { verb: "get", name: "p1", subresource: "log" } },
  { method: "POST", url: "/apis/batch/v1/namespaces/ns/jobs", want: { verb: "create", group: "batch", resourceName: "jobs" } },
  { method: "PUT", url: "/apis/batch/v1/namespaces/ns/jobs/j/status", want: { verb: "update", name: "j", subresource: "status" } },
  { method: "DELETE", url: "/api/v1/namespaces/ns/secrets", want: { verb: "deletecollection", resourceName: "secrets" } },
  { method: "GET", url: "/api/v1/namespaces/agents", want: { verb: "get", resourceName: "namespaces", name: "agents", namespace: "agents" } },
  { method: "GET", url: "/api/v1/namespaces", want: { verb: "list", resourceName: "namespaces" } },
  { method: "GET", url: "/apis/batch/v1/jobs?watch=true", want: { verb: "watch", resourceName: "jobs", namespace: undefined } },
  { method: "POST", url: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", want: { verb: "create", resourceName: "selfsubjectaccessreviews" } },
];

for (const { method, url, want } of requests) {
  test(`request info: ${method} ${url}`, () => {
    const info = parseRequestInfo(method, new URL(url, "http://x"));
    assert.equal(info.kind, "resource");
    for (const [field, value] of Object.entries(want)) assert.equal((info as unknown as Record<string, unknown>)[field], value, field);
  });
}

test("request info: discovery and unknown paths are non-resource", () => {
  for (const url of ["/api", "/apis", "/api/v1", "/apis/batch/v1", "/version", "/openapi/v3"]) {
    assert.equal(parseRequestInfo("GET", new URL(url, "http://x")).kind, "nonResource", url);
  }
});

const patches: { name: string; apply: (target: unknown, patch: unknown) => unknown; target: unknown; patch: unknown; want: unknown }[] = [
  { name: "merge: null deletes, objects merge, lists replace", apply: mergePatch,
    target: { a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, patch: { a: null, b: { c: 5 }, l: [3] }, want: { b: { c: 5, d: 3 }, l: [3] } },
  { name: "strategic: named lists merge by name", apply: strategicMergePatch,
    target: { c: [{ name: "a", image: "x" }, { name: "b", image: "y" }] }, patch: { c: [{ name: "b", image: "z" }, { name: "n", image: "w" }] },
    want: { c: [{ name: "a", image: "x" }, { name: "b", image: "z" }, { name: "n", image: "w" }] } },
  { name: "strategic: $patch delete removes a named item", apply: strategicMergePatch,
    target: { env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] }, patch: { env: [{ name: "A", $patch: "delete" }] },
    want: { env: [{ name: "B", value: "2" }] } },
  { name: "strategic: plain lists replace", apply: strategicMergePatch, target: { args: ["a", "b"] }, patch: { args: ["c"] }, want: { args: ["c"] } },
  { name: "json: add to list end, replace, move", apply: jsonPatch, target: { l: [1], a: { x: 1 } },
    patch: [{ op: "add", path: "/l/-", value: 2 }, { op: "replace", path: "/a/x", value: 9 }, { op: "move", from: "/a", path: "/b" }],
    want: { l: [1, 2], b: { x: 9 } } },
  { name: "json: escaped pointer segments", apply: jsonPatch, target: { labels: { "a/b": "1", "c~d": "2" } },
    patch: [{ op: "remove", path: "/labels/a~1b" }, { op: "replace", path: "/labels/c~0d", value: "3" }], want: { labels: { "c~d": "3" } } },
];

for (const { name, apply, target, patch, want } of patches) {
  test(`patch: ${name}`, () => {
    assert.deepEqual(apply(target, patch), want);
  });
}

test("patch: JSON patch failures are 422 Invalid", () => {
  for (const patch of [[{ op: "test", path: "/a", value: 2 }], [{ op: "replace", path: "/missing", value: 1 }], [{ op: "bogus", path: "/a" }]]) {
    assert.throws(() => jsonPatch({ a: 1 }, patch), (e: unknown) => e instanceof StatusError && e.code === 422 && e.status.reason === "Invalid");
  }
});

function cm(labels: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", labels } };
}

const on = (o: KubeObject) => o.metadata.labels?.app === "on";
const transitions: { type: StoreEvent["type"]; previous?: KubeObject; object: KubeObject; want: string | undefined }[] = [
  { type: "ADDED", object: cm({ app: "on" }), want: "ADDED" },
  { type: "ADDED", object: cm({ app: "off" }), want: undefined },
  { type: "MODIFIED", previous: cm({ app: "on" }), object: cm({ app: "on" }), want: "MODIFIED" },
  { type: "MODIFIED", previous: cm({ app: "off" }), object: cm({ app: "on" }), want: "ADDED" },
  { type: "MODIFIED", previous: cm({ app: "on" }), object: cm({ app: "off" }), want: "DELETED" },
  { type: "MODIFIED", previous: cm({ app: "off" }), object: cm({ app: "off" }), want: undefined },
  { type: "DELETED", object: cm({ app: "on" }), want: "DELETED" },
  { type: "DELETED", object: cm({ app: "off" }), want: undefined },
];

for (const { type, previous, object, want } of transitions) {
  test(`watch translation: ${type} ${previous?.metadata.labels?.app ?? "-"} → ${object.metadata.labels?.app} gives ${want}`, () => {
    const event: StoreEvent = { type, object, resource: CONFIGMAPS, resourceVersion: 1, ...(previous ? { previous } : {}) };
    assert.equal(translate(event, on), want);
  });
}

const ages: [number, string][] = [[0, "0s"], [59_000, "59s"], [119_000, "119s"], [125_000, "2m5s"], [600_000, "10m"],
  [3 * 3_600_000 + 60_000, "3h1m"], [30 * 3_600_000, "30h"], [3 * 86_400_000, "3d"], [40 * 86_400_000, "40d"]];
for (const [ms, want] of ages) {
  test(`age ${ms} ms → ${want}`, () => assert.equal(humanAge(ms), want));
}

const line = (text: string, sec: number) => ({ timeNs: BigInt(sec) * 1_000_000_000n, timestamp: `t${sec}`, stream: "stdout" as const, text });
const lines = [line("a", 1), line("b", 2), line("c", 3), line("d", 4)];
const base: LogOptions = { container: undefined, follow: false, previous: false, timestamps: false, sinceNs: undefined,
  tailLines: undefined, limitBytes: undefined };
const selections: { options: Partial<LogOptions>; want: string[] }[] = [
  { options: {}, want: ["a", "b", "c", "d"] },
  { options: { tailLines: 2 }, want: ["c", "d"] },
  { options: { sinceNs: 3_000_000_000n }, want: ["c", "d"] },
  { options: { tailLines: 3, sinceNs: 3_000_000_000n }, want: ["c", "d"] },
  { options: { tailLines: 1, sinceNs: 1_000_000_000n }, want: ["d"] },
];
for (const { options, want } of selections) {
  test(`log selection ${JSON.stringify(options, (_k, v: unknown) => typeof v === "bigint" ? String(v) : v)}`, () => {
    const { tailLines, sinceNs } = { ...base, ...options };
    assert.equal(new EntryFormatter(false, sinceNs).format(tailEntries(lines, tailLines)), want.map((t) => `${t}\n`).join(""));
  });
}

test("log line format with and without timestamps", () => {
  assert.equal(new EntryFormatter(true).format(logEntries(line("x", 1))), "t1 x\n");
  assert.equal(new EntryFormatter(false).format(logEntries(line("x", 1))), "x\n");
});

// A long line written as three partial entries stamped at 5, 6 and 7 s, between lines at 4 and 8 s.
const fragmented = { ...line("AAABBBCC", 5), fragments: [
  { timeNs: 5_000_000_000n, timestamp: "t5", text: "AAA" }, { timeNs: 6_000_000_000n, timestamp: "t6", text: "BBB" },
  { timeNs: 7_000_000_000n, timestamp: "t7", text: "CC" }] };
const withLongLine = [line("d", 4), fragmented, line("e", 8)];
const fragmentCases: { name: string; options: Partial<LogOptions>; want: string }[] = [
  { name: "the fragments joined, with the first fragment's stamp", options: {}, want: "t4 d\nt5 AAABBBCC\nt8 e\n" },
  { name: "since inside the line: the rest of the line, joined and without a stamp", options: { sinceNs: 6_000_000_000n },
    want: "BBBCC\nt8 e\n" },
  { name: "since at the last fragment", options: { sinceNs: 7_000_000_000n }, want: "CC\nt8 e\n" },
  { name: "since after the line", options: { sinceNs: 8_000_000_000n }, want: "t8 e\n" },
  { name: "tailLines counts the file's entries (fragments)", options: { tailLines: 2 }, want: "t7 CC\nt8 e\n" },
];
for (const c of fragmentCases) {
  test(`fragmented line: ${c.name}`, () => {
    const { tailLines, sinceNs } = { ...base, ...c.options };
    assert.equal(new EntryFormatter(true, sinceNs).format(tailEntries(withLongLine, tailLines)), c.want);
  });
}

test("a follow stream joins fragments that arrive in separate calls", () => {
  const formatter = new EntryFormatter(true);
  const [first, ...rest] = logEntries(fragmented);
  assert.equal(formatter.format(first ? [first] : []) + formatter.format(rest), "t5 AAABBBCC\n");
});
