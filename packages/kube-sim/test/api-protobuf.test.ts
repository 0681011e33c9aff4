// The protobuf bodies kubectl's typed commands send, decoded to the JSON the handlers take. The
// fixtures are the exact bytes kubectl 1.32 sent (from `kubectl -v=9`); the edge cases are built
// with a tiny encoder below. kubectl-rbac.test.ts sends the same through kubectl itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeKubeProtobuf } from "../src/api/protobuf.ts";
import { StatusError } from "../src/store/errors.ts";

const KUBECTL: Record<string, string> = {
  // kubectl create namespace foo
  namespace: "6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a020a001a002200",
  // kubectl auth can-i get /healthz
  healthz: "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577122f0a100a0012001a0022002a003200380042001211120f0a082f6865616c74687a12036765741a08080012001a0020001a002200",
  // kubectl auth can-i list pods/log -n agents (TYPE/NAME: the pod named "log")
  podsLog: "6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a656374416363657373526576696577123f0a100a0012001a0022002a0032003800420012210a1f0a066167656e747312046c6973741a0022002a04706f647332003a036c6f671a08080012001a0020001a002200",
  // kubectl create configmap cm1 --from-literal=a=b
  configMap: "6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a03636d3112001a0022002a0032003800420012060a01611201621a002200",
  // kubectl create secret generic s1 --from-literal=k=v
  secret: "6b3873000a0c0a0276311206536563726574121e0a120a02733112001a0022002a0032003800420012060a016b1201761a001a002200",
  // kubectl create job j1 --image=busybox -- sh -c "echo hi"
  job: "6b3873000a0f0a0862617463682f763112034a6f62128b010a120a026a3112001a0022002a00320038004200126b32690a100a0012001a0022002a00320038004200125512320a026a31120762757379626f781a0273681a022d631a076563686f2068692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200",
  // kubectl auth can-i --list -n agents (SelfSubjectRulesReview: not decoded)
  rulesReview: "6b3873000a310a17617574686f72697a6174696f6e2e6b38732e696f2f7631121653656c665375626a65637452756c657352657669657712220a100a0012001a0022002a0032003800420012080a066167656e74731a04180022001a002200",
};

const decodeCases: { name: string; want: Record<string, unknown> }[] = [
  { name: "namespace", want: { apiVersion: "v1", kind: "Namespace", metadata: { name: "foo" }, spec: {} } },
  { name: "healthz", want: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {},
    spec: { nonResourceAttributes: { path: "/healthz", verb: "get" } } } },
  { name: "podsLog", want: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", metadata: {},
    spec: { resourceAttributes: { namespace: "agents", verb: "list", resource: "pods", name: "log" } } } },
  { name: "configMap", want: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm1" }, data: { a: "b" } } },
  { name: "secret", want: { apiVersion: "v1", kind: "Secret", metadata: { name: "s1" }, data: { k: Buffer.from("v").toString("base64") } } },
  { name: "job", want: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j1" }, spec: { template: { metadata: {},
    spec: { containers: [{ name: "j1", image: "busybox", command: ["sh", "-c", "echo hi"] }], restartPolicy: "Never" } } } } },
];

for (const { name, want } of decodeCases) {
  test(`decodes kubectl's ${name} body`, () => {
    assert.deepEqual(decodeKubeProtobuf(Buffer.from(KUBECTL[name] ?? "", "hex")), want);
  });
}

// A minimal encoder for the edge cases: tag, then a varint or length-delimited payload.
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
const num = (field: number, value: number) => Buffer.concat([varint(field * 8), varint(value)]);
const len = (field: number, ...parts: (Buffer | string)[]) => {
  const payload = Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : part)));
  return Buffer.concat([varint(field * 8 + 2), varint(payload.length), payload]);
};
const body = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from("k8s\0", "latin1"), len(1, len(1, apiVersion), len(2, kind)), len(2, raw)]);

const edgeCases: { name: string; raw: Buffer; kind?: [string, string]; want: Record<string, unknown> }[] = [
  { name: "labels, annotations, finalizers and a timestamp", raw: len(1, len(1, "x"), len(11, len(1, "app"), len(2, "demo")),
    len(11, len(1, "tier"), len(2, "")), len(12, len(1, "note"), len(2, "hi")), len(14, "a/b"), len(8, num(1, 1_700_000_000))),
  want: { apiVersion: "v1", kind: "Namespace", metadata: { name: "x", labels: { app: "demo", tier: "" }, annotations: { note: "hi" },
    finalizers: ["a/b"], creationTimestamp: "2023-11-14T22:13:20Z" } } },
  { name: "a Job's pointer fields keep an explicit 0 (backoffLimit: 0 is not the default 6)", kind: ["batch/v1", "Job"],
    raw: Buffer.concat([len(1, len(1, "j")), len(2, num(7, 0), num(1, 2))]),
    want: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { backoffLimit: 0, parallelism: 2 } } },
  { name: "binaryData and immutable: false", kind: ["v1", "ConfigMap"], raw: Buffer.concat([len(3, len(1, "bin"), len(2, Buffer.from([0, 255]))), num(4, 0)]),
    want: { apiVersion: "v1", kind: "ConfigMap", binaryData: { bin: "AP8=" }, immutable: false } },
  { name: "a multi-byte varint and a negative int64", kind: ["batch/v1", "Job"],
    raw: len(2, num(3, 300), Buffer.concat([varint(8 * 8), Buffer.from("feffffffffffffffff01", "hex")])),
    want: { apiVersion: "batch/v1", kind: "Job", spec: { activeDeadlineSeconds: 300, ttlSecondsAfterFinished: -2 } } },
];

for (const { name, raw, kind, want } of edgeCases) {
  test(`decodes ${name}`, () => {
    const [apiVersion, kindName] = kind ?? ["v1", "Namespace"];
    assert.deepEqual(decodeKubeProtobuf(body(apiVersion, kindName, raw)), want);
  });
}

const refusals: { name: string; bytes: Buffer; code: number; message: RegExp }[] = [
  { name: "no k8s\\0 prefix", bytes: Buffer.from("{}"), code: 400, message: /k8s\\0 prefix/ },
  { name: "a kind it has no table for", bytes: Buffer.from(KUBECTL.rulesReview ?? "", "hex"), code: 415,
    message: /only for v1\/Namespace.*not authorization\.k8s\.io\/v1\/SelfSubjectRulesReview: send it as JSON/ },
  { name: "an unknown field with a value (never silently dropped)", bytes: body("v1", "Namespace", len(1, len(15, len(1, "x")))), code: 415,
    message: /cannot decode protobuf field 15 of Namespace\.metadata/ },
  { name: "a length past the end", bytes: Buffer.concat([body("v1", "Namespace", Buffer.alloc(0)).subarray(0, 6), Buffer.from([0x7f])]),
    code: 400, message: /longer than the body/ },
  { name: "a varint cut short", bytes: Buffer.concat([Buffer.from("k8s\0", "latin1"), Buffer.from([0x28, 0x80])]), code: 400, message: /ends inside a varint/ },
  { name: "a field with the wrong wire type", bytes: body("v1", "Namespace", len(1, num(1, 5))), code: 400, message: /Namespace\.metadata\.name has wire type 0/ },
];

for (const { name, bytes, code, message } of refusals) {
  test(`refuses ${name} with ${code}`, () => {
    assert.throws(() => decodeKubeProtobuf(bytes), (error: unknown) => {
      assert.ok(error instanceof StatusError);
      assert.equal(error.status.code, code);
      assert.match(error.status.message ?? "", message);
      return true;
    });
  });
}
