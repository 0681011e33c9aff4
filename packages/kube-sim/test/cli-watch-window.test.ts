// `kube-sim serve --history-limit / --history-max-age-ms`: the watch window flags reach the
// server (a watch from before the window gets the 410 ERROR event), and bad values are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

test("serve --history-limit 2: the third configmap event pushes the first out of the window", { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "kube-sim-cli-window-"));
  const server = spawn(process.execPath, ["--conditions=source", CLI, "serve", "--http", "--no-runtime", "--history-limit", "2",
    "--history-max-age-ms", "600000", "--kubeconfig", path.join(dir, "kubeconfig")], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => server.once("exit", resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      server.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const found = /listening on (\S+)/.exec(out);
        if (found?.[1] && out.includes("kubeconfig:")) resolve(found[1]);
      });
      server.once("exit", (code) => reject(new Error(`kube-sim serve exited early with ${code}`)));
    });
    // With --http, `serve` answers requests without a token as an anonymous admin.
    const cms = `${url}/api/v1/namespaces/default/configmaps`;
    const first = await (await fetch(cms, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ metadata: { name: "c0" } }) })).json() as { metadata: { resourceVersion: string } };
    for (const name of ["c1", "c2"]) {
      await fetch(cms, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ metadata: { name } }) });
    }
    const before = Number(first.metadata.resourceVersion) - 1;
    const watch = await (await fetch(`${cms}?watch=true&resourceVersion=${before}`)).text();
    assert.deepEqual(JSON.parse(watch.trim()), { type: "ERROR", object: { kind: "Status", apiVersion: "v1", metadata: {},
      status: "Failure", message: `too old resource version: ${before} (${first.metadata.resourceVersion})`, reason: "Expired", code: 410 } });
  } finally {
    server.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
});

test("serve refuses a history limit that is not a positive integer", async () => {
  const failed = await promisify(execFile)(process.execPath, ["--conditions=source", CLI, "serve", "--history-limit", "0"])
    .then(() => undefined, (error: unknown) => error as { code: number; stderr: string });
  assert.equal(failed?.code, 2);
  assert.match(failed?.stderr ?? "", /--history-limit must be a positive integer, got 0/);
});
