// The container of the adapter benchmarks: a `claude` that writes valid stream-json at a
// controlled rate and size (so the figures measure the adapter, not a model), mapped by kube-sim's
// `runtime.images` as the image "bench/fake-claude". Its behaviour comes from the run's env:
//   BENCH_MODE=emit   BENCH_LINES lines of about BENCH_LINE_BYTES, one every BENCH_INTERVAL_MS,
//                     each carrying its write time ("bench_written_ms", epoch ms with µs);
//   BENCH_MODE=quiet  the init line, then silence for BENCH_SLEEP_SEC (SIGTERM ends it at once).
// Both end with a success result event and exit 0, so the adapter classifies the run as a success.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const FAKE_CLAUDE_IMAGE = "bench/fake-claude:1";

const EMITTER = String.raw`
const session = "00000000-0000-4000-8000-" + String(process.pid).padStart(12, "0");
const lines = Number(process.env.BENCH_LINES ?? "100");
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? "10");
const lineBytes = Number(process.env.BENCH_LINE_BYTES ?? "300");
const wallMs = () => performance.timeOrigin + performance.now();
const write = (event) => process.stdout.write(JSON.stringify(event) + "\n");
write({ type: "system", subtype: "init", cwd: process.cwd(), session_id: session, tools: [], mcp_servers: [], model: "claude-bench", permissionMode: "bypassPermissions", uuid: session + "-init" });
const pad = "x".repeat(Math.max(0, lineBytes - 330));
const started = wallMs();
let i = 0;
function next() {
  if (i >= lines) return finish();
  const due = started + i * intervalMs;
  const wait = due - wallMs();
  if (wait > 0.5) return void setTimeout(next, wait);
  const at = wallMs();
  write({ type: "assistant", message: { id: "msg_bench_" + i, type: "message", role: "assistant", model: "claude-bench",
    content: [{ type: "text", text: "line " + i + " " + pad }], stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } },
    parent_tool_use_id: null, session_id: session, uuid: session + "-" + i, bench_written_ms: at });
  i += 1;
  setImmediate(next);
}
function finish() {
  write({ type: "result", subtype: "success", is_error: false, duration_ms: Math.round(wallMs() - started), num_turns: 1,
    result: "bench done", session_id: session, total_cost_usd: 0, usage: { input_tokens: 1, output_tokens: lines }, uuid: session + "-result" });
  process.exit(0);
}
next();
`;

function claudeScript(nodePath: string, emitterPath: string): string {
  return `#!/bin/sh
# bench fake claude: see bench/fake-claude.ts
if [ "$BENCH_MODE" = quiet ]; then
  s=00000000-0000-4000-8000-$$
  printf '{"type":"system","subtype":"init","session_id":"%s","tools":[],"mcp_servers":[],"model":"claude-bench","uuid":"%s-init"}\\n' "$s" "$s"
  trap 'exit 143' TERM
  sleep "\${BENCH_SLEEP_SEC:-10}" &
  wait $!
  printf '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"result":"bench done","session_id":"%s","total_cost_usd":0,"usage":{"input_tokens":1,"output_tokens":1},"uuid":"%s-result"}\\n' "$s" "$s"
  exit 0
fi
exec '${nodePath}' '${emitterPath}'
`;
}

/** A bin dir (readable by the pod's user) holding `claude`; remove() deletes it. */
export function makeFakeClaudeBinDir(): { binDir: string; remove(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), "bench-fake-claude-"));
  chmodSync(root, 0o755);
  const emitter = path.join(root, "emitter.mjs");
  writeFileSync(emitter, EMITTER, { mode: 0o644 });
  writeFileSync(path.join(root, "claude"), claudeScript(process.execPath, emitter), { mode: 0o755 });
  return { binDir: root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
