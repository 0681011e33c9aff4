// Sessions and skills inside the pod, on kube-sim with the real Claude Code CLI. With a shared
// volume (a PVC, served by kube-sim as a host directory; mounted at that same path, so the server
// writes the prompt bundle where the pod reads it): the first run reads a skill Paperclip handed
// in, the second run resumes the first run's Claude session from the per-agent HOME on the volume.
// Without one: the skill ships in the run Secret and is readable all the same.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { bash, say } from "anthropic-sim";
import type { RecordedRequest, Reply } from "anthropic-sim";
import { JOBS } from "kube-sim";
import { agentConfig, NAMESPACE, run, runContext, startWorld, transcriptLines } from "./run-support.ts";
import type { World } from "./run-support.ts";

const SKILL_TEXT = "skill-marker-7f3a: review every diff twice";
const CLAIM = "agent-workspace";

let world: World;
let dataDir: string;
let skillsDir: string;
let mount: string;

type Message = { role: string; content: unknown };

function messagesOf(request: RecordedRequest): Message[] {
  return ((request.body as { messages?: Message[] }).messages ?? []);
}

/** Reads the skill on a fresh conversation, answers after a tool result or on a resumed one. */
function script(request: RecordedRequest): Reply {
  const messages = messagesOf(request);
  const last = JSON.stringify(messages.at(-1)?.content ?? "");
  if (last.includes("tool_result")) return say("Read the skill.");
  if (messages.some((m) => m.role === "assistant")) return say("Resumed with the earlier conversation.");
  return bash("cat $SKILL_FILE 2>/dev/null || cat /var/run/paperclip/bundle/.claude/skills/reviewer/SKILL.md");
}

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "claude-k8s-sessions-"));
  skillsDir = mkdtempSync(path.join(tmpdir(), "claude-k8s-skills-"));
  mkdirSync(path.join(skillsDir, "reviewer"), { recursive: true });
  writeFileSync(path.join(skillsDir, "reviewer", "SKILL.md"), `---\nname: reviewer\ndescription: test skill\n---\n${SKILL_TEXT}\n`);
  // kube-sim keeps a claim's files under <dataDir>/pvc/<namespace>/<claim>; mounting the claim at
  // that very path makes the server's view and the pod's the same, as on a real shared volume.
  mount = path.join(dataDir, "pvc", NAMESPACE, CLAIM);
  mkdirSync(mount, { recursive: true });
  // The pod runs as uid 1000: it must get through every directory above the claim (mkdtemp makes 0700).
  for (const dir of [dataDir, path.join(dataDir, "pvc"), path.join(dataDir, "pvc", NAMESPACE)]) chmodSync(dir, 0o755);
  chmodSync(mount, 0o777);
  world = await startWorld({ model: { script }, sim: { runtime: { dataDir } } });
});

after(async () => {
  await world.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(skillsDir, { recursive: true, force: true });
});

function config(shared: boolean): Record<string, unknown> {
  const base = agentConfig(world, { retainJobs: true, ...(shared ? { workspaceVolumeClaim: CLAIM, workspaceMountPath: mount } : {}) });
  const skills = [{ key: "acme/skills/reviewer", runtimeName: "reviewer", source: path.join(skillsDir, "reviewer") }];
  return {
    ...base, paperclipRuntimeSkills: skills, paperclipSkillSync: { desiredSkills: ["acme/skills/reviewer"] },
    env: { ...(base.env as Record<string, string>), SKILL_FILE: shared ? `${mount}/.paperclip-bundles/*/.claude/skills/reviewer/SKILL.md` : "/nonexistent" },
  };
}

function jobCommand(world: World, job: string): string[] {
  const history = world.sim.runtime?.groundTruth.history(JOBS, NAMESPACE, job) ?? [];
  const first = history[0]?.object as { spec?: { template?: { spec?: { containers?: { command?: string[] }[] } } } } | undefined;
  return first?.spec?.template?.spec?.containers?.[0]?.command ?? [];
}

test("shared volume: the skill is read in the pod, and the next run resumes the Claude session", async () => {
  const workspace = { cwd: path.join(mount, "workspaces", "agent-1"), source: "project_primary" };
  mkdirSync(workspace.cwd, { recursive: true });
  chmodSync(path.dirname(workspace.cwd), 0o755);
  chmodSync(workspace.cwd, 0o777);
  const first = runContext(config(true), { taskId: "task-1" });
  first.ctx.context.paperclipWorkspace = workspace;
  const before = world.model.messageRequests().length;
  const one = await run(first);
  assert.equal(one.errorCode ?? null, null, `${one.errorCode}: ${one.errorMessage}`);
  assert.ok(transcriptLines(first.record).join("\n").includes(SKILL_TEXT), `the Bash tool's cat printed the skill inside the pod: ${transcriptLines(first.record).join("\n").slice(-3000)}`);
  const firstJob = (one.resultJson as { k8s: { job: string } }).k8s.job;
  const firstArgs = jobCommand(world, firstJob);
  const addDir = firstArgs[firstArgs.indexOf("--add-dir") + 1] ?? "";
  assert.match(addDir, new RegExp(`^${mount}/\\.paperclip-bundles/[0-9a-f]{64}$`));
  assert.ok(firstArgs.includes("--append-system-prompt-file"), "a fresh session gets the instructions (the skill library manifest)");
  assert.ok(one.sessionId, "the first run reports its session");
  const saved = one.sessionParams ?? {};
  assert.equal(saved.sessionId, one.sessionId);
  assert.equal(saved.promptBundleKey, addDir.split("/").at(-1));
  assert.equal(saved.workspaceVolumeClaim, CLAIM);
  assert.equal(saved.cwd, workspace.cwd);
  const store = readdirSync(path.join(mount, ".paperclip-claude"), { recursive: true }).map(String);
  assert.ok(store.some((file) => file.endsWith(`${one.sessionId}.jsonl`)), `the session is stored under the agent's HOME on the volume: ${store.join(", ")}`);

  const second = runContext(config(true), { taskId: "task-1", sessionId: one.sessionId ?? null });
  second.ctx.runtime.sessionParams = saved;
  second.ctx.context.paperclipWorkspace = workspace;
  const two = await run(second);
  assert.equal(two.errorCode ?? null, null, `${two.errorCode}: ${two.errorMessage}`);
  const secondArgs = jobCommand(world, (two.resultJson as { k8s: { job: string } }).k8s.job);
  assert.deepEqual(secondArgs.slice(secondArgs.indexOf("--resume"), secondArgs.indexOf("--resume") + 2), ["--resume", one.sessionId]);
  assert.ok(!secondArgs.includes("--append-system-prompt-file"), "a resumed session is not sent the instructions again");
  assert.equal(two.sessionId, one.sessionId, "claude continued the same session");
  const resumedRequest = world.model.messageRequests().slice(before).at(-1);
  assert.ok(resumedRequest);
  const earlier = JSON.stringify(messagesOf(resumedRequest));
  assert.ok(earlier.includes(SKILL_TEXT) && earlier.includes("Read the skill."), "the resumed request carries the first run's conversation");
});

test("a stored session whose bundle changed is not resumed: fresh session, and the run says why", async () => {
  const handle = runContext(config(true), { sessionId: "3f1c2a9e-5b7d-4e1f-9a2b-0c8d7e6f5a4b" });
  handle.ctx.runtime.sessionParams = { sessionId: "3f1c2a9e-5b7d-4e1f-9a2b-0c8d7e6f5a4b", namespace: NAMESPACE, promptBundleKey: "an-older-bundle" };
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  const said = handle.record.stderr.join("").split("\n").filter((line) => line.includes("is not resumed"));
  assert.equal(said.length, 1, said.join("\n"));
  assert.ok(said[0]?.includes("it was saved for prompt bundle \"an-older-bundle\""), said[0]);
  assert.ok(!jobCommand(world, (result.resultJson as { k8s: { job: string } }).k8s.job).includes("--resume"));
  assert.notEqual(result.sessionId, "3f1c2a9e-5b7d-4e1f-9a2b-0c8d7e6f5a4b");
});

test("a session the store does not know fails as claude_session_not_found and is cleared", async () => {
  const unknown = "0b6f1c8e-1111-4222-8333-444455556666";
  const handle = runContext(config(true), { sessionId: unknown });
  handle.ctx.runtime.sessionParams = { sessionId: unknown, namespace: NAMESPACE, workspaceVolumeClaim: CLAIM };
  const result = await run(handle);
  assert.ok(jobCommand(world, (result.resultJson as { k8s: { job: string } }).k8s.job).includes(unknown), "it was tried with --resume");
  assert.equal(result.errorCode, "claude_session_not_found", result.errorMessage ?? "");
  assert.equal(result.clearSession, true);
  assert.equal(result.sessionParams ?? null, null);
});

test("no shared volume: the skill ships in the run Secret and is readable in the pod", async () => {
  const handle = runContext(config(false));
  const result = await run(handle);
  assert.equal(result.errorCode ?? null, null, `${result.errorCode}: ${result.errorMessage}`);
  assert.ok(transcriptLines(handle.record).join("\n").includes(SKILL_TEXT), "the Bash tool's cat printed the skill inside the pod");
  const args = jobCommand(world, (result.resultJson as { k8s: { job: string } }).k8s.job);
  assert.equal(args[args.indexOf("--add-dir") + 1], "/var/run/paperclip/bundle");
});
