// One soak run's execute() in its own process, as a fresh adapter process (a restarted or second
// Paperclip replica) would run it. argv: config JSON, run id, agent id, task id. Prints one JSON
// line: the Observation (result, transcript, gaps, unhandled rejections of this process).
import { execute } from "../src/paperclip/execute.ts";
import { hostContext, observe } from "./host.ts";

const unhandled: string[] = [];
process.on("unhandledRejection", (reason) => { unhandled.push(reason instanceof Error ? reason.stack ?? reason.message : String(reason)); });

const [config, runId, agentId, taskId] = [JSON.parse(process.argv[2] ?? "{}") as Record<string, unknown>, process.argv[3] ?? "run", process.argv[4] ?? "agent", process.argv[5] ?? "task"];
const host = hostContext({ runId, agentId, taskId, config, signal: new AbortController().signal });
const started = Date.now();
const result = await execute(host.ctx);
host.markReturned();
// Callbacks or rejections that come just after the return still count.
await new Promise((resolve) => setTimeout(resolve, 200));
process.stdout.write(`${JSON.stringify(observe(runId, result, host.seen, Date.now() - started, false, unhandled))}\n`);
