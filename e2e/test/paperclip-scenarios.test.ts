// Scenarios inside the real Paperclip server (paperclipai 2026.916.1): companies, agents and
// issues drive claude_k8s runs on kube-sim, where each pod runs the real Claude Code CLI against
// anthropic-sim. One server home serves every scenario; the crash and shutdown scenarios restart
// the server in that same home. Each scenario prints its duration ("# timing ...").

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { JOBS } from "kube-sim";
import { artifactsDir, launchChromium } from "./chromium.ts";
import type { Chromium } from "./chromium.ts";
import { paperclipApi } from "./paperclip-api.ts";
import type { Json } from "./paperclip-api.ts";
import { acquireStartLock, ensureAdapterBuilt, freePort, processesUsing, startPaperclip } from "./paperclip-server.ts";
import type { PaperclipServer } from "./paperclip-server.ts";
import { createClaim, jobsOfRun, NAMESPACE, podsOfJob, startWorld, WORKSPACE_CLAIM, WORKSPACE_PATH } from "./scenario-world.ts";
import type { World } from "./scenario-world.ts";
import type { Page } from "playwright-core";
import { neutralisePreambleBug } from "./ui-page.ts";
import { PREAMBLE_FIXES, WORKER_MARKER } from "./ui-worker.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const adapterDir = path.join(repoRoot, "packages", "claude-k8s");
const RUN_TIMEOUT_MS = 120_000;
const WAIT_MS = 90_000;

let server: PaperclipServer | undefined;
let world: World | undefined;
let chromium: Chromium | undefined;
let port = 0;
let company: Json = {};
const api = paperclipApi(() => server);
const timings: Array<[string, number]> = [];

async function timed(name: string, body: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await body();
  } finally {
    const seconds = (Date.now() - started) / 1000;
    timings.push([name, seconds]);
    console.log(`# timing ${name}: ${seconds.toFixed(1)} s`);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms / 1000} s${api.serverLog()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function live(): World {
  assert.ok(world, "the world did not start");
  return world;
}

async function bootServer(home?: string): Promise<void> {
  const started = Date.now();
  const release = await acquireStartLock();
  try {
    server = startPaperclip(repoRoot, port, home ? { home } : {});
    await api.waitForHealth();
  } finally {
    release();
  }
  console.log(`# Paperclip ${home ? "restarted" : "healthy"} at ${api.baseUrl()} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function newAgent(name: string, adapterConfig: Json, runtimeConfig?: Json): Promise<Json> {
  return await api.expectStatus("POST", `/companies/${company.id}/agents`, 201, { name, role: "engineer", adapterType: "claude_k8s", adapterConfig, ...(runtimeConfig ? { runtimeConfig } : {}) });
}

async function runsOf(agent: Json): Promise<Json[]> {
  return await api.expectStatus("GET", `/companies/${company.id}/heartbeat-runs?agentId=${agent.id}`, 200) as unknown as Json[];
}

/** Assigning an issue wakes its agent: the run that carries the issue in its context. */
async function assignIssue(agent: Json, title: string): Promise<{ issue: Json; runId: string }> {
  const issue = await api.expectStatus("POST", `/companies/${company.id}/issues`, 201, { title, description: `Scenario: ${title}`, assigneeAgentId: agent.id, status: "todo" });
  const runId = await waitFor(`a run for issue ${title}`, async () => {
    return (await runsOf(agent)).find((run) => run.contextSnapshot?.issueId === issue.id)?.id as string | undefined;
  });
  return { issue, runId };
}

/** The run's Job exists and its pod's command is waiting at its gate. */
async function waitForGatedPod(runId: string, scenario: string): Promise<string> {
  return await waitFor(`the Job of run ${runId} waiting at gate ${scenario}`, async () => {
    const [job] = await jobsOfRun(live(), runId);
    if (!job) return undefined;
    const lines = podsOfJob(live(), job).flatMap((pod) => live().kube.runtime?.groundTruth.containerLines(NAMESPACE, pod, "claude") ?? []);
    return lines.some((line) => line.text.includes(`waiting-${scenario}`)) ? job : undefined;
  });
}

async function runLog(runId: string): Promise<string> {
  const log = await api.expectStatus("GET", `/heartbeat-runs/${runId}/log`, 200);
  return String(log.content);
}

async function runEvents(runId: string): Promise<Json[]> {
  return await api.expectStatus("GET", `/heartbeat-runs/${runId}/events`, 200) as unknown as Json[];
}

/** kube-sim's ground truth: the Job had one pod, whose container exited once, with 0. */
function assertRanOnce(job: string): void {
  const pods = podsOfJob(live(), job);
  assert.equal(pods.length, 1, `pods of ${job}: ${pods.join(", ")}`);
  const exits = live().kube.runtime?.groundTruth.containerExits({ namespace: NAMESPACE, pod: pods[0] }) ?? [];
  assert.deepEqual(exits.map((exit) => [exit.container, exit.exitCode]), [["claude", 0]], "one container exit: the pod ran once, to the end");
}

/** The run page's transcript: the text between its heading and the Events list ("" while loading). */
async function transcriptText(page: Page): Promise<string> {
  const body = await page.locator("body").innerText();
  const start = body.search(/Transcript \(\d+\)/);
  const end = body.indexOf("Events (", start);
  return start >= 0 && end > start ? body.slice(start, end) : "";
}

/** Waits until the transcript has `line` as a line of its own (a rendered entry); returns it. */
async function transcriptShows(page: Page, line: string): Promise<string> {
  let last = "";
  try {
    return await waitFor(`"${line}" in the run page's transcript`, async () => {
      last = await transcriptText(page);
      return last.split("\n").some((text) => text.trim() === line) ? last : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- transcript ---\n${last.slice(0, 3000)}`);
  }
}

function jobDeleted(jobName: string): boolean {
  return (live().kube.runtime?.groundTruth.history(JOBS, NAMESPACE, jobName) ?? []).some((event) => event.type === "DELETED");
}

describe("claude_k8s inside the real Paperclip server: scenarios", { timeout: 900_000 }, () => {
  before(async () => {
    await ensureAdapterBuilt(repoRoot);
    world = await startWorld(path.join(repoRoot, "node_modules", ".bin"));
    port = await freePort();
    await bootServer();
    await api.expectStatus("POST", "/adapters/install", 201, { packageName: adapterDir, isLocalPath: true });
    company = await api.expectStatus("POST", "/companies", 201, { name: "claude_k8s scenarios" });
    await createClaim(world, WORKSPACE_CLAIM, "ReadWriteMany");
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    await world?.stop();
    console.log(`# timings: ${timings.map(([name, s]) => `${name} ${s.toFixed(1)} s`).join("; ")}`);
  });

  test("6. testEnvironment through Paperclip's API: passes on a good setup; RBAC without delete, a missing namespace and a ReadWriteOnce claim fail with their checks", async () => {
    await timed("6 testEnvironment", async () => {
      const w = live();
      const probe = async (adapterConfig: Json) => await api.expectStatus("POST", `/companies/${company.id}/adapters/claude_k8s/test-environment`, 200, { adapterConfig });
      const codes = (result: Json) => (result.checks as Json[]).map((check) => `${check.level}:${check.code}`);
      const shared = { workspaceVolumeClaim: WORKSPACE_CLAIM, workspaceMountPath: WORKSPACE_PATH };
      const good = await probe(w.agentConfig("plain", shared));
      assert.equal(good.status, "pass", JSON.stringify(good.checks));
      for (const code of ["info:k8s_api_reachable", "info:k8s_namespace_exists", "info:k8s_permissions_ok", "info:k8s_claim_ok"]) assert.ok(codes(good).includes(code), `${code} missing: ${codes(good).join(", ")}`);

      const shipped = readFileSync(path.join(repoRoot, "deploy", "rbac.yaml"), "utf8").split(/^---$/m)[0] ?? "";
      const withoutJobDelete = shipped.replace("namespace: paperclip-agents", `namespace: ${NAMESPACE}`).replace('verbs: ["create", "get", "list", "watch", "delete", "patch"]', 'verbs: ["create", "get", "list", "watch", "patch"]');
      assert.notEqual(withoutJobDelete, shipped.replace("namespace: paperclip-agents", `namespace: ${NAMESPACE}`), "deploy/rbac.yaml changed: update the verb list this test removes delete from");
      w.kube.addUser({ token: "limited-token", user: "limited", rbacYaml: withoutJobDelete });
      const limited = await probe(w.agentConfig("plain", { ...shared, kubeconfig: w.writeKubeconfig("limited", w.kube.kubeconfigFor("limited-token", "limited")) }));
      assert.equal(limited.status, "fail");
      const denied = (limited.checks as Json[]).filter((check) => check.code === "k8s_permission_denied");
      assert.equal(denied.length, 1, JSON.stringify(limited.checks));
      assert.match(String(denied[0]?.message), /delete.*jobs/i);

      const nowhere = await probe(w.agentConfig("plain", { ...shared, namespace: "nowhere" }));
      assert.equal(nowhere.status, "fail");
      assert.ok(codes(nowhere).includes("error:k8s_namespace_missing"), codes(nowhere).join(", "));

      await createClaim(w, "single-writer", "ReadWriteOnce");
      const once = await probe(w.agentConfig("plain", { ...shared, workspaceVolumeClaim: "single-writer" }));
      assert.equal(once.status, "fail");
      assert.ok(codes(once).includes("error:k8s_claim_not_rwx"), codes(once).join(", "));
    });
  });

  let firstAgent: Json = {};
  let firstIssue: Json = {};
  let firstRun: Json = {};

  test("1. an issue assigned to a claude_k8s agent: the run succeeds; transcript in the run log; usage, cost and session recorded", async () => {
    await timed("1 first run", async () => {
      // One run at a time for this agent (Paperclip allows 20 by default): the host's follow-up
      // on the first issue and the second issue's run would otherwise overlap, and claude_k8s
      // runs one Job per agent, so the later one fails with k8s_concurrent_run_blocked.
      firstAgent = await newAgent("first", live().agentConfig("plain", { workspaceVolumeClaim: WORKSPACE_CLAIM, workspaceMountPath: WORKSPACE_PATH }), { heartbeat: { maxConcurrentRuns: 1 } });
      const { issue, runId } = await assignIssue(firstAgent, "first task");
      firstIssue = issue;
      firstRun = await api.waitForRunEnd(runId, RUN_TIMEOUT_MS);
      assert.equal(firstRun.status, "succeeded", `${firstRun.errorCode}: ${firstRun.error}${api.serverLog()}`);
      const log = await runLog(runId);
      assert.match(log, /\\"subtype\\":\\"init\\"/, "the pod's stream-json init line is in the run log");
      assert.match(log, /hello-from-a-pod/, "the tool's output from the pod is in the run log");
      assert.match(log, /Scenario plain is done\./);
      const usage = firstRun.usageJson as Json;
      assert.equal(usage.inputTokens, 200);
      assert.ok(usage.outputTokens > 0);
      assert.ok(usage.costUsd > 0, `cost ${usage.costUsd}`);
      assert.equal(usage.billingType, "metered_api");
      assert.match(String(firstRun.sessionIdAfter), /^[0-9a-f-]{36}$/, `sessionIdAfter ${firstRun.sessionIdAfter}`);
      assert.equal(usage.persistedSessionId, firstRun.sessionIdAfter);
      assert.deepEqual(await jobsOfRun(live(), runId), [], "the finished Job was cleaned up");
    });
  });

  test("2. sessions are per task: the host's own follow-up on the first issue resumes its session from the shared claim; a second issue starts fresh", async () => {
    await timed("2 sessions", async () => {
      assert.ok(firstRun.sessionIdAfter, "scenario 1 did not run");
      // What 2026.916.1 does after a run that leaves its issue open: it wakes the agent again on
      // that issue ("finish_successful_run_handoff"), on the task's stored session.
      const followUp = await waitFor("the host's follow-up run on the first issue", async () => {
        const runs = await runsOf(firstAgent);
        return runs.find((run) => run.id !== firstRun.id && run.contextSnapshot?.issueId === firstIssue.id);
      });
      const resumed = await api.waitForRunEnd(followUp.id, RUN_TIMEOUT_MS);
      console.log(`# follow-up run on the first issue: ${resumed.contextSnapshot?.wakeReason}, ${resumed.status}`);
      assert.equal(resumed.status, "succeeded", `${resumed.errorCode}: ${resumed.error}`);
      // The host reports the session reused (sessionReused); since the session params carry the prompt
      // bundle's key it no longer finds a stored per-task session record (taskSessionReused false).
      assert.equal(resumed.usageJson.sessionReused, true, JSON.stringify(resumed.usageJson).slice(0, 400));
      assert.equal(resumed.sessionIdAfter, firstRun.sessionIdAfter, "the first task's session continues");
      // Only a resumed session sends the first run's closing answer back as history.
      const resumedCall = live().model.messageRequests().find((request) => JSON.stringify((request.body as { messages?: unknown }).messages ?? []).includes("Scenario plain is done."));
      assert.ok(resumedCall, "the resumed CLI sent the earlier conversation to the model");

      const { runId } = await assignIssue(firstAgent, "second task");
      const second = await api.waitForRunEnd(runId, RUN_TIMEOUT_MS);
      assert.equal(second.status, "succeeded", `${second.errorCode}: ${second.error}`);
      assert.equal(second.usageJson.freshSession, true, "a new task starts a new session");
      assert.notEqual(second.sessionIdAfter, firstRun.sessionIdAfter);
    });
  });

  test("7. the run page in Chromium: live entries appear while the run runs, and the finished run shows its result", async () => {
    await timed("7 run page live and finished", async () => {
      chromium = await launchChromium({ width: 1400, height: 2000 });
      const scenario = "gated-watched";
      const agent = await newAgent("watched", live().agentConfig(scenario));
      const { runId } = await assignIssue(agent, "watched task");
      await waitForGatedPod(runId, scenario);
      const page = await chromium.context.newPage();
      await page.addInitScript(neutralisePreambleBug, { marker: WORKER_MARKER, fixes: PREAMBLE_FIXES.map(([from, to]) => [from, to] as [string, string]) });
      await page.goto(`${api.baseUrl()}/${company.issuePrefix}/agents/${agent.id}/runs/${runId}`, { waitUntil: "domcontentloaded" });
      // An entry's own line in the transcript section: not the run list's summary, nor a raw
      // stream-json line that contains the text.
      await transcriptShows(page, `Let me run the ${scenario} step.`);
      assert.equal((await api.expectStatus("GET", `/heartbeat-runs/${runId}`, 200)).status, "running", "the entry showed while the run was live");
      await page.screenshot({ path: path.join(artifactsDir("paperclip-scenarios"), "7-live.png"), fullPage: true });
      live().openGate(scenario);
      await transcriptShows(page, `Scenario ${scenario} is done.`);
      const run = await api.waitForRunEnd(runId, RUN_TIMEOUT_MS);
      assert.equal(run.status, "succeeded", `${run.errorCode}: ${run.error}`);
      await page.reload({ waitUntil: "domcontentloaded" });
      const transcript = await transcriptShows(page, `Scenario ${scenario} is done.`);
      assert.match(transcript, /Executed command/i, "the pod's Bash call is an entry");
      assert.match(transcript, /INIT\s*model claude-sonnet-4-5 • session [0-9a-f-]{36}/);
      assert.doesNotMatch(transcript, /\{"type":/, `raw JSON in the rendered transcript:\n${transcript.slice(0, 2000)}`);
      await page.screenshot({ path: path.join(artifactsDir("paperclip-scenarios"), "7-finished.png"), fullPage: true });
      await page.close();
    });
  });

  test("3. cancelling a long run from Paperclip: acknowledged (200), the run is cancelled and its Job is gone within seconds", async () => {
    await timed("3 cancel", async () => {
      const scenario = "gated-cancel";
      const agent = await newAgent("cancelled", live().agentConfig(scenario));
      const { runId } = await assignIssue(agent, "a long task");
      const job = await waitForGatedPod(runId, scenario);
      const asked = Date.now();
      await api.expectStatus("POST", `/heartbeat-runs/${runId}/cancel`, 200, {});
      const run = await api.waitForRunEnd(runId, WAIT_MS);
      assert.equal(run.status, "cancelled");
      assert.equal(run.resultJson?.executionCancellation?.state, "acknowledged", JSON.stringify(run.resultJson?.executionCancellation));
      await waitFor(`Job ${job} deleted`, async () => jobDeleted(job) && (await jobsOfRun(live(), runId)).length === 0, 30_000);
      console.log(`# cancel: Job gone ${((Date.now() - asked) / 1000).toFixed(1)} s after the cancel call`);
    });
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    const title = signal === "SIGTERM"
      ? "5. SIGTERM (graceful shutdown) mid-run: no Job deleted; after the restart either the host holds the interrupted task (wake refused, the Job finishes on its own, once) or a wake for the task adopts the Job"
      : "4. SIGKILL (crash) mid-run: no Job deleted; after a restart a wake for the same task adopts the Job and reports its result; the pod never restarted";
    test(title, async () => {
      await timed(`${signal === "SIGTERM" ? "5" : "4"} ${signal} and restart`, async () => {
        const scenario = `gated-${signal.toLowerCase()}`;
        const agent = await newAgent(scenario, live().agentConfig(scenario));
        const { issue, runId } = await assignIssue(agent, `${signal} task`);
        const job = await waitForGatedPod(runId, scenario);
        assert.ok(server, "no server");
        const home = server.home;
        assert.deepEqual(await server.kill(signal), [], "the server's processes are gone");
        assert.equal(jobDeleted(job), false, "the Job was not deleted");
        assert.deepEqual(await jobsOfRun(live(), runId), [job]);
        await bootServer(home);
        const orphan = await api.expectStatus("GET", `/heartbeat-runs/${runId}`, 200);
        const wake = { source: "on_demand", triggerDetail: "manual", reason: "resume after restart", payload: { issueId: issue.id } };
        console.log(`# ${signal}: the run is ${orphan.status} (${orphan.errorCode}) after the restart`);
        if (signal === "SIGTERM" && orphan.status === "interrupted") {
          // What 2026.916.1 does when its shutdown hook marks the run before the process ends:
          // "interrupted", then it holds the issue for an operator to reconcile (who must attest
          // "providerStopped: true", which would be false: the Job still runs), so it refuses a
          // wake for the same task. The Job is left running and finishes on its own, once.
          assert.equal(orphan.errorCode, "server_shutdown_interrupted");
          const refused = await api.expectStatus("POST", `/agents/${agent.id}/wakeup`, 202, wake);
          assert.equal(refused.status, "skipped", JSON.stringify(refused));
          assert.equal(refused.reason, "execution_reconciliation_required");
          live().openGate(scenario);
          await waitFor(`Job ${job}'s pod to finish`, async () => podsOfJob(live(), job).some((pod) => (live().kube.runtime?.groundTruth.containerExits({ namespace: NAMESPACE, pod }) ?? []).length > 0));
          assert.equal(jobDeleted(job), false, "nobody deleted the Job");
          assertRanOnce(job);
          return;
        }
        // Otherwise (a crash, or a shutdown that ended before its hook marked the run) the run
        // stays "running" until the periodic reaper (5 minutes without progress) calls it lost;
        // a wake for the same task runs meanwhile and adopts the Job.
        assert.equal(orphan.status, "running", `the orphaned run after the restart: ${orphan.status} ${orphan.errorCode}`);
        const queued = await api.expectStatus("POST", `/agents/${agent.id}/wakeup`, 202, wake);
        assert.equal(typeof queued.id, "string", `the host did not start a run for the same task: ${JSON.stringify(queued)}`);
        await waitFor(`run ${queued.id} adopting Job ${job}`, async () => (await runEvents(queued.id)).some((event) => event.eventType === "k8s.job.adopted"));
        live().openGate(scenario);
        const adopted = await api.waitForRunEnd(queued.id, RUN_TIMEOUT_MS);
        assert.equal(adopted.status, "succeeded", `${adopted.errorCode}: ${adopted.error}${api.serverLog()}`);
        assert.equal(adopted.resultJson?.k8s?.adopted, true);
        assert.match(await runLog(queued.id), new RegExp(`released-${scenario}`), "the adopted pod's output reached the new run");
        assertRanOnce(job);
      });
    });
  }

  test("stopping the server leaves no process and no home behind", async () => {
    assert.ok(server, "server not started");
    const home = server.home;
    assert.deepEqual(await server.stop(), []);
    assert.deepEqual(processesUsing(home), []);
    assert.equal(existsSync(home), false, `temp home ${home} not removed`);
  });
});
