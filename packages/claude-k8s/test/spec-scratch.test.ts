// The server's per-run host paths never reach the pod as host paths: planRun maps the scratch
// directory (whichever env layer carries it) to the pod's own emptyDir, drops the GitHub
// launcher paths, and keeps everything else. Also: which cwd the container works in.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Container, V1EnvVar, V1PodSpec } from "@kubernetes/client-node";
import { defaultConfig } from "../src/config/parse.ts";
import type { ClaudeK8sConfig } from "../src/config/types.ts";
import { planRun, type RunPlanInput } from "../src/spec/plan.ts";
import { runCwd } from "../src/spec/job.ts";
import { POD_SCRATCH_DIR, podLocalEnv, SCRATCH_ENV_KEYS, SCRATCH_VOLUME, TEMP_ENV_KEYS } from "../src/spec/scratch.ts";

const HOST = "/tmp/paperclip-run-pap-12-3f9a1c2b7d4e-Xk2Lq9";
/** What run-scratch.js's buildHeartbeatRunScratchEnv puts into config.env. */
const SERVER_SCRATCH_ENV: Record<string, string> = {
  PAPERCLIP_RUN_SCRATCH_DIR: HOST, PAPERCLIP_TASK_SCRATCH_DIR: HOST, PAPERCLIP_SCRATCH_DIR: HOST, PAPERCLIP_TMPDIR: HOST,
  TMPDIR: HOST, TEMP: HOST, TMP: HOST,
};
const LAUNCHERS = "/tmp/paperclip-github-runtime/run-1";

function plan(config: Partial<ClaudeK8sConfig>, overrides: Partial<RunPlanInput> = {}): { env: Map<string, V1EnvVar>; pod: V1PodSpec; claude: V1Container; notes: string[] } {
  const result = planRun({
    identity: { agentId: "agent-1", runId: "run-1", companyId: "co-1" }, namespace: "agents",
    config: { ...defaultConfig(), image: "claude:1", workspaceVolumeClaim: "ws", workspaceMountPath: "/paperclip", ...config },
    serverPod: null, serverContainerName: null, prompt: "hi", agentToken: null, instructions: null, runVars: {},
    isForbidden: (key) => key === "PAPERCLIP_API_KEY", resumeSessionId: null, cwd: null,
    now: "2026-01-01T00:00:00Z", ...overrides,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const pod = result.job.spec?.template.spec;
  const claude = pod?.containers[0];
  assert.ok(pod && claude);
  // Config env values other than the server's scratch/launcher paths come from the run Secret:
  // read them through their reference, as the kubelet would.
  const fromSecret = (entry: V1EnvVar): V1EnvVar => {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref?.name !== result.secretName) return entry;
    return { name: entry.name, value: Buffer.from(result.secret.data?.[ref.key] ?? "", "base64").toString("utf8") };
  };
  return { env: new Map((claude.env ?? []).map((entry) => [entry.name, fromSecret(entry)])), pod, claude, notes: result.notes };
}

const LAYERS: [string, Partial<ClaudeK8sConfig>, Partial<RunPlanInput>][] = [
  ["config.env (where the server puts it)", { env: SERVER_SCRATCH_ENV }, {}],
  ["run variables", {}, { runVars: SERVER_SCRATCH_ENV }],
];
for (const [where, config, overrides] of LAYERS) {
  test(`planRun: the server's scratch env in ${where} points at the pod's scratch emptyDir`, () => {
    const { env, pod, claude, notes } = plan(config, overrides);
    for (const name of [...SCRATCH_ENV_KEYS, ...TEMP_ENV_KEYS]) assert.equal(env.get(name)?.value, POD_SCRATCH_DIR, name);
    const json = JSON.stringify(pod);
    assert.ok(!json.includes("paperclip-run-pap"), "no host scratch path anywhere in the pod spec");
    assert.deepEqual(pod.volumes?.find((volume) => volume.name === SCRATCH_VOLUME), { name: SCRATCH_VOLUME, emptyDir: {} });
    assert.deepEqual(claude.volumeMounts?.find((mount) => mount.name === SCRATCH_VOLUME), { name: SCRATCH_VOLUME, mountPath: POD_SCRATCH_DIR });
    assert.ok(notes.some((note) => note.includes(HOST) && note.includes(POD_SCRATCH_DIR)), notes.join("; "));
  });
}

test("planRun: a TMPDIR the agent's env set itself is kept (the server leaves it alone too)", () => {
  const { env } = plan({ env: { ...SERVER_SCRATCH_ENV, TMPDIR: "/var/tmp/agent" } });
  assert.equal(env.get("TMPDIR")?.value, "/var/tmp/agent");
  assert.equal(env.get("TEMP")?.value, POD_SCRATCH_DIR);
});

test("planRun: paths under the host scratch directory keep their place under the pod's", () => {
  const { env } = plan({ env: { ...SERVER_SCRATCH_ENV, CACHE: `${HOST}/cache/npm`, NEAR_MISS: `${HOST}-other` } });
  assert.equal(env.get("CACHE")?.value, `${POD_SCRATCH_DIR}/cache/npm`);
  assert.equal(env.get("NEAR_MISS")?.value, `${HOST}-other`, "only the directory itself and paths under it");
});

test("planRun: without server scratch env nothing is rewritten, and the pod still has its scratch space", () => {
  const { env, pod } = plan({ env: { TMPDIR: "/scratch", MODE: "x" } });
  assert.equal(env.get("TMPDIR")?.value, "/scratch");
  assert.equal(env.has("PAPERCLIP_SCRATCH_DIR"), false);
  assert.ok(pod.volumes?.some((volume) => volume.name === SCRATCH_VOLUME));
});

test("planRun: the server's GitHub launcher paths (PATH, ZDOTDIR, BASH_ENV, GH_CONFIG_DIR) are dropped, not passed", () => {
  const { env, notes } = plan({ env: {
    PATH: `${LAUNCHERS}:/usr/local/bin:/usr/bin`, ZDOTDIR: LAUNCHERS, BASH_ENV: `${LAUNCHERS}/.bashrc`,
    GH_CONFIG_DIR: `${LAUNCHERS}/gh-config`, PAPERCLIP_GITHUB_LAUNCHER_DIR: LAUNCHERS, GH_HOST: "github.com",
  } });
  for (const name of ["PATH", "ZDOTDIR", "BASH_ENV", "GH_CONFIG_DIR", "PAPERCLIP_GITHUB_LAUNCHER_DIR"]) assert.equal(env.has(name), false, name);
  assert.equal(env.get("GH_HOST")?.value, "github.com");
  assert.ok(notes.some((note) => note.startsWith("not passed: PATH")));
});

test("planRun: a PATH the operator set (no launcher directory) is passed as is", () => {
  assert.equal(plan({ env: { PATH: "/opt/tools/bin:/usr/bin" } }).env.get("PATH")?.value, "/opt/tools/bin:/usr/bin");
});

test("podLocalEnv: the host directory is found in whichever layer carries it, with or without a trailing slash", () => {
  const mapped = podLocalEnv([{ A: "x" }, { PAPERCLIP_TMPDIR: `${HOST}/`, TMP: HOST }]);
  assert.equal(mapped.hostScratchDir, HOST);
  assert.deepEqual(mapped.layers, [{ A: "x" }, { PAPERCLIP_TMPDIR: POD_SCRATCH_DIR, TMP: POD_SCRATCH_DIR }]);
});

const CWD_CASES: [string, string | null, string | null, string | null, string | null][] = [
  ["workspace cwd wins", "/paperclip/ws/a", "project_primary", "/paperclip/other", "/paperclip/ws/a"],
  ["agent-home fallback: the configured cwd wins", "/paperclip/home/a", "agent_home", "/paperclip/other", "/paperclip/other"],
  ["agent-home fallback, nothing configured", "/paperclip/home/a", "agent_home", null, "/paperclip/home/a"],
  ["no workspace cwd: the configured one", null, null, "/paperclip/other", "/paperclip/other"],
  ["neither", null, null, null, null],
];
for (const [label, workspaceCwd, source, configured, expected] of CWD_CASES) {
  test(`runCwd: ${label}`, () => assert.equal(runCwd(workspaceCwd, source, configured), expected));
}

test("planRun: the configured cwd becomes workingDir when it lies on the shared volume, never otherwise", () => {
  assert.equal(plan({ cwd: "/paperclip/projects/app" }).claude.workingDir, "/paperclip/projects/app");
  assert.equal(plan({ cwd: "/home/operator/app" }).claude.workingDir, undefined);
  assert.equal(plan({ cwd: "/paperclip/other" }, { cwd: "/paperclip/home/a", workspaceSource: "agent_home" }).claude.workingDir, "/paperclip/other");
});
