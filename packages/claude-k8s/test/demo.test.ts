// The README's first command must work: run the demo as `npm run demo` does and check that a
// real Claude Code run went through a Job on kube-sim and left nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const demo = fileURLToPath(new URL("../demo/demo.ts", import.meta.url));

test("npm run demo: a real agent run as a Job, streamed, classified, cleaned up", async () => {
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(process.execPath, ["--conditions=source", demo], { timeout: 90_000 }, (error, out) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: out });
    });
  });
  assert.equal(code, 0, stdout);
  assert.match(stdout, /→ Bash echo "hello from/, "the tool call streamed from the pod's log");
  assert.match(stdout, /uid 1000/, "claude ran as the pod's non-root user");
  assert.match(stdout, /container terminated: exit 0 \(Completed\)/);
  assert.match(stdout, /"summary": "I ran a command inside a Kubernetes pod\. Everything works\."/);
  assert.match(stdout, /nothing left behind/);
});
