// The soak's "claude": a small sh script, so hundreds of runs fit in minutes on 2 cores. It reads
// its prompt (as claude does, from stdin), writes stream-json (system/init, one assistant event
// per line with a unique message id, a result event) at the rate and count in its env, and exits
// with the code in its env. A TERM trap ends it like a real CLI ends on SIGTERM (exit 143).
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Container } from "./schedule.ts";

const SCRIPT = `#!/bin/sh
trap 'exit 143' TERM
cat > /dev/null
printf '{"type":"system","subtype":"init","session_id":"%s","model":"claude-sonnet-4-5","cwd":"%s","tools":[],"mcp_servers":[]}\\n' "$SOAK_SESSION" "$PWD"
i=1
while [ "$i" -le "$SOAK_LINES" ]; do
  printf '{"type":"assistant","message":{"id":"msg_%s_%d","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"%s line %d"}],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":1}},"session_id":"%s"}\\n' "$SOAK_TAG" "$i" "$SOAK_TAG" "$i" "$SOAK_SESSION"
  sleep "$SOAK_SLEEP"
  i=$((i + 1))
done
if [ "$SOAK_RESULT" = 1 ]; then
  printf '{"type":"result","subtype":"success","is_error":false,"result":"%s done","session_id":"%s","total_cost_usd":0,"num_turns":1,"duration_ms":1,"usage":{"input_tokens":1,"output_tokens":1,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}\\n' "$SOAK_TAG" "$SOAK_SESSION"
fi
exit "$SOAK_EXIT"
`;

/** A directory with the script as \`claude\`, readable by the pod's non-root user. */
export async function makeAgentBin(): Promise<{ binDir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "claude-k8s-soak-"));
  await chmod(dir, 0o755);
  const file = path.join(dir, "claude");
  await writeFile(file, SCRIPT);
  await chmod(file, 0o755);
  return { binDir: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The pod env that makes the script behave as the scenario says. */
export function agentEnv(tag: string, c: Container): Record<string, string> {
  return {
    SOAK_TAG: tag, SOAK_SESSION: sessionIdFor(tag), SOAK_LINES: String(c.lines), SOAK_SLEEP: (c.sleepMs / 1000).toFixed(3),
    SOAK_RESULT: c.result ? "1" : "0", SOAK_EXIT: String(c.exitCode), ANTHROPIC_API_KEY: "sk-soak",
  };
}

/** A UUID-shaped session id derived from the run's tag (stable across replays). */
export function sessionIdFor(tag: string): string {
  let h = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${tag}/${round}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    hex.push(h.toString(16).padStart(8, "0"));
  }
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(17, 20)}-${s.slice(20, 32)}`;
}
