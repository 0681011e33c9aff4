import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig, parseConfig } from "../src/config/parse.ts";
import { dnsLabelProblem, dnsSubdomainProblem, labelKeyProblem, labelValueProblem, quantityValue } from "../src/config/syntax.ts";
import type { ClaudeK8sConfig } from "../src/config/types.ts";

interface Case {
  raw: Record<string, unknown>;
  expect?: Partial<ClaudeK8sConfig>;
  errors?: string[];
  warnings?: string[];
}

const cases: Case[] = [
  // resources
  { raw: { resources: { requests: { cpu: "500m" } } },
    expect: { resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } } } },
  { raw: { resources: '{"limits":{"memory":"16Gi","ephemeral-storage":"10Gi"}}' },
    expect: { resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "16Gi", "ephemeral-storage": "10Gi" } } } },
  { raw: { resources: { limits: { cpu: null } } },
    expect: { resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "8Gi" } } } },
  { raw: { resources: { requests: { cpu: 2, memory: "1e9" }, limits: { cpu: "2.5" } } },
    expect: { resources: { requests: { cpu: "2", memory: "1e9" }, limits: { cpu: "2.5", memory: "8Gi" } } } },
  { raw: { resources: { requests: { cpu: "lots" } } }, errors: ["resources.requests.cpu"] },
  { raw: { resources: { requests: { memory: "-1Gi" } } }, errors: ["resources.requests.memory"] },
  { raw: { resources: { requests: { memory: "2GB" } } }, errors: ["resources.requests.memory"] },
  { raw: { resources: { requests: { "nvidia.com/gpu": "1" } } }, errors: ["resources.requests.nvidia.com/gpu"] },
  { raw: { resources: { request: {} } }, errors: ["resources.request"] },
  { raw: { resources: { requests: "1 cpu" } }, errors: ["resources.requests"] },
  { raw: { resources: "{not json" }, errors: ["resources"] },
  { raw: { resources: [1] }, errors: ["resources"] },
  { raw: { resources: { requests: { cpu: "8" } } }, errors: ["resources.requests.cpu"] },
  { raw: { resources: { requests: { memory: "9000Mi" } } }, errors: ["resources.requests.memory"] },
  // nodeSelector
  { raw: { nodeSelector: { "kubernetes.io/arch": "amd64", pool: "agents" } },
    expect: { nodeSelector: { "kubernetes.io/arch": "amd64", pool: "agents" } } },
  { raw: { nodeSelector: "pool=agents\n# gpu nodes\ntopology.kubernetes.io/zone = eu-1a\n" },
    expect: { nodeSelector: { pool: "agents", "topology.kubernetes.io/zone": "eu-1a" } } },
  { raw: { nodeSelector: '{"pool":"agents"}' }, expect: { nodeSelector: { pool: "agents" } } },
  { raw: { nodeSelector: { "app.kubernetes.io/name": "x" } }, expect: { nodeSelector: { "app.kubernetes.io/name": "x" } } },
  { raw: { nodeSelector: "just-a-word" }, errors: ["nodeSelector"] },
  { raw: { nodeSelector: { "bad key": "x" } }, errors: ["nodeSelector"] },
  { raw: { nodeSelector: { pool: "has space" } }, errors: ["nodeSelector.pool"] },
  { raw: { nodeSelector: { pool: { nested: 1 } } }, errors: ["nodeSelector"] },
  // labels
  { raw: { labels: { team: "core", "example.com/cost-center": "42" } },
    expect: { labels: { team: "core", "example.com/cost-center": "42" } } },
  { raw: { labels: "team=core\nempty=" }, expect: { labels: { team: "core", empty: "" } } },
  { raw: { labels: { "paperclip.io/agent-id": "spoof", team: "core" } }, expect: { labels: { team: "core" } },
    warnings: ["labels.paperclip.io/agent-id"] },
  { raw: { labels: "app.kubernetes.io/managed-by=me" }, expect: { labels: {} }, warnings: ["labels.app.kubernetes.io/managed-by"] },
  { raw: { labels: { team: "a".repeat(64) } }, errors: ["labels.team"] },
  { raw: { labels: { team: "$(whoami)" } }, errors: ["labels.team"] },
  { raw: { labels: { team: "-core" } }, errors: ["labels.team"] },
  { raw: { labels: { ["x".repeat(64)]: "v" } }, errors: ["labels"] },
  { raw: { labels: { "Bad_Prefix/name": "v" } }, errors: ["labels"] },
  { raw: { labels: { "/name": "v" } }, errors: ["labels"] },
  { raw: { labels: { "a\"b": "v" } }, errors: ["labels"] },
  { raw: { labels: 12 }, errors: ["labels"] },
  // tolerations
  { raw: { tolerations: [{ key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }] },
    expect: { tolerations: [{ key: "dedicated", operator: "Equal", value: "agents", effect: "NoSchedule" }] } },
  { raw: { tolerations: '[{"operator":"Exists"}]' }, expect: { tolerations: [{ operator: "Exists" }] } },
  { raw: { tolerations: { key: "gpu", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 } },
    expect: { tolerations: [{ key: "gpu", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }] } },
  { raw: { tolerations: [{ key: "k", value: "v" }] }, expect: { tolerations: [{ key: "k", operator: "Equal", value: "v" }] } },
  { raw: { tolerations: [{ key: "k", operator: "In" }] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: [{ operator: "Exists" }, { key: "k", effect: "NoRun" }] }, errors: ["tolerations[1]"] },
  { raw: { tolerations: [{ key: "k", operator: "Exists", value: "v" }] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: [{ value: "v" }] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: [{ key: "k", effect: "NoSchedule", tolerationSeconds: 5 }] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: [{ key: "k", effect: "NoExecute", tolerationSeconds: "5" }] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: [{ key: "k", colour: "red" }] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: ["dedicated=agents"] }, errors: ["tolerations[0]"] },
  { raw: { tolerations: "[oops" }, errors: ["tolerations"] },
  { raw: { tolerations: 3 }, errors: ["tolerations"] },
  // affinity
  { raw: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
    expect: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } } },
  { raw: { affinity: '{"podAntiAffinity":{}}' }, expect: { affinity: { podAntiAffinity: {} } } },
  { raw: { affinity: {} }, expect: { affinity: null } },
  { raw: { affinity: { nodeAffinty: {} } }, errors: ["affinity.nodeAffinty"] },
  { raw: { affinity: { podAffinity: [] } }, errors: ["affinity.podAffinity"] },
  { raw: { affinity: "[]" }, errors: ["affinity"] },
  { raw: { affinity: "{" }, errors: ["affinity"] },
];

for (const { raw, expect, errors = [], warnings = [] } of cases) {
  test(`pod fields: ${JSON.stringify(raw).slice(0, 120)}`, () => {
    const parsed = parseConfig(raw);
    assert.deepEqual(parsed.errors.map((issue) => issue.field), errors, JSON.stringify(parsed.errors));
    assert.deepEqual(parsed.warnings.map((issue) => issue.field), warnings, JSON.stringify(parsed.warnings));
    for (const issue of [...parsed.errors, ...parsed.warnings]) {
      assert.ok(issue.message.startsWith(`${issue.field}: `), issue.message);
    }
    if (expect) assert.deepEqual(parsed.config, { ...defaultConfig(), ...expect });
  });
}

test("the reserved-label warning names the key and says it was dropped", () => {
  const [warning] = parseConfig({ labels: { "paperclip.io/run-id": "x" } }).warnings;
  assert.match(warning?.message ?? "", /^labels\.paperclip\.io\/run-id: .*reserved.*dropped/);
});

const quantityCases: Array<[string, number | null]> = [
  ["1", 1], ["500m", 0.5], ["2Gi", 2 * 2 ** 30], ["128Mi", 128 * 2 ** 20], ["1.5", 1.5], [".5", 0.5],
  ["1e3", 1000], ["1E-3", 0.001], ["1k", 1000], ["3M", 3e6], ["100n", 1e-7], ["1Ei", 2 ** 60],
  ["", null], ["-1", null], ["1 Gi", null], ["1GB", null], ["Gi", null], ["1.2.3", null], ["1e", null], ["0x10", null],
];
for (const [text, value] of quantityCases) {
  test(`quantityValue(${JSON.stringify(text)}) = ${value}`, () => {
    const got = quantityValue(text);
    if (value === null) assert.equal(got, null);
    else assert.ok(got !== null && Math.abs(got - value) <= Math.abs(value) * 1e-12, `got ${got}`);
  });
}

const syntaxCases: Array<[string, (text: string) => string | null, string, boolean]> = [
  ["dnsLabel", dnsLabelProblem, "agents-1", true],
  ["dnsLabel", dnsLabelProblem, "a", true],
  ["dnsLabel", dnsLabelProblem, "a".repeat(63), true],
  ["dnsLabel", dnsLabelProblem, "a".repeat(64), false],
  ["dnsLabel", dnsLabelProblem, "agents-", false],
  ["dnsLabel", dnsLabelProblem, "a.b", false],
  ["dnsLabel", dnsLabelProblem, "", false],
  ["dnsSubdomain", dnsSubdomainProblem, "a.b-c.d", true],
  ["dnsSubdomain", dnsSubdomainProblem, "a..b", false],
  ["dnsSubdomain", dnsSubdomainProblem, `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
  ["dnsSubdomain", dnsSubdomainProblem, `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false],
  ["labelKey", labelKeyProblem, "example.com/Name_1.x", true],
  ["labelKey", labelKeyProblem, "name", true],
  ["labelKey", labelKeyProblem, "a/b/c", false],
  ["labelKey", labelKeyProblem, "example.com/", false],
  ["labelKey", labelKeyProblem, "_x", false],
  ["labelKey", labelKeyProblem, `${"p".repeat(254)}/x`, false],
  ["labelValue", labelValueProblem, "", true],
  ["labelValue", labelValueProblem, "A-b_c.d", true],
  ["labelValue", labelValueProblem, "a/b", false],
  ["labelValue", labelValueProblem, "a\nb", false],
  ["labelValue", labelValueProblem, "x.", false],
];
for (const [name, check, text, valid] of syntaxCases) {
  test(`${name}(${JSON.stringify(text.length > 30 ? `${text.slice(0, 12)}...(${text.length})` : text)}) is ${valid ? "valid" : "invalid"}`, () => {
    const problem = check(text);
    if (valid) assert.equal(problem, null);
    else assert.equal(typeof problem, "string");
  });
}
