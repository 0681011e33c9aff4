// The shared-volume copy of a bundle: written once, atomically, readable by another user.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeSharedBundle } from "../src/paperclip/bundle-store.ts";
import type { BundleFile } from "../src/spec/bundle.ts";

let root: string;
before(() => { root = mkdtempSync(path.join(tmpdir(), "claude-k8s-bundle-store-")); });
after(() => rmSync(root, { recursive: true, force: true }));

const FILES: BundleFile[] = [
  { path: "agent-instructions.md", content: Buffer.from("# Rules\n"), executable: false },
  { path: ".claude/skills/review/scripts/run.sh", content: Buffer.from("echo hi\n"), executable: true },
];

test("writeSharedBundle: files with their modes, world-readable directories; a second write is a no-op", async () => {
  const dir = path.join(root, ".paperclip-bundles", "k1");
  assert.equal(await writeSharedBundle(dir, FILES), true);
  assert.equal(readFileSync(path.join(dir, "agent-instructions.md"), "utf8"), "# Rules\n");
  assert.equal(statSync(path.join(dir, "agent-instructions.md")).mode & 0o777, 0o644);
  assert.equal(statSync(path.join(dir, ".claude/skills/review/scripts/run.sh")).mode & 0o777, 0o755);
  for (const sub of ["", ".claude", ".claude/skills", ".claude/skills/review"]) assert.equal(statSync(path.join(dir, sub)).mode & 0o777, 0o755, sub);
  assert.equal(await writeSharedBundle(dir, FILES), false);
});

test("writeSharedBundle: concurrent writers of one bundle both succeed, leaving one complete copy and no temporaries", async () => {
  const dir = path.join(root, ".paperclip-bundles", "k2");
  const results = await Promise.all([writeSharedBundle(dir, FILES), writeSharedBundle(dir, FILES), writeSharedBundle(dir, FILES)]);
  assert.ok(results.includes(true));
  assert.deepEqual(readdirSync(path.dirname(dir)).filter((name) => name.startsWith("k2")), ["k2"]);
  assert.equal(readFileSync(path.join(dir, ".claude/skills/review/scripts/run.sh"), "utf8"), "echo hi\n");
});

test("writeSharedBundle: a path leaving the bundle is refused and nothing is left", async () => {
  const dir = path.join(root, ".paperclip-bundles", "k3");
  await assert.rejects(writeSharedBundle(dir, [{ path: "../escape", content: Buffer.from("x"), executable: false }]), /leaves the bundle/);
  assert.deepEqual(readdirSync(path.dirname(dir)).filter((name) => name.startsWith("k3")), []);
});
