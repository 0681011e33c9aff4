// The prompt bundle: content addressing, refusals (S9 and size), and how the plan ships it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultConfig } from "../src/config/parse.ts";
import {
  buildPromptBundle, inlineBundleKey, placeInline, placeShared, unsafePathReason,
  type BundleFile, type PromptBundle, type SkillSource,
} from "../src/spec/bundle.ts";
import { RUN_DIR } from "../src/spec/job.ts";
import { planRun, type RunPlanInput } from "../src/spec/plan.ts";
import { SECRET_MAX_BYTES } from "../src/spec/secret.ts";

function file(path: string, text: string, executable = false): BundleFile {
  return { path, content: Buffer.from(text), executable };
}

const SKILL: SkillSource = { key: "acme/skills/review", runtimeName: "review", files: [file("SKILL.md", "# Review\n"), file("scripts/run.sh", "echo hi\n", true)] };

function built(instructions: string | null, skills: SkillSource[]): PromptBundle {
  const result = buildPromptBundle({ instructions, skills });
  assert.ok(result.ok, !result.ok ? result.error : "");
  assert.ok(result.bundle);
  return result.bundle;
}

test("bundle: layout is what claude reads through --add-dir", () => {
  const bundle = built("# Rules", [SKILL]);
  assert.deepEqual(bundle.files.map((f) => f.path), [
    ".claude/skills/review/SKILL.md", ".claude/skills/review/scripts/run.sh", "agent-instructions.md",
  ]);
  assert.deepEqual(bundle.skills, ["review"]);
  assert.equal(bundle.bytes, "# Rules".length + "# Review\n".length + "echo hi\n".length);
});

test("bundle: nothing to ship -> no bundle", () => {
  const result = buildPromptBundle({ instructions: null, skills: [] });
  assert.deepEqual(result, { ok: true, bundle: null });
});

const KEY_CASES: [string, () => PromptBundle, boolean][] = [
  ["same content, other order of skills and files", () => built("# Rules", [{ ...SKILL, files: [...SKILL.files].reverse() }]), true],
  ["instructions changed", () => built("# Rules!", [SKILL]), false],
  ["a skill file changed", () => built("# Rules", [{ ...SKILL, files: [file("SKILL.md", "# Review 2\n"), SKILL.files[1] as BundleFile] }]), false],
  ["the executable bit changed", () => built("# Rules", [{ ...SKILL, files: [SKILL.files[0] as BundleFile, file("scripts/run.sh", "echo hi\n", false)] }]), false],
  ["a skill renamed", () => built("# Rules", [{ ...SKILL, runtimeName: "review2" }]), false],
];
for (const [label, other, same] of KEY_CASES) {
  test(`bundle key: ${label} -> ${same ? "same" : "different"} key`, () => {
    const base = built("# Rules", [SKILL]).key;
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(other().key === base, same);
  });
}

const REFUSED: [string, SkillSource][] = [
  ["a '..' file path", { ...SKILL, files: [file("../../etc/passwd", "x")] }],
  ["a '..' in the middle", { ...SKILL, files: [file("a/../../b", "x")] }],
  ["an absolute file path", { ...SKILL, files: [file("/etc/passwd", "x")] }],
  ["an empty component", { ...SKILL, files: [file("a//b", "x")] }],
  ["a '..' skill name", { ...SKILL, runtimeName: ".." }],
  ["a skill name with a slash", { ...SKILL, runtimeName: "a/b" }],
  ["a backslash", { ...SKILL, files: [file("a\\..\\b", "x")] }],
];
for (const [label, skill] of REFUSED) {
  test(`bundle: ${label} is refused, naming the skill`, () => {
    const result = buildPromptBundle({ instructions: null, skills: [skill] });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error, /acme\/skills\/review/);
  });
}

test("bundle: two skills with one name are refused", () => {
  const result = buildPromptBundle({ instructions: null, skills: [SKILL, { ...SKILL, key: "other/review" }] });
  assert.equal(result.ok, false);
});

test("unsafePathReason: plain nested paths pass", () => {
  for (const ok of ["SKILL.md", "a/b/c.txt", ".hidden", "..dots"]) assert.equal(unsafePathReason(ok), null, ok);
});

const LIMIT_CASES: [string, { maxBytes: number; maxFiles: number }, boolean][] = [
  ["exactly at both limits", { maxBytes: 24, maxFiles: 3 }, true],
  ["one byte over", { maxBytes: 23, maxFiles: 3 }, false],
  ["one file over", { maxBytes: 100, maxFiles: 2 }, false],
];
for (const [label, limits, ok] of LIMIT_CASES) {
  test(`bundle limits: ${label}`, () => {
    // 7 + 9 + 8 = 24 bytes in 3 files
    const result = buildPromptBundle({ instructions: "# Rules", skills: [SKILL] }, limits);
    assert.equal(result.ok, ok);
    if (!result.ok) assert.match(result.error, /3 files, 24 bytes/);
  });
}

function planInput(overrides: Partial<RunPlanInput>): RunPlanInput {
  return {
    identity: { agentId: "agent-1", runId: "run-1", companyId: "co-1" }, namespace: "agents",
    config: { ...defaultConfig(), image: "claude:1" }, serverPod: null, serverContainerName: null,
    prompt: "hi", agentToken: null, instructions: null, runVars: {}, isForbidden: () => false,
    resumeSessionId: null, cwd: null, now: "2026-01-01T00:00:00Z", ...overrides,
  };
}

function argv(plan: ReturnType<typeof planRun>): string[] {
  assert.ok(plan.ok, !plan.ok ? JSON.stringify(plan.errors) : "");
  return plan.job.spec?.template.spec?.containers[0]?.command ?? [];
}

test("plan, no shared volume: the bundle is projected from the run Secret; --add-dir; instructions on fresh sessions only", () => {
  const bundle = placeInline(built("# Rules", [SKILL]), RUN_DIR);
  const plan = planRun(planInput({ bundle }));
  const command = argv(plan);
  assert.ok(plan.ok);
  assert.deepEqual(command.slice(command.indexOf("--add-dir"), command.indexOf("--add-dir") + 2), ["--add-dir", "/var/run/paperclip/bundle"]);
  assert.ok(command.includes("--append-system-prompt-file") && command.includes("/var/run/paperclip/bundle/agent-instructions.md"));
  const items = plan.job.spec?.template.spec?.volumes?.find((v) => v.name === "run")?.secret?.items ?? [];
  const script = items.find((i) => i.path === "bundle/.claude/skills/review/scripts/run.sh");
  assert.deepEqual(script, { key: inlineBundleKey(".claude/skills/review/scripts/run.sh"), path: "bundle/.claude/skills/review/scripts/run.sh", mode: 0o550 });
  assert.equal(Buffer.from(plan.secret.data?.[script.key] ?? "", "base64").toString(), "echo hi\n");
  const resumed = argv(planRun(planInput({ bundle, resumeSessionId: "3f1c2a9e-5b7d-4e1f-9a2b-0c8d7e6f5a4b" })));
  assert.ok(!resumed.includes("--append-system-prompt-file"), "a resumed session already holds the instructions");
  assert.ok(resumed.includes("--add-dir"), "skills stay visible on resume");
});

test("plan, shared volume: the bundle is read in place, nothing of it in the Secret", () => {
  const bundle = placeShared(built("# Rules", [SKILL]), "/paperclip");
  assert.match(bundle.dir, /^\/paperclip\/\.paperclip-bundles\/[0-9a-f]{64}$/);
  const plan = planRun(planInput({ bundle }));
  const command = argv(plan);
  assert.ok(plan.ok);
  assert.ok(command.includes(bundle.dir));
  assert.ok(command.includes(`${bundle.dir}/agent-instructions.md`));
  assert.deepEqual(Object.keys(plan.secret.data ?? {}), ["prompt"]);
});

test("plan: an inline bundle past the Secret's 1 MiB is refused, naming the bundle and the way out", () => {
  const big: SkillSource = { key: "acme/big", runtimeName: "big", files: [file("data.txt", "x".repeat(SECRET_MAX_BYTES))] };
  const plan = planRun(planInput({ bundle: placeInline(built(null, [big]), RUN_DIR) }));
  assert.equal(plan.ok, false);
  if (!plan.ok) {
    assert.match(plan.errors[0]?.message ?? "", /prompt bundle \(instructions and skills, 1 files\) 1048576/);
    assert.match(plan.errors[0]?.message ?? "", /workspaceVolumeClaim/);
  }
});
