// The README's first command must work: run the demo as `npm run demo` does and check that a
// real Claude Code run went through a Job on kube-sim and left nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const demo = fileURLToPath(new URL("../demo/demo.ts", import.meta.url));

function runDemo(...args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--conditions=source", demo, ...args], { timeout: 120_000 }, (error, out) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: out });
    });
  });
}

test("npm run demo: a real agent run through execute(), as a Job, streamed, classified, cleaned up", async () => {
  const { code, stdout } = await runDemo();
  assert.equal(code, 0, stdout);
  assert.match(stdout, /→ Bash echo "hello from/, "the tool call streamed from the pod's log");
  assert.match(stdout, /uid 1000/, "claude ran as the pod's non-root user");
  assert.match(stdout, /k8s\.container\.terminated: pod .*container exited with code 0 \(Completed\)/);
  assert.match(stdout, /"summary": "I ran a command inside a Kubernetes pod\. Everything works\."/);
  assert.match(stdout, /transcript equals what the container wrote/);
  assert.match(stdout, /nothing left behind/);
});

test("npm run demo -- --chaos: cut log streams and lagging conditions, and still every line once", async () => {
  const { code, stdout } = await runDemo("--chaos");
  assert.equal(code, 0, stdout);
  assert.match(stdout, /A longer step, under chaos\./);
  assert.match(stdout, /working 12/, "the tool ran in the pod under chaos");
  assert.match(stdout, /"reconnects": [1-9]/, "the stream was cut and resumed");
  assert.match(stdout, /transcript equals what the container wrote/);
});
