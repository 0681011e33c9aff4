// In Chromium: Paperclip's own UI (paperclipai 2026.916.1) shows a run's transcript through our
// served ui-parser.js. Screenshots land in e2e/.artifacts/paperclip-ui (path printed).
//
// Where the transcript comes from: claude_k8s execute() does not run Jobs yet, so no claude_k8s
// run has Claude output in its log. The run here is a real run of Paperclip's built-in `process`
// adapter whose command prints a recorded Claude Code stream-json transcript (the CLI's real
// output, test/fixtures/claude/tool-use.jsonl); the agent is then switched to claude_k8s, and the
// run page (which picks the parser by the agent's current adapter type) renders that log with
// our parser, as it would for a user who moved an agent from claude_local to claude_k8s.
// TODO(lifecycle): once execute() runs Jobs, wake a claude_k8s agent on kube-sim instead.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { artifactsDir, launchChromium } from "./chromium.ts";
import type { Chromium } from "./chromium.ts";
import { paperclipApi } from "./paperclip-api.ts";
import { ensureAdapterBuilt, freePort, startPaperclip } from "./paperclip-server.ts";
import type { PaperclipServer } from "./paperclip-server.ts";
import { PREAMBLE_FIXES, WORKER_MARKER, uiParserWorkerSource, withPreambleFixed } from "./ui-worker.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const adapterDir = path.join(repoRoot, "packages", "claude-k8s");
const fixture = path.join(adapterDir, "test", "fixtures", "claude", "tool-use.jsonl");
const RUN_TIMEOUT_MS = 60_000;
const RENDER_TIMEOUT_MS = 60_000;

let server: PaperclipServer | undefined;
let chromium: Chromium | undefined;
const api = paperclipApi(() => server);
const shots = artifactsDir("paperclip-ui");
let runPageUrl = "";
const TS = "2026-01-01T00:00:00.000Z";

/** Every recorded stream-json line, trimmed as the UI trims them. */
function fixtureLines(): string[] {
  const dir = path.dirname(fixture);
  return readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()
    .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("\n").map((l) => l.trim()).filter(Boolean));
}

/** In the page: start the UI's worker from its source, init it with the parser, parse each line. */
async function runWorker(args: { workerSource: string; parserUrl?: string; lines: string[] }): Promise<{ error: string | null; entries: unknown[][] }> {
  const source = await (await fetch("/api/adapters/claude_k8s/ui-parser.js")).text();
  const worker = new Worker(URL.createObjectURL(new Blob([args.workerSource], { type: "application/javascript" })));
  try {
    const ask = (message: object, expected: string) => new Promise<{ type: string; message?: string; entries?: unknown[] }>((resolve) => {
      worker.onmessage = (event) => { if (event.data.type === expected || event.data.type === "error") resolve(event.data); };
      worker.onerror = (event) => resolve({ type: "error", message: event.message });
      worker.postMessage(message);
    });
    const ready = await ask({ type: "init", source }, "ready");
    if (ready.type !== "ready") return { error: ready.message ?? "init failed", entries: [] };
    const entries: unknown[][] = [];
    for (const [id, line] of args.lines.entries()) entries.push((await ask({ type: "parse", id, line, ts: "2026-01-01T00:00:00.000Z" }, "result")).entries ?? []);
    return { error: null, entries };
  } finally {
    worker.terminate();
  }
}

/** Records the parser worker's errors in the page (observation only: the worker is unchanged). */
function observeWorkers(): void {
  const seen: string[] = [];
  (window as unknown as { __workerErrors: string[] }).__workerErrors = seen;
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      this.addEventListener("error", (event) => seen.push(event.message));
    }
  };
}

/** Applies the upstream fix to the parser worker's source, and nothing else, when the UI builds its Blob. */
function neutralisePreambleBug(args: { marker: string; fixes: Array<[string, string]> }): void {
  const patched: string[] = [];
  (window as unknown as { __preambleFixed: string[] }).__preambleFixed = patched;
  const Original = window.Blob;
  window.Blob = class extends Original {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      const only = parts?.length === 1 && typeof parts[0] === "string" ? parts[0] : null;
      if (only !== null && only.includes(args.marker)) {
        let source = only;
        for (const [from, to] of args.fixes) {
          if (source.includes(from)) {
            source = source.replace(from, to);
            patched.push(from);
          }
        }
        super([source], options);
      } else super(parts, options);
    }
  };
}

type PageProbe = { __workerErrors?: string[]; __preambleFixed?: string[] };

async function openRunPage(prepare: (page: Page) => Promise<unknown>): Promise<Page> {
  assert.ok(chromium, "Chromium not started");
  const page = await chromium.context.newPage();
  await page.addInitScript(observeWorkers);
  await prepare(page);
  await page.goto(runPageUrl, { waitUntil: "domcontentloaded" });
  // The log is fetched after the page loads; the last assistant text shows in either mode.
  await page.getByText("The command printed hello-from-bash.").first().waitFor({ timeout: RENDER_TIMEOUT_MS });
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

describe("Paperclip's UI renders a Claude transcript with the claude_k8s parser (Chromium)", { timeout: 300_000 }, () => {
  before(async () => {
    await ensureAdapterBuilt(repoRoot);
    server = startPaperclip(repoRoot, await freePort());
    await api.waitForHealth();
    await api.expectStatus("POST", "/adapters/install", 201, { packageName: adapterDir, isLocalPath: true });
    const company = await api.expectStatus("POST", "/companies", 201, { name: "claude_k8s UI" });
    const agent = await api.expectStatus("POST", `/companies/${company.id}/agents`, 201, {
      name: "transcript", role: "engineer", adapterType: "process", adapterConfig: { command: "cat", args: [fixture], cwd: "/" },
    });
    const queued = await api.expectStatus("POST", `/agents/${agent.id}/wakeup`, 202, { source: "on_demand", triggerDetail: "manual", reason: "UI transcript" });
    const run = await api.waitForRunEnd(queued.id, RUN_TIMEOUT_MS);
    assert.equal(run.status, "succeeded", `process run ${run.status}: ${run.error}${api.serverLog()}`);
    const log = await api.expectStatus("GET", `/heartbeat-runs/${run.id}/log`, 200);
    assert.match(String(log.content), /hello-from-bash/, "the run log lacks the transcript");
    const switched = await api.expectStatus("PATCH", `/agents/${agent.id}`, 200, { adapterType: "claude_k8s", adapterConfig: { namespace: "paperclip-ui", image: "registry.invalid/claude:1" } });
    assert.equal(switched.adapterType, "claude_k8s");
    runPageUrl = `${api.baseUrl()}/${company.issuePrefix}/agents/${agent.id}/runs/${run.id}`;
    chromium = await launchChromium({ width: 1400, height: 2200 });
    console.log(`# run page ${runPageUrl}; screenshots in ${shots}`);
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
  });

  test("as shipped (2026.916.1): the parser worker throws in its own preamble, so every stream-json line shows as raw JSON", async () => {
    // This test fails once Paperclip fixes docs/upstream/ui-parser-worker-preamble.md: then drop
    // the neutralising test below and assert the rendered transcript here.
    const page = await openRunPage(async () => undefined);
    await page.waitForFunction(() => ((window as unknown as PageProbe).__workerErrors ?? []).length > 0, undefined, { timeout: RENDER_TIMEOUT_MS });
    await screenshot(page, "1-as-shipped-raw-json");
    const { __workerErrors: errors } = await probe(page);
    assert.deepEqual(errors, ["Uncaught TypeError: Cannot set property caches of #<WorkerGlobalScope> which has only a getter"]);
    const transcript = await transcriptText(page);
    assert.match(transcript, /\{"type":"assistant","message":\{"id":"msg_sim_1"/, "the fallback shows the raw line");
    assert.doesNotMatch(transcript, /EXECUTED COMMAND/);
    await page.close();
  });

  test("with only the upstream preamble bug neutralised: init, assistant text, tool call, tool result and result render as entries, no raw JSON", async () => {
    const fixes = PREAMBLE_FIXES.map(([from, to]) => [from, to] as [string, string]);
    const page = await openRunPage((p) => p.addInitScript(neutralisePreambleBug, { marker: WORKER_MARKER, fixes }));
    await page.getByText("Executed command", { exact: false }).first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    const { __workerErrors: errors, __preambleFixed: fixed } = await probe(page);
    assert.deepEqual(fixed, PREAMBLE_FIXES.map(([from]) => from), "the fix must have been applied to the worker's source, and only it");
    assert.deepEqual(errors, []);
    await screenshot(page, "2-preamble-fixed-entries");
    const collapsed = await transcriptText(page);
    assert.match(collapsed, /INIT\s*model claude-opus-5-5 • session 55145500-2d23-4cb5-92e9-e78428b25cb2/);
    assert.match(collapsed, /Let me run it\./);
    assert.match(collapsed, /The command printed hello-from-bash\./);
    assert.match(collapsed, /200 \/ 53 \/ \$0\.001860/, "the result entry with the turn's tokens and the cost");
    // Open the tool call and the server's own [paperclip] line (a system entry).
    await page.getByText("Executed command", { exact: false }).first().click();
    await page.getByText(/1 system message/i).first().click();
    await page.getByText("echo hello-from-bash").first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    await screenshot(page, "3-preamble-fixed-tool-call-open");
    const open = await transcriptText(page);
    assert.match(open, /echo hello-from-bash/, "the tool call's input");
    assert.match(open, /hello-from-bash\s*\n/, "the tool result's output");
    assert.match(open, /\[paperclip\] No project or prior session workspace was available/);
    assert.doesNotMatch(open, /\{"type":/, `raw JSON in the rendered transcript:\n${open}`);
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
