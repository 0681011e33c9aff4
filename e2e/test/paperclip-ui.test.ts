// In Chromium: Paperclip's own UI (paperclipai 2026.916.1) shows run transcripts through our served
// ui-parser.js. Screenshots land in e2e/.artifacts/paperclip-ui (the test prints the paths).
//
// Two runs feed the run page:
// - A real claude_k8s run: agent on kube-sim, image mapped to the real Claude Code CLI, model
//   calls to anthropic-sim: the pod's transcript, rendered by our parser.
// - A real run of Paperclip's built-in
//   `process` adapter whose command prints a recorded Claude Code transcript (the CLI's real
//   stream-json, test/fixtures/claude/tool-use.jsonl). The agent is then switched to claude_k8s;
//   the run page picks its parser by the agent's CURRENT adapter type, so it renders that log
//   with our parser, as it would for a user who moved an agent from claude_local to claude_k8s.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BatchV1Api, KubeConfig } from "@kubernetes/client-node";
import { bash, say, startAnthropicSim } from "anthropic-sim";
import type { AnthropicSim } from "anthropic-sim";
import { startKubeSim } from "kube-sim";
import type { KubeSim } from "kube-sim";
import type { Page } from "playwright-core";
import { artifactsDir, launchChromium } from "./chromium.ts";
import type { Chromium } from "./chromium.ts";
import { paperclipApi } from "./paperclip-api.ts";
import type { Json } from "./paperclip-api.ts";
import { acquireStartLock, ensureAdapterBuilt, freePort, startPaperclip } from "./paperclip-server.ts";
import type { PaperclipServer } from "./paperclip-server.ts";
import { neutralisePreambleBug, observeWorkers, runWorker } from "./ui-page.ts";
import type { PageProbe } from "./ui-page.ts";
import { PREAMBLE_FIXES, WORKER_MARKER, uiParserWorkerSource, withPreambleFixed } from "./ui-worker.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const adapterDir = path.join(repoRoot, "packages", "claude-k8s");
const fixture = path.join(adapterDir, "test", "fixtures", "claude", "tool-use.jsonl");
const IMAGE = "paperclip/claude-agent:e2e";
const RUN_TIMEOUT_MS = 60_000;
const RENDER_TIMEOUT_MS = 60_000;
const TS = "2026-01-01T00:00:00.000Z";

let server: PaperclipServer | undefined;
let chromium: Chromium | undefined;
let kube: KubeSim | undefined;
let model: AnthropicSim | undefined;
let scratch = "";
const api = paperclipApi(() => server);
const shots = artifactsDir("paperclip-ui");
const pages = { recorded: "", claudeK8s: "" };
let claudeK8sRun: Json = {};

/** Every recorded stream-json line, trimmed as the UI trims them. */
function fixtureLines(): string[] {
  const dir = path.dirname(fixture);
  return readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()
    .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("\n").map((l) => l.trim()).filter(Boolean));
}

const fixedPreamble = (page: Page) => page.addInitScript(neutralisePreambleBug, {
  marker: WORKER_MARKER, fixes: PREAMBLE_FIXES.map(([from, to]) => [from, to] as [string, string]),
});

async function openRunPage(url: string, prepare: (page: Page) => Promise<unknown>, shown: string): Promise<Page> {
  assert.ok(chromium, "Chromium not started");
  const page = await chromium.context.newPage();
  await page.addInitScript(observeWorkers);
  await prepare(page);
  await page.goto(url, { waitUntil: "domcontentloaded" });
  // The log is fetched after the page loads; wait for a text that shows in every mode.
  await page.getByText(shown).first().waitFor({ timeout: RENDER_TIMEOUT_MS });
  return page;
}

async function probe(page: Page): Promise<Required<PageProbe>> {
  return await page.evaluate(() => {
    const w = window as unknown as PageProbe;
    return { __workerErrors: [...(w.__workerErrors ?? [])], __preambleFixed: [...(w.__preambleFixed ?? [])] };
  });
}

/** The run page's "Nice" transcript: the text between its heading and the Events list. */
async function transcriptText(page: Page): Promise<string> {
  const body = await page.locator("body").innerText();
  const start = body.search(/Transcript \(\d+\)/);
  const end = body.indexOf("Events (", start);
  assert.ok(start >= 0 && end > start, `no transcript section on the run page:\n${body.slice(0, 3000)}`);
  return body.slice(start, end);
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# screenshot ${file}`);
}

async function runOnPage(companyId: string, prefix: string, name: string, adapterType: string, adapterConfig: Json): Promise<{ agent: Json; run: Json; url: string }> {
  const agent = await api.expectStatus("POST", `/companies/${companyId}/agents`, 201, { name, role: "engineer", adapterType, adapterConfig });
  const queued = await api.expectStatus("POST", `/agents/${agent.id}/wakeup`, 202, { source: "on_demand", triggerDetail: "manual", reason: "UI transcript" });
  const run = await api.waitForRunEnd(queued.id, RUN_TIMEOUT_MS);
  return { agent, run, url: `${api.baseUrl()}/${prefix}/agents/${agent.id}/runs/${run.id}` };
}

/** kube-sim runs the image as the real Claude Code CLI; anthropic-sim answers its model calls. */
async function claudeK8sConfig(): Promise<Json> {
  kube = await startKubeSim({ runtime: { images: { "paperclip/claude-agent": { binDir: path.join(repoRoot, "node_modules", ".bin") } } } });
  model = await startAnthropicSim({ script: [bash("echo hello-from-a-pod", "Let me run it."), say("The pod printed hello-from-a-pod.")] });
  // The server runs as an unprivileged user: the kubeconfig must be readable by it.
  scratch = mkdtempSync(path.join(os.tmpdir(), "paperclip-ui-"));
  chmodSync(scratch, 0o755);
  const kubeconfig = path.join(scratch, "kubeconfig");
  writeFileSync(kubeconfig, kube.kubeconfig, { mode: 0o644 });
  return {
    kubeconfig, namespace: "default", image: IMAGE, model: "claude-sonnet-4-5", maxTurnsPerRun: 5, timeoutSec: 300,
    env: { ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: "sk-e2e", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", DISABLE_AUTOUPDATER: "1" },
  };
}

describe("Paperclip's UI renders transcripts with the claude_k8s parser (Chromium)", { timeout: 300_000 }, () => {
  before(async () => {
    await ensureAdapterBuilt(repoRoot);
    const release = await acquireStartLock();
    try {
      server = startPaperclip(repoRoot, await freePort());
      await api.waitForHealth();
    } finally {
      release();
    }
    await api.expectStatus("POST", "/adapters/install", 201, { packageName: adapterDir, isLocalPath: true });
    const company = await api.expectStatus("POST", "/companies", 201, { name: "claude_k8s UI" });

    const recorded = await runOnPage(company.id, company.issuePrefix, "recorded", "process", { command: "cat", args: [fixture], cwd: "/" });
    assert.equal(recorded.run.status, "succeeded", `process run ${recorded.run.status}: ${recorded.run.error}${api.serverLog()}`);
    const log = await api.expectStatus("GET", `/heartbeat-runs/${recorded.run.id}/log`, 200);
    assert.match(String(log.content), /hello-from-bash/, "the run log lacks the transcript");
    const switched = await api.expectStatus("PATCH", `/agents/${recorded.agent.id}`, 200, { adapterType: "claude_k8s", adapterConfig: { namespace: "default", image: IMAGE } });
    assert.equal(switched.adapterType, "claude_k8s");
    pages.recorded = recorded.url;

    const real = await runOnPage(company.id, company.issuePrefix, "real", "claude_k8s", await claudeK8sConfig());
    claudeK8sRun = real.run;
    pages.claudeK8s = real.url;

    chromium = await launchChromium({ width: 1400, height: 2200 });
    console.log(`# run pages ${pages.recorded} and ${pages.claudeK8s}; screenshots in ${shots}`);
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    await model?.stop();
    await kube?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test("as shipped (2026.916.1): the parser worker throws in its own preamble, so every stream-json line shows as raw JSON", async () => {
    // Fails once Paperclip ships the fix (docs/upstream/paperclip-ui-parser-worker.md): then drop
    // the neutralising below and assert the rendered transcript here instead.
    const page = await openRunPage(pages.recorded, async () => undefined, "The command printed hello-from-bash.");
    await page.waitForFunction(() => ((window as unknown as PageProbe).__workerErrors ?? []).length > 0, undefined, { timeout: RENDER_TIMEOUT_MS });
    await screenshot(page, "1-as-shipped-raw-json");
    assert.deepEqual((await probe(page)).__workerErrors, ["Uncaught TypeError: Cannot set property caches of #<WorkerGlobalScope> which has only a getter"]);
    const transcript = await transcriptText(page);
    assert.match(transcript, /\{"type":"assistant","message":\{"id":"msg_sim_1"/, "the fallback shows the raw line");
    assert.doesNotMatch(transcript, /EXECUTED COMMAND/i);
    await page.close();
  });

  test("with only the upstream preamble bug neutralised: init, assistant text, tool call, tool result, result and Paperclip's own line render as entries, no raw JSON", async () => {
    const page = await openRunPage(pages.recorded, fixedPreamble, "Executed command");
    const { __workerErrors: errors, __preambleFixed: fixed } = await probe(page);
    assert.deepEqual(fixed, PREAMBLE_FIXES.map(([from]) => from), "the fix must have been applied to the worker's source, and only it");
    assert.deepEqual(errors, []);
    await screenshot(page, "2-preamble-fixed-entries");
    const collapsed = await transcriptText(page);
    assert.match(collapsed, /INIT\s*model claude-opus-5-5 • session 55145500-2d23-4cb5-92e9-e78428b25cb2/);
    assert.match(collapsed, /Let me run it\./);
    assert.match(collapsed, /The command printed hello-from-bash\./);
    assert.match(collapsed, /200 \/ 53 \/ \$0\.001860/, "the result entry with the turn's tokens and the cost");
    await page.getByText("Executed command").first().click();
    await page.getByText(/1 system message/i).first().click();
    await page.getByText("echo hello-from-bash").first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    await screenshot(page, "3-preamble-fixed-tool-call-open");
    const open = await transcriptText(page);
    assert.match(open, /echo hello-from-bash/, "the tool call's input");
    assert.match(open, /\nhello-from-bash\n/, "the tool result's output");
    assert.match(open, /\[paperclip\] No project or prior session workspace was available/, "the server's own line, a system entry");
    assert.doesNotMatch(open, /\{"type":/, `raw JSON in the rendered transcript:\n${open}`);
    await page.close();
  });

  test("a real claude_k8s run (kube-sim, Claude Code CLI, anthropic-sim): succeeds, and its page shows the pod's transcript as entries", async () => {
    assert.equal(claudeK8sRun.status, "succeeded", `claude_k8s run ${claudeK8sRun.status} (${claudeK8sRun.errorCode}): ${claudeK8sRun.error}${api.serverLog()}`);
    assert.ok(kube, "kube-sim not started");
    assert.ok((model?.messageRequests().length ?? 0) >= 2, "the Claude Code CLI in the pod called the model");
    const kc = new KubeConfig();
    kc.loadFromString(kube.kubeconfig);
    assert.deepEqual((await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: "default" })).items, [], "the finished Job was cleaned up");
    const page = await openRunPage(pages.claudeK8s, fixedPreamble, "Executed command");
    await page.getByText("Executed command").first().click();
    await page.getByText("echo hello-from-a-pod").first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    await screenshot(page, "4-claude-k8s-run");
    assert.deepEqual((await probe(page)).__workerErrors, []);
    const transcript = await transcriptText(page);
    assert.match(transcript, /Let me run it\./);
    assert.match(transcript, /\nhello-from-a-pod\n/, "the tool ran in the pod and its output is the tool result");
    assert.match(transcript, /The pod printed hello-from-a-pod\./);
    assert.doesNotMatch(transcript, /\{"type":/, `raw JSON in the rendered transcript:\n${transcript}`);
    await page.close();
  });

  test("in Chromium, the UI's own worker loads the served ui-parser.js and parses every recorded line as in Node; as shipped its init fails", async () => {
    assert.ok(chromium, "Chromium not started");
    const served = await api.call("GET", "/adapters/claude_k8s/ui-parser.js");
    assert.equal(served.status, 200);
    const { loadLikePaperclipUi } = (await import(pathToFileURL(path.join(adapterDir, "scripts", "bundle-ui-parser.mjs")).href)) as { loadLikePaperclipUi: (source: string) => (line: string, ts: string) => unknown[] };
    const inNode = loadLikePaperclipUi(served.text);
    const lines = fixtureLines();
    const page = await chromium.context.newPage();
    await page.goto(`${api.baseUrl()}/api/health`);
    const asShipped = await page.evaluate(runWorker, { workerSource: uiParserWorkerSource(), lines: [] });
    assert.match(asShipped.error ?? "", /Cannot set property caches of #<WorkerGlobalScope> which has only a getter/);
    const fixed = await page.evaluate(runWorker, { workerSource: withPreambleFixed(uiParserWorkerSource()), lines });
    assert.equal(fixed.error, null);
    assert.equal(fixed.entries.length, lines.length);
    lines.forEach((line, i) => assert.deepEqual(fixed.entries[i], inNode(line, TS), line.slice(0, 80)));
    await page.close();
  });
});
