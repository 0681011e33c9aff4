import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldSelectorPredicate, labelSelectorPredicate } from "../src/store/selectors.ts";
import { StatusError } from "../src/store/errors.ts";
import type { KubeObject } from "../src/store/types.ts";

function pod(labels: Record<string, string>, phase = "Running", nodeName?: string): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p1", namespace: "agents", labels },
    spec: nodeName ? { nodeName } : {}, status: { phase } };
}

const labels = { app: "agent", run: "r1", tier: "5" };

const labelCases: { selector: string; want: boolean }[] = [
  { selector: "", want: true },
  { selector: "app=agent", want: true },
  { selector: "app==agent", want: true },
  { selector: "app=other", want: false },
  { selector: "app!=other", want: true },
  { selector: "missing!=x", want: true },
  { selector: "app", want: true },
  { selector: "missing", want: false },
  { selector: "!missing", want: true },
  { selector: "!app", want: false },
  { selector: "run in (r1,r2)", want: true },
  { selector: "run in (r2, r3)", want: false },
  { selector: "run notin (r2,r3)", want: true },
  { selector: "missing notin (r2)", want: true },
  { selector: "run notin (r1)", want: false },
  { selector: "app=agent,run in (r1,r2),!paused", want: true },
  { selector: "app=agent, run=r2", want: false },
  { selector: "tier>4", want: true },
  { selector: "tier<4", want: false },
  { selector: "app=", want: false },
];

for (const { selector, want } of labelCases) {
  test(`label selector ${JSON.stringify(selector)} → ${want}`, () => {
    assert.equal(labelSelectorPredicate(selector)(pod(labels)), want);
  });
}

const badSelectors = ["app in r1", "app in (r1", "=x", "app=a b", "bad key=1", "app=(", "a,,b", "x/y/=1"];
for (const selector of badSelectors) {
  test(`label selector ${JSON.stringify(selector)} → 400 unable to parse requirement`, () => {
    assert.throws(() => labelSelectorPredicate(selector), (error: unknown) => {
      assert.ok(error instanceof StatusError);
      assert.equal(error.status.code, 400);
      assert.equal(error.status.reason, "BadRequest");
      assert.match(error.status.message, /^unable to parse requirement: /);
      return true;
    });
  });
}

const fieldCases: { selector: string; object: KubeObject; want: boolean }[] = [
  { selector: "metadata.name=p1", object: pod({}), want: true },
  { selector: "metadata.name==p2", object: pod({}), want: false },
  { selector: "metadata.name!=p2", object: pod({}), want: true },
  { selector: "metadata.namespace=agents", object: pod({}), want: true },
  { selector: "status.phase=Running", object: pod({}), want: true },
  { selector: "status.phase!=Running", object: pod({}), want: false },
  { selector: "spec.nodeName=", object: pod({}), want: true },
  { selector: "spec.nodeName=node-1", object: pod({}, "Running", "node-1"), want: true },
  { selector: "spec.nodeName=node-1,status.phase=Pending", object: pod({}, "Running", "node-1"), want: false },
];

for (const { selector, object, want } of fieldCases) {
  test(`field selector ${JSON.stringify(selector)} → ${want}`, () => {
    assert.equal(fieldSelectorPredicate(selector)(object), want);
  });
}

test("field selector on an unsupported field → 400 field label not supported", () => {
  assert.throws(() => fieldSelectorPredicate("spec.foo=1"), (error: unknown) =>
    error instanceof StatusError && error.status.code === 400 && error.status.message === "field label not supported: spec.foo");
});

const perResource: { resource: { group: string; resource: string }; selector: string; object: KubeObject; want: boolean | "400" }[] = [
  { resource: { group: "", resource: "events" }, selector: "involvedObject.kind=Job,involvedObject.name=run-1",
    object: { apiVersion: "v1", kind: "Event", metadata: { name: "e" }, involvedObject: { kind: "Job", name: "run-1" } }, want: true },
  { resource: { group: "", resource: "events" }, selector: "involvedObject.uid=u2",
    object: { apiVersion: "v1", kind: "Event", metadata: { name: "e" }, involvedObject: { uid: "u1" } }, want: false },
  { resource: { group: "", resource: "secrets" }, selector: "type=Opaque",
    object: { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "Opaque" }, want: true },
  { resource: { group: "batch", resource: "jobs" }, selector: "spec.nodeName=x", object: pod({}), want: "400" },
  { resource: { group: "", resource: "configmaps" }, selector: "metadata.name=p1", object: pod({}), want: true },
];

for (const { resource, selector, object, want } of perResource) {
  test(`field selector on ${resource.resource}: ${selector} → ${want}`, () => {
    if (want === "400") {
      assert.throws(() => fieldSelectorPredicate(selector, resource), (e: unknown) => e instanceof StatusError && e.code === 400);
    } else assert.equal(fieldSelectorPredicate(selector, resource)(object), want);
  });
}
