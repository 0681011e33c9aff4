// One soak scenario, end to end: execute() in this process (or in fresh processes for adoption
// and two-replica claims), the scenario's fault fired at its moment (read from kube-sim's ground
// truth: lines written, the container's exit), and what the host saw recorded for the checker.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AdapterExecutionResult } from "@paperclipai/adapter-utils";
import { JOBS } from "kube-sim";
import { execute } from "../src/paperclip/execute.ts";
import { agentEnv } from "./agent.ts";
import { hostContext, jobOf, observe } from "./host.ts";
import type { Observation, Seen } from "./host.ts";
import type { Alongside, Moment, Scenario } from "./schedule.ts";
import { exitsOf, IMAGE, jobState, linesWritten, NAMESPACE, podOf } from "./world.ts";
import type { World } from "./world.ts";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

/** What the soak did to a run, and what the cluster looked like at that moment. */
export type Injected = { what: string; fired: boolean; exitedBefore: boolean; effect?: string };

export type RunRecord = {
  scenario: Scenario;
  /** The run itself; for shutdown: then its adopter; for two processes: both. */
  observations: Observation[];
  injected: Injected[];
  /** The Job state right after the (first) run returned. */
  jobAfter: "absent" | "terminating" | "present" | null;
  /** Jobs created for the agent while the scenario ran (two-process claims). */
  jobsCreated?: number;
};

export type RunOptions = { hangBoundMs: number; unhandled: string[] };

export function configFor(world: World, s: Scenario): Record<string, unknown> {
  return {
    kubeconfig: world.sim.kubeconfigPath, namespace: NAMESPACE, image: IMAGE, graceSec: 2, keepaliveSec: 0,
    env: agentEnv(s.runId, s.container), ...(s.fault.kind === "deadline" ? { timeoutSec: s.fault.timeoutSec } : {}),
  };
}

export async function runScenario(world: World, s: Scenario, options: RunOptions): Promise<RunRecord> {
  const config = configFor(world, s);
  if (s.fault.kind === "twoProcesses") {
    const before = (world.jobsByAgent.get(s.agentId) ?? []).length;
    const [a, b] = await Promise.all([runChild(config, `${s.runId}-a`, s.agentId, `${s.taskId}-a`, options), runChild(config, `${s.runId}-b`, s.agentId, `${s.taskId}-b`, options)]);
    return { scenario: s, observations: [a, b], injected: [], jobAfter: null, jobsCreated: (world.jobsByAgent.get(s.agentId) ?? []).length - before };
  }
  const first = await runInProcess(world, s, config, options);
  if (s.fault.kind !== "shutdown") return first;
  const job = first.observations[0]?.job ?? null;
  const adopter = runChild(config, `${s.runId}-adopt`, s.agentId, s.taskId, options);
  const alongside = s.fault.duringAdoption;
  if (job && alongside !== "none") {
    // "During adoption": the moment the adopter relabels the Job as its own.
    const adopting = await until(() => isBeingAdopted(world, job), options.hangBoundMs, adopter);
    fireAlongside(world, alongside);
    first.injected.push({ what: `${alongside} during adoption`, fired: adopting, exitedBefore: exitsOf(world, job).length > 0 });
  }
  first.observations.push(await adopter);
  return first;
}

function isBeingAdopted(world: World, job: string): boolean {
  const found = world.sim.store.list(JOBS, NAMESPACE).items.find((j) => j.metadata?.name === job);
  return Boolean(found?.metadata?.annotations?.["paperclip.io/adopted-from"]);
}

async function runInProcess(world: World, s: Scenario, config: Record<string, unknown>, options: RunOptions): Promise<RunRecord> {
  const abort = new AbortController();
  const host = hostContext({ runId: s.runId, agentId: s.agentId, taskId: s.taskId, config, signal: abort.signal });
  const started = Date.now();
  let settled = false;
  const running = execute(host.ctx).catch((error: unknown) => threw(error)).finally(() => { settled = true; });
  const injected: Injected[] = [];
  const faulting = injectFault(world, s, host.seen, abort, () => settled, injected);
  let result = await bounded(running, options.hangBoundMs);
  const hung = result === undefined;
  if (hung) {
    abort.abort(new Error("Cancelled by the soak: execute() did not return within the bound"));
    result = await bounded(running, 30_000);
  }
  host.markReturned();
  await faulting;
  const obs = observe(s.runId, result ?? null, host.seen, Date.now() - started, hung, []);
  const job = obs.job;
  await new Promise((resolve) => setTimeout(resolve, 100)); // late callbacks still count
  obs.late = host.seen.late;
  return { scenario: s, observations: [obs], injected, jobAfter: job ? jobState(world, job) : null };
}

/** Waits for the scenario's moment, then fires its fault; gives up when the run has returned. */
async function injectFault(world: World, s: Scenario, seen: Seen, abort: AbortController, settled: () => boolean, injected: Injected[]): Promise<void> {
  const f = s.fault;
  if (f.kind === "none" || f.kind === "deadline" || f.kind === "twoProcesses") return;
  const reached = await waitForMoment(world, seen, f.when, settled);
  if (!reached) {
    injected.push({ what: f.kind, fired: false, exitedBefore: false, effect: "the run returned first" });
    return;
  }
  const { job, pod } = reached;
  const exitedBefore = exitsOf(world, job).length > 0;
  const rt = world.sim.runtime;
  switch (f.kind) {
    case "oom": injected.push({ what: "oomKill", fired: true, exitedBefore, effect: String(rt?.faults.oomKill(NAMESPACE, pod, "claude")) }); break;
    case "evict": rt?.faults.evict(NAMESPACE, pod); injected.push({ what: "evict", fired: true, exitedBefore }); break;
    case "deleteJob": rt?.faults.deleteJob(NAMESPACE, job, "Background"); injected.push({ what: "deleteJob", fired: true, exitedBefore }); break;
    case "deletePod": rt?.faults.deletePod(NAMESPACE, pod); injected.push({ what: "deletePod", fired: true, exitedBefore }); break;
    case "rotate": injected.push({ what: "rotateLogs", fired: true, exitedBefore, effect: String(rt?.faults.rotateLogs(NAMESPACE, pod, "claude", f.drop)) }); break;
    case "cancel":
      fireAlongside(world, f.alongside);
      abort.abort(new Error("Cancelled by a board operator"));
      injected.push({ what: `cancel${f.alongside !== "none" ? ` + ${f.alongside}` : ""}`, fired: true, exitedBefore });
      break;
    case "shutdown":
      abort.abort(new Error("Legacy controller lease lost"));
      injected.push({ what: "shutdown abort", fired: true, exitedBefore });
      break;
  }
}

async function waitForMoment(world: World, seen: Seen, when: Moment, settled: () => boolean): Promise<{ job: string; pod: string } | null> {
  let job: string | null = null;
  let pod: string | null = null;
  while (!settled()) {
    job ??= jobOf(null, seen);
    if (job) pod ??= podOf(world, job);
    if (job && pod) {
      if (when.at === "exit" ? exitsOf(world, job).length > 0 : linesWritten(world, pod) >= when.n + 1) return { job, pod };
    }
    await new Promise((resolve) => setTimeout(resolve, when.at === "exit" ? 5 : 20));
  }
  return null;
}

export function fireAlongside(world: World, what: Alongside): void {
  switch (what) {
    case "cutStreams": world.sim.faults.cutLogStreams(); break;
    case "watch410": world.sim.faults.endWatches({ expired: true }); break;
    case "burst503": world.sim.faults.failRequests({ code: 503, count: 6 }); break;
    case "partition": world.sim.faults.partition(1_500); break;
    case "none": break;
  }
}

function runChild(config: Record<string, unknown>, runId: string, agentId: string, taskId: string, options: RunOptions): Promise<Observation> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ["--conditions=source", CHILD, JSON.stringify(config), runId, agentId, taskId], { timeout: options.hangBoundMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        const obs = JSON.parse(last) as Observation;
        if (error) obs.unhandled.push(`the child process did not exit cleanly: ${error.message}`);
        resolve(obs);
      } catch {
        const hung = Boolean(error && (error as { killed?: boolean }).killed);
        resolve({ runId, errorCode: "(no result)", exitCode: null, timedOut: false, job: null, adopted: false, gaps: 0, incomplete: false, errorMessage: null, lines: [], late: 0,
          ms: Date.now() - started, hung, unhandled: hung ? [] : [`child failed: ${error?.message ?? "no output"}\n${stderr.slice(-2000)}`] });
      }
    });
  });
}

async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms); });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(check: () => boolean, ms: number, done: Promise<unknown>): Promise<boolean> {
  let over = false;
  void done.finally(() => { over = true; });
  const end = Date.now() + ms;
  while (!over && Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

/** execute() must never throw; if it does, that is what the run reports. */
function threw(error: unknown): AdapterExecutionResult {
  return { exitCode: null, signal: null, timedOut: false, errorCode: `(execute threw: ${error instanceof Error ? error.message : String(error)})` };
}
