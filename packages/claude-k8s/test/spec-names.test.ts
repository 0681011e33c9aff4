import { test } from "node:test";
import assert from "node:assert/strict";
import { prng } from "../soak/schedule.ts"; // mulberry32, so a failure reproduces
import {
  agentDirName, agentLeaseName, dnsFragment, isDnsLabel, isLabelValue, jobName, runSecretName, toLabelValue,
} from "../src/spec/names.ts";

// Independent of the implementation's own regexes: the rules as kubernetes.md states them.
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function assertDnsLabel(name: string, label: string): void {
  assert.ok(name.length <= 63, `${label}: ${name} is ${name.length} > 63`);
  assert.match(name, DNS_1123_LABEL, `${label}: ${name}`);
}

const HOSTILE_IDS: [string, string][] = [
  ["uuid", "3f2b8c1e-9d4a-4e7b-8a1c-2b3d4e5f6a7b"],
  ["200 chars", "a".repeat(200)],
  ["200 symbols", "$".repeat(200)],
  ["unicode", "агент-🤖-エージェント"],
  ["path traversal", "../../etc/passwd"],
  ["uppercase", "MyAgent_ID.Prod"],
  ["dots and underscores", "a.b_c..d__e"],
  ["empty", ""],
  ["only dashes", "-----"],
  ["trailing dash at cut", "abcdefghijklmno-pqrs"],
  ["leading symbols", "__--..x"],
  ["newline and quotes", "a\nb'c\"d$(rm -rf /)`x`"],
  ["NUL", "a\0b"],
];

for (const [agentCase, agentId] of HOSTILE_IDS) {
  for (const [runCase, runId] of HOSTILE_IDS) {
    test(`names: agent ${agentCase} / run ${runCase} make valid DNS labels`, () => {
      const job = jobName(agentId, runId);
      assertDnsLabel(job, "job");
      assert.ok(job.startsWith("ac-"), job);
      assert.ok(job.length <= 47, `job name leaves room for "-run" and pod suffixes: ${job.length}`);
      assertDnsLabel(runSecretName(job), "secret");
      assertDnsLabel(`${job}-abcde`, "pod name as the Job controller makes it");
    });
  }
}

for (const [label, agentId] of HOSTILE_IDS) {
  test(`names: lease and home dir for agent ${label}`, () => {
    assertDnsLabel(agentLeaseName(agentId), "lease");
    const dir = agentDirName(agentId);
    assertDnsLabel(dir, "agent dir");
    assert.ok(!dir.includes("/") && dir !== "." && dir !== "..", dir);
  });
}

test("names: job name never ends in '-' when the 16-char cut lands on a dash", () => {
  const job = jobName("abcdefghijklmno-pqrs", "0123456789abcde-x");
  assert.ok(!job.includes("--"), job);
  assert.match(job, /^ac-abcdefghijklmno-0123456789abcde-[0-9a-f]{10}$/);
});

test("names: the hash covers the raw ids, NUL separated", () => {
  // Same sanitised fragments, different raw ids.
  assert.notEqual(jobName("Agent", "run"), jobName("agent", "run"));
  assert.notEqual(jobName("a-b", "c"), jobName("a", "b-c"));
  assert.notEqual(jobName("a.b", "c"), jobName("a_b", "c"));
  assert.equal(jobName("agent", "run"), jobName("agent", "run"), "deterministic");
});

function randomId(next: () => number, length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.$/ é🤖";
  const chars = [...alphabet];
  let out = "";
  for (let i = 0; i < length; i += 1) out += chars[Math.floor(next() * chars.length)];
  return out;
}

test("names: 5000 random distinct id pairs give 5000 distinct job names", () => {
  const next = prng(42);
  const pairs = new Set<string>();
  const names = new Set<string>();
  while (pairs.size < 5000) {
    const agent = randomId(next, 1 + Math.floor(next() * 40));
    const run = randomId(next, 1 + Math.floor(next() * 40));
    const key = `${agent}\0${run}`;
    if (pairs.has(key)) continue;
    pairs.add(key);
    names.add(jobName(agent, run));
  }
  assert.equal(names.size, pairs.size);
});

test("names: 5000 run ids sharing a 16-char prefix stay distinct (one agent)", () => {
  const names = new Set<string>();
  for (let i = 0; i < 5000; i += 1) names.add(jobName("agent-0001", `run-shared-prefix-${i}`));
  assert.equal(names.size, 5000);
  const agents = new Set<string>();
  for (let i = 0; i < 5000; i += 1) agents.add(agentLeaseName(`${"x".repeat(40)}${i}`));
  assert.equal(agents.size, 5000, "lease names of agents sharing a 40-char prefix");
});

const FRAGMENT_CASES: [string, string, number, string][] = [
  ["lower-cases", "ABC", 16, "abc"],
  ["symbols become one dash", "a..__b", 16, "a-b"],
  ["leading/trailing dashes trimmed", "--a--", 16, "a"],
  ["cut then trimmed", "abc-def", 4, "abc"],
  ["empty becomes x", "", 16, "x"],
  ["only symbols become x", "🤖🤖", 16, "x"],
];
for (const [label, raw, max, expected] of FRAGMENT_CASES) {
  test(`dnsFragment: ${label}`, () => assert.equal(dnsFragment(raw, max), expected));
}

const LABEL_CASES: [string, string, "kept" | "hashed"][] = [
  ["valid uuid kept", "3f2b8c1e-9d4a-4e7b-8a1c-2b3d4e5f6a7b", "kept"],
  ["empty kept (valid)", "", "kept"],
  ["63 chars kept", "a".repeat(63), "kept"],
  ["64 chars hashed", "a".repeat(64), "hashed"],
  ["200 chars hashed", "b".repeat(200), "hashed"],
  ["unicode hashed", "агент", "hashed"],
  ["path hashed", "../etc/passwd", "hashed"],
  ["spaces hashed", "my agent", "hashed"],
  ["trailing dot hashed", "agent.", "hashed"],
  ["leading dash hashed", "-agent", "hashed"],
  ["newline hashed", "a\nb", "hashed"],
  ["shell hashed", "$(rm -rf /)", "hashed"],
];
for (const [label, raw, outcome] of LABEL_CASES) {
  test(`toLabelValue: ${label}`, () => {
    const value = toLabelValue(raw);
    assert.ok(value.length <= 63, `${value.length}`);
    assert.match(value, LABEL_VALUE);
    assert.equal(isLabelValue(value), true);
    if (outcome === "kept") assert.equal(value, raw);
    else assert.match(value, /[0-9a-f]{10}$/, `hashed value ends in the hash: ${value}`);
  });
}

test("toLabelValue: ids that collide after cleaning or cutting stay distinct", () => {
  const groups = [
    ["a b", "a_b", "a/b", "a\tb"],
    ["x".repeat(70), `${"x".repeat(69)}y`, `${"x".repeat(63)}-`],
    ["агент", "агенТ", "🤖"],
  ];
  for (const group of groups) {
    const values = new Set(group.map(toLabelValue));
    assert.equal(values.size, group.length, JSON.stringify(group));
  }
});

test("isDnsLabel agrees with the stated rule on edge cases", () => {
  for (const name of ["a", "a-b", "0", "a".repeat(63)]) assert.equal(isDnsLabel(name), true, name);
  for (const name of ["", "-a", "a-", "A", "a_b", "a.b", "a".repeat(64)]) assert.equal(isDnsLabel(name), false, name);
});
