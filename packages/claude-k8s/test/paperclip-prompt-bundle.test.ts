// preparePromptBundle on the server host: Paperclip's instructions directory and the enabled
// skills go into one bundle, written to the shared volume or shipped with the run.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defaultConfig } from "../src/config/parse.ts";
import { preparePromptBundle } from "../src/paperclip/prompt-bundle.ts";

let root: string;
let instructions: string;
let skill: string;

before(() => {
  root = mkdtempSync(path.join(tmpdir(), "claude-k8s-prompt-bundle-"));
  instructions = path.join(root, "instructions");
  mkdirSync(path.join(instructions, "node_modules", "junk"), { recursive: true });
  writeFileSync(path.join(instructions, "AGENTS.md"), "# Agent\nRead ./HEARTBEAT.md\n");
  writeFileSync(path.join(instructions, "HEARTBEAT.md"), "beat\n");
  writeFileSync(path.join(instructions, "node_modules", "junk", "x.js"), "junk\n");
  skill = path.join(root, "skills", "reviewer");
  mkdirSync(skill, { recursive: true });
  writeFileSync(path.join(skill, "SKILL.md"), "# Reviewer\n");
});

after(() => rmSync(root, { recursive: true, force: true }));

function raw(): Record<string, unknown> {
  return {
    instructionsRootPath: instructions, instructionsFilePath: path.join(instructions, "AGENTS.md"),
    paperclipRuntimeSkills: [{ key: "acme/reviewer", runtimeName: "reviewer", source: skill }],
    paperclipSkillSync: { desiredSkills: ["acme/reviewer"] },
  };
}
const config = () => ({ ...defaultConfig(), instructionsFilePath: path.join(instructions, "AGENTS.md") });

test("no shared volume: the instructions directory (ignored dirs left out) and the skill ship inline; the instructions say where siblings are", async () => {
  const prepared = await preparePromptBundle(config(), raw(), null);
  assert.ok(prepared.ok && prepared.placed, JSON.stringify(prepared));
  const files = new Map(prepared.placed.inline.map((f) => [f.path, f.content.toString()]));
  assert.deepEqual([...files.keys()].sort(), [".claude/skills/reviewer/SKILL.md", "agent-instructions.md", "instructions/AGENTS.md", "instructions/HEARTBEAT.md"]);
  const text = files.get("agent-instructions.md") ?? "";
  assert.ok(text.startsWith("# Agent\nRead ./HEARTBEAT.md\n"));
  assert.match(text, /acme\/reviewer/, "the skill library manifest is appended, as claude_local does");
  assert.match(text, /loaded from \/var\/run\/paperclip\/bundle\/instructions\/AGENTS\.md\. Resolve any relative file references from \/var\/run\/paperclip\/bundle\/instructions\/\./);
  assert.equal(prepared.placed.instructionsFile, "/var/run/paperclip/bundle/agent-instructions.md");
});

test("shared volume: written once under <mount>/.paperclip-bundles/<key>, same key for the same content", async () => {
  const mount = path.join(root, "mount");
  mkdirSync(mount);
  const workspace = { volume: { name: "workspace", persistentVolumeClaim: { claimName: "ws" } }, mountPath: mount, how: "test" };
  const first = await preparePromptBundle(config(), raw(), workspace);
  assert.ok(first.ok && first.placed);
  assert.deepEqual(first.placed.inline, []);
  assert.equal(first.placed.dir, path.join(mount, ".paperclip-bundles", first.placed.key));
  assert.equal(readFileSync(path.join(first.placed.dir, "instructions", "HEARTBEAT.md"), "utf8"), "beat\n");
  assert.match(readFileSync(path.join(first.placed.dir, "agent-instructions.md"), "utf8"), new RegExp(`Resolve any relative file references from ${first.placed.dir}/instructions/\\.`));
  const second = await preparePromptBundle(config(), raw(), workspace);
  assert.ok(second.ok && second.placed);
  assert.equal(second.placed.key, first.placed.key);
  assert.ok(second.notes.some((n) => n.includes("already there")));
  writeFileSync(path.join(instructions, "HEARTBEAT.md"), "beat 2\n");
  const changed = await preparePromptBundle(config(), raw(), workspace);
  assert.ok(changed.ok && changed.placed);
  assert.notEqual(changed.placed.key, first.placed.key, "a sibling file's change is a new bundle");
  writeFileSync(path.join(instructions, "HEARTBEAT.md"), "beat\n");
});

test("an enabled skill with an unsafe name fails the run before anything is created", async () => {
  const bad = { ...raw(), paperclipRuntimeSkills: [{ key: "acme/bad", runtimeName: "..", source: skill }], paperclipSkillSync: { desiredSkills: ["acme/bad"] } };
  const prepared = await preparePromptBundle(config(), bad, null);
  assert.equal(prepared.ok, false);
  if (!prepared.ok) assert.match(prepared.error, /acme\/bad.*"\.\."/);
});
