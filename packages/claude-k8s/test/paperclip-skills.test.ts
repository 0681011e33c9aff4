// listSkills/syncSkills report what the pod will see; readSkillSources reads a skill directory
// on the server host (symlinks followed, loops skipped, executables kept).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { listSkills, readSkillSources, runtimeSkills, syncSkills } from "../src/paperclip/skills.ts";
import { createServerAdapter } from "../src/paperclip/adapter.ts";

let root: string;

before(() => {
  root = mkdtempSync(path.join(tmpdir(), "claude-k8s-skills-"));
  const skill = path.join(root, "reviewer");
  mkdirSync(path.join(skill, "scripts"), { recursive: true });
  writeFileSync(path.join(skill, "SKILL.md"), "# Reviewer\n");
  writeFileSync(path.join(skill, "scripts", "run.sh"), "echo hi\n");
  chmodSync(path.join(skill, "scripts", "run.sh"), 0o755);
  writeFileSync(path.join(root, "shared.md"), "shared notes\n");
  symlinkSync(path.join(root, "shared.md"), path.join(skill, "notes.md"));
  symlinkSync(skill, path.join(skill, "loop"));
  symlinkSync(path.join(root, "gone"), path.join(skill, "dangling"));
});

after(() => rmSync(root, { recursive: true, force: true }));

function config(): Record<string, unknown> {
  return {
    paperclipRuntimeSkills: [
      { key: "acme/reviewer", runtimeName: "reviewer", source: path.join(root, "reviewer") },
      { key: "acme/idle", runtimeName: "idle", source: path.join(root, "reviewer") },
      { key: "acme/lost", runtimeName: "lost", source: path.join(root, "lost"), sourceStatus: "missing" },
    ],
    paperclipSkillSync: { desiredSkills: ["acme/reviewer", "acme/lost"] },
  };
}

const ctx = () => ({ agentId: "a", companyId: "c", adapterType: "claude_k8s", config: config() });

test("listSkills: enabled skills are configured and say where the pod sees them; disabled ones available; missing ones missing", async () => {
  const snapshot = await listSkills(ctx());
  assert.equal(snapshot.adapterType, "claude_k8s");
  assert.equal(snapshot.supported, true);
  const byKey = new Map(snapshot.entries.map((e) => [e.key, e]));
  assert.equal(byKey.get("acme/reviewer")?.state, "configured");
  assert.match(byKey.get("acme/reviewer")?.detail ?? "", /\.paperclip-bundles.*\/var\/run\/paperclip\/bundle\/\.claude\/skills/);
  assert.equal(byKey.get("acme/idle")?.state, "available");
  assert.equal(byKey.get("acme/lost")?.state, "missing");
  assert.deepEqual(await syncSkills(ctx(), ["acme/reviewer"]), snapshot, "nothing to install ahead: sync reports the same");
});

test("the adapter module offers listSkills and syncSkills", () => {
  const adapter = createServerAdapter();
  assert.equal(typeof adapter.listSkills, "function");
  assert.equal(typeof adapter.syncSkills, "function");
});

test("readSkillSources: files with relative paths, symlinked files followed, loops and dangling links skipped, executables kept", async () => {
  const skills = await runtimeSkills(config());
  assert.deepEqual(skills.mountable.map((e) => e.key), ["acme/reviewer"]);
  assert.deepEqual(skills.missing.map((e) => e.key), ["acme/lost"]);
  const [source] = await readSkillSources(skills.mountable);
  assert.ok(source);
  const files = new Map(source.files.map((f) => [f.path, f]));
  assert.deepEqual([...files.keys()].sort(), ["SKILL.md", "notes.md", "scripts/run.sh"]);
  assert.equal(files.get("notes.md")?.content.toString(), "shared notes\n");
  assert.equal(files.get("scripts/run.sh")?.executable, true);
  assert.equal(files.get("SKILL.md")?.executable, false);
});

test("readSkillSources: an unreadable source is an error naming the skill", async () => {
  await assert.rejects(readSkillSources([{ key: "acme/x", runtimeName: "x", source: path.join(root, "nope") }] as never), /acme\/x/);
});
