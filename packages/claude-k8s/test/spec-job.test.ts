import { test } from "node:test";
import assert from "node:assert/strict";
import type { V1Container, V1Job, V1Pod, V1PodSpec } from "@kubernetes/client-node";
import { defaultConfig } from "../src/config/parse.ts";
import type { ClaudeK8sConfig } from "../src/config/types.ts";
import { planRun, type RunPlanInput } from "../src/spec/plan.ts";
import { agentHome, EPHEMERAL_HOME, PROMPT_FILE, RUN_DIR, workingDirFor } from "../src/spec/job.ts";
import { LABEL } from "../src/spec/labels.ts";

const PROMPT = "Fix the bug in $(whoami) `id` 'quoted' \"dq\"\nsecond line";
const TOKEN = "pcp_agent_token_0123456789";
const SERVER: V1Container = {
  name: "paperclip", image: "ghcr.io/acme/paperclip:1.2.3",
  env: [{ name: "ANTHROPIC_API_KEY", valueFrom: { secretKeyRef: { name: "anthropic", key: "key" } } }],
  volumeMounts: [{ name: "data", mountPath: "/paperclip" }],
};
const POD: V1Pod = {
  metadata: { name: "paperclip-0" },
  spec: {
    containers: [{ name: "istio-proxy", image: "istio/proxyv2" }, SERVER],
    imagePullSecrets: [{ name: "ghcr" }],
    dnsConfig: { nameservers: ["10.0.0.10"] }, dnsPolicy: "None",
    volumes: [{ name: "data", persistentVolumeClaim: { claimName: "paperclip-data" } }],
  },
};

function input(config: Partial<ClaudeK8sConfig> = {}, overrides: Partial<RunPlanInput> = {}): RunPlanInput {
  return {
    identity: { agentId: "agent-1", runId: "run-1", companyId: "co-1", agentName: "Coder", taskId: "t-1", taskKey: "issue:1", sessionId: null },
    namespace: "agents", config: { ...defaultConfig(), ...config }, serverPod: POD, serverContainerName: "paperclip",
    prompt: PROMPT, agentToken: TOKEN, instructions: "# Be careful", runVars: { PAPERCLIP_RUN_ID: "run-1" },
    isForbidden: (k) => k === "PAPERCLIP_API_KEY", resumeSessionId: null, cwd: "/paperclip/workspaces/agent-1",
    now: "2025-06-01T00:00:00Z", ...overrides,
  };
}

function plan(config: Partial<ClaudeK8sConfig> = {}, overrides: Partial<RunPlanInput> = {}): { job: V1Job; pod: V1PodSpec; claude: V1Container; notes: string[] } {
  const result = planRun(input(config, overrides));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const pod = result.job.spec?.template.spec;
  const claude = pod?.containers[0];
  assert.ok(pod && claude);
  return { job: result.job, pod, claude, notes: result.notes };
}

test("job: one pod, never retried or replaced early", () => {
  const { job, pod } = plan();
  assert.equal(job.apiVersion, "batch/v1");
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(job.spec?.podReplacementPolicy, "Failed");
  assert.equal(job.spec?.completions, 1);
  assert.equal(job.spec?.parallelism, 1);
});

const DEADLINES: [string, Partial<ClaudeK8sConfig>, number | undefined][] = [
  ["no timeout: no deadline", { timeoutSec: 0 }, undefined],
  ["timeout + grace + 60 s backstop", { timeoutSec: 600, graceSec: 20 }, 680],
  ["zero grace", { timeoutSec: 100, graceSec: 0 }, 160],
];
for (const [label, config, expected] of DEADLINES) {
  test(`job deadline: ${label}`, () => assert.equal(plan(config).job.spec?.activeDeadlineSeconds, expected));
}

const TTLS: [string, Partial<ClaudeK8sConfig>, number | undefined][] = [
  ["default 300", {}, 300],
  ["configured", { ttlSecondsAfterFinished: 60 }, 60],
  ["omitted when retainJobs", { retainJobs: true, ttlSecondsAfterFinished: 60 }, undefined],
];
for (const [label, config, expected] of TTLS) {
  test(`job ttl: ${label}`, () => assert.equal(plan(config).job.spec?.ttlSecondsAfterFinished, expected));
}

test("job: no service-account token, non-root, RuntimeDefault seccomp, all caps dropped", () => {
  const { pod, claude } = plan();
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.serviceAccountName, undefined);
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
  assert.equal(claude.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(claude.securityContext?.capabilities, { drop: ["ALL"] });
  assert.equal(claude.securityContext?.privileged, false);
  assert.equal(claude.securityContext?.runAsNonRoot, true);
  assert.equal(pod.enableServiceLinks, false);
  assert.equal(plan({ serviceAccountName: "agent-sa" }).pod.serviceAccountName, "agent-sa");
});

test("job: container named claude with the inherited image (not the sidecar's), or the configured one", () => {
  const { claude, pod } = plan();
  assert.equal(pod.containers.length, 1);
  assert.equal(claude.name, "claude");
  assert.equal(claude.image, "ghcr.io/acme/paperclip:1.2.3");
  assert.equal(claude.imagePullPolicy, "IfNotPresent");
  assert.equal(plan({ image: "ghcr.io/acme/claude:2", imagePullPolicy: "Always" }).claude.image, "ghcr.io/acme/claude:2");
});

test("job: no image to use is refused, naming the field", () => {
  const result = planRun(input({}, { serverPod: null }));
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.errors[0]?.message ?? "", /^image: .*set adapterConfig\.image/);
});

test("job: resources default and custom", () => {
  const defaults = plan().claude.resources;
  assert.deepEqual(defaults, { requests: defaultConfig().resources.requests, limits: defaultConfig().resources.limits });
  const custom = plan({ resources: { requests: { cpu: "250m" }, limits: { memory: "1Gi", "ephemeral-storage": "5Gi" } } }).claude.resources;
  assert.deepEqual(custom, { requests: { cpu: "250m" }, limits: { memory: "1Gi", "ephemeral-storage": "5Gi" } });
  assert.deepEqual(plan({ resources: { requests: {}, limits: {} } }).claude.resources, {});
});

test("job: scheduling from config; pull secrets and DNS inherited", () => {
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }] } } };
  const { pod } = plan({ nodeSelector: { pool: "agents" }, tolerations: [{ key: "agents", operator: "Exists", effect: "NoSchedule" }], affinity });
  assert.deepEqual(pod.nodeSelector, { pool: "agents" });
  assert.deepEqual(pod.tolerations, [{ key: "agents", operator: "Exists", effect: "NoSchedule" }]);
  assert.deepEqual(pod.affinity, affinity);
  assert.deepEqual(pod.imagePullSecrets, [{ name: "ghcr" }]);
  assert.equal(pod.dnsPolicy, "None");
  assert.deepEqual(pod.dnsConfig, { nameservers: ["10.0.0.10"] });
  const bare = plan().pod;
  assert.equal(bare.nodeSelector, undefined);
  assert.equal(bare.tolerations, undefined);
  assert.equal(bare.affinity, undefined);
});

test("job: the prompt and token are never literal env values anywhere in the Job", () => {
  const { job, claude } = plan({ env: { SAFE: "1" } });
  const token = claude.env?.find((e) => e.name === "PAPERCLIP_API_KEY");
  assert.deepEqual(token?.valueFrom, { secretKeyRef: { name: `${job.metadata?.name}-run`, key: "agent-token" } });
  const text = JSON.stringify(job);
  assert.equal(text.includes(TOKEN), false, "token nowhere in the Job");
  assert.equal(text.includes("Fix the bug"), false, "prompt nowhere in the Job");
  for (const e of claude.env ?? []) assert.ok(e.value !== PROMPT && e.value !== TOKEN, e.name);
});

test("job: the run Secret is mounted read-only with the prompt (and instructions on fresh sessions)", () => {
  const fresh = plan();
  const run = fresh.pod.volumes?.find((v) => v.name === "run");
  assert.equal(run?.secret?.secretName, `${fresh.job.metadata?.name}-run`);
  assert.deepEqual(run?.secret?.items?.map((i) => i.key), ["prompt", "instructions.md"]);
  assert.deepEqual(fresh.claude.volumeMounts?.find((m) => m.name === "run"), { name: "run", mountPath: RUN_DIR, readOnly: true });
  assert.ok(fresh.claude.command?.includes(PROMPT_FILE));
  const resumed = planRun(input({}, { resumeSessionId: "0b6f1c8e-1111-4222-8333-444455556666" }));
  assert.ok(resumed.ok);
  assert.deepEqual(resumed.job.spec?.template.spec?.volumes?.find((v) => v.name === "run")?.secret?.items?.map((i) => i.key), ["prompt"]);
  assert.equal("instructions.md" in (resumed.secret.data ?? {}), false);
});

test("job: shared volume at the server's path, one HOME per agent, workingDir = cwd", () => {
  assert.equal(plan().pod.volumes?.some((v) => v.name === "workspace"), false, "no mount path configured: no shared volume");
  const { pod, claude, notes } = plan({ workspaceMountPath: "/paperclip" });
  assert.deepEqual(pod.volumes?.find((v) => v.name === "workspace")?.persistentVolumeClaim, { claimName: "paperclip-data" });
  assert.deepEqual(claude.volumeMounts?.find((m) => m.name === "workspace"), { name: "workspace", mountPath: "/paperclip" });
  const home = claude.env?.find((e) => e.name === "HOME")?.value ?? "";
  assert.match(home, /^\/paperclip\/\.paperclip-claude\/agent-1-[0-9a-f]{10}$/);
  assert.equal(claude.env?.find((e) => e.name === "CLAUDE_CONFIG_DIR")?.value, `${home}/.claude`);
  assert.equal(claude.workingDir, "/paperclip/workspaces/agent-1");
  assert.ok(notes.some((n) => n.includes("paperclip-data")), notes.join("\n"));
  const other = plan({ workspaceMountPath: "/paperclip" }, { identity: { agentId: "agent-2", runId: "r", companyId: "c" } }).claude.env?.find((e) => e.name === "HOME")?.value;
  assert.notEqual(other, home, "agents never share a HOME");
});

test("job: configured claim wins; no shared volume means an emptyDir HOME", () => {
  const claimed = plan({ workspaceVolumeClaim: "ws", workspaceMountPath: "/work" }, { cwd: "/work/x" });
  assert.deepEqual(claimed.pod.volumes?.find((v) => v.name === "workspace")?.persistentVolumeClaim, { claimName: "ws" });
  assert.equal(claimed.claude.workingDir, "/work/x");
  const none = plan({}, { serverPod: null, config: { ...defaultConfig(), image: "img" } });
  assert.deepEqual(none.pod.volumes?.find((v) => v.name === "home"), { name: "home", emptyDir: {} });
  assert.equal(none.claude.env?.find((e) => e.name === "HOME")?.value, EPHEMERAL_HOME);
  assert.equal(none.claude.workingDir, undefined);
  assert.ok(none.notes.some((n) => n.startsWith("no shared volume")));
});

const WORKDIR_CASES: [string, string | null, string | null][] = [
  ["under the mount", "/paperclip/ws/a", "/paperclip/ws/a"],
  ["the mount itself", "/paperclip", "/paperclip"],
  ["normalised", "/paperclip/ws/../ws2/./b", "/paperclip/ws2/b"],
  ["escapes with ..", "/paperclip/../etc", null],
  ["sibling prefix", "/paperclip-other/x", null],
  ["relative", "ws/a", null],
  ["none", null, null],
];
for (const [label, cwd, expected] of WORKDIR_CASES) {
  test(`workingDirFor: ${label}`, () => {
    const ws = { volume: { name: "workspace" }, mountPath: "/paperclip", how: "" };
    assert.equal(workingDirFor(cwd, ws), expected);
  });
}

test("agentHome: ephemeral without a shared volume", () => assert.equal(agentHome(null, "a"), EPHEMERAL_HOME));

test("job: labels on Job and pod template, annotations carry the raw ids, user labels under ours", () => {
  const { job } = plan({ labels: { team: "core", [LABEL.managedBy]: "spoof" } }, { identity: { agentId: "Agent ../1", runId: "run 1", companyId: "co", agentName: "Bob \"B\"" } });
  for (const labels of [job.metadata?.labels, job.spec?.template.metadata?.labels]) {
    assert.equal(labels?.[LABEL.managedBy], "paperclip");
    assert.equal(labels?.team, "core");
    assert.match(labels?.[LABEL.agentId] ?? "", /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
  }
  assert.equal(job.metadata?.annotations?.["paperclip.io/agent-id"], "Agent ../1");
  assert.equal(job.metadata?.annotations?.["paperclip.io/agent-name"], "Bob \"B\"");
  assert.match(job.metadata?.name ?? "", /^ac-agent-1-run-1-[0-9a-f]{10}$/);
});

test("plan: refusals happen before anything exists (prompt too large, forbidden env)", () => {
  const big = planRun(input({}, { prompt: "x".repeat(1_048_577) }));
  assert.equal(big.ok, false);
  if (!big.ok) assert.equal(big.errors[0]?.code, "k8s_prompt_too_large");
  const forbidden = planRun(input({ env: { PAPERCLIP_API_KEY: "x" } }));
  assert.equal(forbidden.ok, false);
  if (!forbidden.ok) assert.match(forbidden.errors[0]?.message ?? "", /PAPERCLIP_API_KEY/);
});

test("plan: the manifests survive a JSON round trip unchanged (plain data, no Date or class)", () => {
  const result = planRun(input());
  assert.ok(result.ok);
  assert.deepEqual(JSON.parse(JSON.stringify(result.job)), result.job);
  assert.deepEqual(JSON.parse(JSON.stringify(result.secret)), result.secret);
});

const SKIP_PERMISSION_CASES: [boolean, boolean][] = [[true, true], [false, false]];
for (const [configured, flagged] of SKIP_PERMISSION_CASES) {
  test(`job: dangerouslySkipPermissions ${configured} -> --dangerously-skip-permissions ${flagged ? "passed" : "absent"}`, () => {
    const { claude } = plan({ dangerouslySkipPermissions: configured });
    const argv = [...(claude.command ?? []), ...(claude.args ?? [])];
    assert.equal(argv.includes("--dangerously-skip-permissions"), flagged);
  });
}
