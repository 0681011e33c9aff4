// `npm run demo -- --paperclip` (demo.ts in packages/claude-k8s hands over to this file): the
// real Paperclip server with claude_k8s installed, watching a run in its own UI. It starts kube-sim
// (containers run as local processes; the image is the real Claude Code CLI) and anthropic-sim (a
// scripted Messages API), then Paperclip exactly as the e2e tests do (onboarded in a temporary
// home, as an unprivileged user, on 127.0.0.1), installs the adapter through Paperclip's install
// API, creates a company, a claude_k8s agent and an issue assigned to it, and prints the run
// page's URL. Ctrl-C stops everything it started and removes its temporary directories.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { paperclipApi } from "../test/paperclip-api.ts";
import type { Json } from "../test/paperclip-api.ts";
import { ensureAdapterBuilt, freePort, startPaperclip } from "../test/paperclip-server.ts";
import type { PaperclipServer } from "../test/paperclip-server.ts";
import { startWorld } from "../test/scenario-world.ts";
import type { World } from "../test/scenario-world.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const color = process.stdout.isTTY === true;
const say = (text: string): void => console.log(color ? `\x1b[36m▸ ${text}\x1b[0m` : `▸ ${text}`);

let server: PaperclipServer | undefined;
let world: World | undefined;
const api = paperclipApi(() => server);

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  return (cleaning ??= (async () => {
    const leftovers = await server?.stop() ?? [];
    await world?.stop();
    if (leftovers.length > 0) console.error(`processes left behind:\n${leftovers.join("\n")}`);
  })());
}

async function firstRunOf(companyId: string, agentId: string): Promise<Json> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const runs = await api.expectStatus("GET", `/companies/${companyId}/heartbeat-runs?agentId=${agentId}`, 200) as unknown as Json[];
    if (runs[0]) return runs[0];
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error("demo: assigning the issue started no run within 60 s");
}

async function main(): Promise<void> {
  say("building the adapter (packages/claude-k8s/dist) if needed");
  await ensureAdapterBuilt(repoRoot);
  say("starting kube-sim (Kubernetes API emulator) and anthropic-sim (scripted Messages API)");
  world = await startWorld(path.join(repoRoot, "node_modules", ".bin"));
  say("starting Paperclip (paperclipai onboard, 127.0.0.1, temporary home); this takes 15-30 s");
  server = startPaperclip(repoRoot, await freePort());
  await api.waitForHealth();
  await api.expectStatus("POST", "/adapters/install", 201, { packageName: path.join(repoRoot, "packages", "claude-k8s"), isLocalPath: true });
  say(`Paperclip is up at ${api.baseUrl()} with the claude_k8s adapter installed`);
  const company = await api.expectStatus("POST", "/companies", 201, { name: "claude_k8s demo" });
  const agent = await api.expectStatus("POST", `/companies/${company.id}/agents`, 201, {
    name: "Kubernetes Engineer", role: "engineer", adapterType: "claude_k8s", adapterConfig: world.agentConfig("demo"),
    // claude_k8s runs one Job per agent: let Paperclip queue this agent's runs (its default is 20 at once).
    runtimeConfig: { heartbeat: { maxConcurrentRuns: 1 } },
  });
  await api.expectStatus("POST", `/companies/${company.id}/issues`, 201, {
    title: "Say hello from a Kubernetes pod", description: "Run a few steps inside your pod and report back.", assigneeAgentId: agent.id, status: "todo",
  });
  const run = await firstRunOf(company.id, agent.id);
  say(`the issue woke the agent; watch its run (a Kubernetes Job on kube-sim) live at:\n\n    ${api.baseUrl()}/${company.issuePrefix}/agents/${agent.id}/runs/${run.id}\n`);
  const ended = await api.waitForRunEnd(run.id, 300_000);
  say(`the run ${ended.status} (exit ${ended.exitCode}, ${ended.usageJson?.inputTokens ?? 0} input / ${ended.usageJson?.outputTokens ?? 0} output tokens, $${ended.usageJson?.costUsd ?? 0}, session ${ended.sessionIdAfter})`);
  say("Paperclip keeps running so you can look around; press Ctrl-C to stop everything and clean up");
}

export async function paperclipDemo(): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      say("stopping Paperclip, kube-sim and anthropic-sim; removing temporary directories");
      void cleanUp().then(() => process.exit(0));
    });
  }
  try {
    await main();
  } catch (error) {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    await cleanUp();
    process.exit(1);
  }
}
