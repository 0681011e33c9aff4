// kubectl 1.32 against `kube-sim serve` (the CLI, as a child process): apply/create a Job, get,
// wait for completion, logs (and logs -f), describe, delete.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
let dir: string;
let kubeconfig: string;
let server: ChildProcess;

function jobYaml(name: string, script: string, tier = "free"): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  labels: { app: demo, tier: ${tier} }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command: ["sh", "-c", ${JSON.stringify(script)}]
`;
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run("kubectl", ["--kubeconfig", kubeconfig, ...args], { timeout: 30_000,
    env: { ...process.env, KUBECACHEDIR: path.join(dir, "cache"), HOME: dir } });
  return stdout;
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "kube-sim-kubectl-"));
  kubeconfig = path.join(dir, "kubeconfig");
  server = spawn(process.execPath, ["--conditions=source", CLI, "serve", "--kubeconfig", kubeconfig], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("kubeconfig:")) resolve();
    });
    server.once("exit", (code) => reject(new Error(`kube-sim serve exited early with ${code}`)));
  });
  await writeFile(path.join(dir, "hello.yaml"), jobYaml("hello", "echo hello from kubectl"));
  await writeFile(path.join(dir, "hello-gold.yaml"), jobYaml("hello", "echo hello from kubectl", "gold"));
  // Running for 3 s: `kubectl wait --for=jsonpath={.status.active}=1` (a fresh kubectl process,
  // slow on a loaded machine) must catch it active; with 0.5 s it once missed the window.
  await writeFile(path.join(dir, "slow.yaml"), jobYaml("slow", "echo first; sleep 3; echo second"));
});

after(async () => {
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
  await rm(dir, { recursive: true, force: true });
});

test("kubectl apply -f, get, wait --for=condition=complete, logs, describe, delete", async () => {
  assert.match(await kubectl("apply", "-f", path.join(dir, "hello.yaml")), /job\.batch\/hello created/);
  assert.match(await kubectl("wait", "--for=condition=complete", "job/hello", "--timeout=20s"), /job\.batch\/hello condition met/);
  assert.match(await kubectl("apply", "-f", path.join(dir, "hello-gold.yaml")), /job\.batch\/hello configured/);
  assert.equal(await kubectl("get", "job", "hello", "-o", "jsonpath={.metadata.labels.tier}"), "gold");
  const jobs = await kubectl("get", "jobs");
  assert.match(jobs, /^NAME\s+STATUS\s+COMPLETIONS\s+AGE/m);
  assert.match(jobs, /^hello\s+Complete\s+1\/1\s+\d+s/m);
  assert.match(await kubectl("get", "pods", "-l", "job-name=hello"), /^hello-[a-z0-9]{5}\s+0\/1\s+Completed/m);
  assert.equal(await kubectl("logs", "job/hello"), "hello from kubectl\n");
  const described = await kubectl("describe", "job", "hello");
  assert.match(described, /^Name:\s+hello$/m);
  assert.match(described, /^Namespace:\s+default$/m);
  assert.match(await kubectl("delete", "job", "hello"), /job\.batch "hello" deleted/);
  assert.doesNotMatch(await kubectl("get", "jobs", "-o", "name"), /hello/);
});

test("kubectl describe job and pod list their Events: job-controller, default-scheduler, kubelet", async () => {
  await writeFile(path.join(dir, "described.yaml"), jobYaml("described", "echo described"));
  await kubectl("apply", "-f", path.join(dir, "described.yaml"));
  await kubectl("wait", "--for=condition=complete", "job/described", "--timeout=20s");
  const job = await kubectl("describe", "job", "described");
  assert.match(job, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message$/m);
  assert.match(job, /^\s+Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: described-[a-z0-9]{5}$/m);
  assert.match(job, /^\s+Normal\s+Completed\s+\S+\s+job-controller\s+Job completed$/m);
  const pod = await kubectl("describe", "pod", "-l", "batch.kubernetes.io/job-name=described");
  assert.match(pod, /^\s+Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/described-[a-z0-9]{5} to sim-node-1$/m);
  for (const line of [/Pulling\s+\S+\s+kubelet\s+Pulling image "busybox"/, /Created\s+\S+\s+kubelet\s+Created container main/,
    /Started\s+\S+\s+kubelet\s+Started container main/]) assert.match(pod, line);
  assert.match(pod, /^QoS Class:\s+BestEffort$/m);
  assert.match(pod, /^Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s$/m);
  const events = await kubectl("get", "events", "--field-selector", "involvedObject.name=described");
  assert.match(events, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
  assert.match(events, /^\S+\s+Normal\s+SuccessfulCreate\s+job\/described\s+Created pod: described-[a-z0-9]{5}$/m);
  await kubectl("delete", "job", "described", "--cascade=background");
});

test("kubectl create -f and logs -f follow a running container to its end", async () => {
  assert.match(await kubectl("create", "-f", path.join(dir, "slow.yaml")), /job\.batch\/slow created/);
  await kubectl("wait", "--for=jsonpath={.status.active}=1", "job/slow", "--timeout=20s");
  assert.equal(await kubectl("logs", "-f", "job/slow"), "first\nsecond\n");
  assert.match(await kubectl("get", "job", "slow", "-o", "jsonpath={.status.succeeded}"), /^1$/);
  assert.match(await kubectl("delete", "pods", "-l", "job-name=slow"), /pod "slow-[a-z0-9]{5}" deleted/);
  assert.equal(await kubectl("get", "pods", "-l", "job-name=slow", "-o", "name"), "");
});

test("kubectl get -w prints Table rows for existing and new Jobs", async () => {
  const watcher = spawn("kubectl", ["--kubeconfig", kubeconfig, "get", "jobs", "--watch"],
    { env: { ...process.env, KUBECACHEDIR: path.join(dir, "cache"), HOME: dir }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const seen = (pattern: RegExp) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl get -w printed no ${pattern}: ${out}`)), 15_000);
    const check = () => {
      if (!pattern.test(out)) return;
      clearTimeout(timer);
      watcher.stdout?.off("data", onData);
      resolve();
    };
    const onData = (chunk: Buffer) => { out += chunk.toString(); check(); };
    watcher.stdout?.on("data", onData);
    check();
  });
  const exited = new Promise((resolve) => watcher.once("exit", resolve));
  try {
    await seen(/^slow\s+Complete\s+1\/1/m);
    await kubectl("create", "-f", path.join(dir, "hello.yaml"));
    await seen(/^hello\s+/m);
  } finally {
    watcher.kill("SIGTERM");
    await exited;
  }
});
