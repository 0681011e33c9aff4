import { test } from "node:test";
import assert from "node:assert/strict";
import { schedule, type SchedulingInput, type SchedulingResult, type SimNode } from "../src/kubelet/scheduler.ts";
import { imageName } from "../src/kubelet/images.ts";
import { expandVariables } from "../src/kubelet/env.ts";
import { namespaceScript, shellQuote } from "../src/kubelet/process.ts";
import { execFileSync } from "node:child_process";

const nodes: SimNode[] = [
  { name: "a", labels: { disk: "ssd" } },
  { name: "b", labels: { disk: "hdd" }, taints: [{ key: "gpu", value: "yes", effect: "NoSchedule" }] },
];
const scheduleCases: { name: string; pod: SchedulingInput; nodes: SimNode[]; want: SchedulingResult }[] = [
  { name: "no constraints: first node", pod: {}, nodes, want: { node: "a" } },
  { name: "selector picks b but its taint is untolerated", pod: { nodeSelector: { disk: "hdd" } }, nodes,
    want: { unschedulable: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {gpu: yes}." } },
  { name: "toleration Equal admits b", pod: { nodeSelector: { disk: "hdd" }, tolerations: [{ key: "gpu", value: "yes" }] }, nodes, want: { node: "b" } },
  { name: "toleration Exists with no key admits b", pod: { nodeSelector: { disk: "hdd" }, tolerations: [{ operator: "Exists" as const }] }, nodes, want: { node: "b" } },
  { name: "toleration with another effect does not", pod: { nodeSelector: { disk: "hdd" }, tolerations: [{ key: "gpu", operator: "Exists" as const, effect: "NoExecute" }] }, nodes,
    want: { unschedulable: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {gpu: yes}." } },
  { name: "one node, selector mismatch", pod: { nodeSelector: { x: "y" } }, nodes: [{ name: "sim-node-1" }],
    want: { unschedulable: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." } },
];
for (const c of scheduleCases) test(`schedule: ${c.name}`, () => assert.deepEqual(schedule(c.pod, c.nodes), c.want));

const imageCases: [string, string][] = [
  ["busybox", "busybox"], ["busybox:1.36", "busybox"], ["docker.io/library/busybox:1.36", "busybox"],
  ["ghcr.io/org/agent:v1@sha256:abc", "org/agent"], ["localhost:5000/app", "app"], ["org/app:tag", "org/app"],
];
for (const [reference, name] of imageCases) test(`imageName(${reference})`, () => assert.equal(imageName(reference), name));

const expandCases: [string, Record<string, string>, string][] = [
  ["$(A)", { A: "x" }, "x"], ["$$(A)", { A: "x" }, "$(A)"], ["$(B)", { A: "x" }, "$(B)"], ["a$$b", {}, "a$b"], ["$(A)$(A)", { A: "1" }, "11"],
];
for (const [text, vars, want] of expandCases) test(`expandVariables(${text})`, () => assert.equal(expandVariables(text, vars), want));

const hostile = ["plain", "it's", "$(whoami)", "a\nb", "`id`", "; rm -rf /", "\"q\"", ""];
for (const value of hostile) {
  test(`shellQuote passes ${JSON.stringify(value)} through sh literally`, () => {
    assert.equal(execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote(value)}`]).toString(), value);
  });
}

test("namespaceScript passes the command as \"$@\" and quotes mount paths", () => {
  const script = namespaceScript({ mounts: [{ hostPath: "/h/it's", mountPath: "/m/$(x)", readOnly: true }], user: { uid: 1000, gid: 0 } });
  assert.match(script, /mount --bind '\/h\/it'\\''s' '\/m\/\$\(x\)'/);
  assert.match(script, /mount -o remount,bind,ro '\/m\/\$\(x\)'/);
  assert.match(script, /exec setpriv --reuid=1000 --regid=0 --clear-groups -- "\$@"\n\)$/);
});

test("namespaceScript sets the UTS hostname (quoted) and passes supplementary groups to setpriv", () => {
  const script = namespaceScript({ mounts: [], hostname: "job-a1b2c", user: { uid: 1000, gid: 0, groups: [1000, 2000] } });
  assert.match(script, /^set -e\n\(\n {2}read -r kube_sim_pid _ < \/proc\/self\/stat\n(.*\n){2} {2}printf '%s' 'job-a1b2c' > \/proc\/sys\/kernel\/hostname\n/);
  assert.match(script, /exec setpriv --reuid=1000 --regid=0 --groups=1000,2000 -- "\$@"\n\)$/);
});
