import { test } from "node:test";
import assert from "node:assert/strict";
import { bindingParams, decideResume, sessionCodec, type SessionBinding } from "../src/paperclip/session.ts";
import { isBedrockEnv, listModels } from "../src/paperclip/models.ts";
import { getConfigSchema } from "../src/paperclip/schema.ts";

const SESSION = "3f1c2a9e-5b7d-4e1f-9a2b-0c8d7e6f5a4b";

const roundTrips: Array<[unknown, Record<string, unknown>]> = [
  [{ sessionId: SESSION }, { sessionId: SESSION }],
  [{ session_id: ` ${SESSION} ` }, { sessionId: SESSION }],
  [{ sessionId: SESSION, cwd: "/paperclip/ws/a", workspaceId: "w1", repoUrl: "https://x/r.git", repoRef: "main" },
    { sessionId: SESSION, cwd: "/paperclip/ws/a", workspaceId: "w1", repoUrl: "https://x/r.git", repoRef: "main" }],
  [{ sessionId: SESSION, workdir: "/w", prompt_bundle_key: "pb1", workspace_id: "w2" },
    { sessionId: SESSION, cwd: "/w", promptBundleKey: "pb1", workspaceId: "w2" }],
  [{ sessionId: SESSION, workspaceVolumeClaim: "data", namespace: "agents", junk: { a: 1 } },
    { sessionId: SESSION, workspaceVolumeClaim: "data", namespace: "agents" }],
  [{ sessionId: SESSION, cwd: 42, repoUrl: "" }, { sessionId: SESSION }],
];

for (const [raw, expected] of roundTrips) {
  test(`sessionCodec round-trips ${JSON.stringify(raw)}`, () => {
    const params = sessionCodec.deserialize(raw);
    assert.deepEqual(params, expected);
    assert.deepEqual(sessionCodec.serialize(params), expected);
    assert.deepEqual(sessionCodec.deserialize(sessionCodec.serialize(params)), expected);
    assert.equal(sessionCodec.getDisplayId?.(params), SESSION);
  });
}

const junk: unknown[] = [
  null, undefined, "session", 42, [SESSION], {}, { sessionId: "" }, { sessionId: "   " }, { sessionId: 7 },
  { sessionId: "abc\n--dangerously-skip-permissions" }, { sessionId: "a\u0000b" }, { sessionId: "x".repeat(5000) },
  { cwd: "/w" },
];
for (const raw of junk) {
  test(`sessionCodec rejects ${JSON.stringify(raw)?.slice(0, 60)}`, () => {
    assert.equal(sessionCodec.deserialize(raw), null);
    assert.equal(sessionCodec.serialize(raw as Record<string, unknown> | null), null);
  });
}

test("getDisplayId of nothing is null", () => {
  assert.equal(sessionCodec.getDisplayId?.(null), null);
  assert.equal(sessionCodec.getDisplayId?.({ cwd: "/w" }), null);
});

const bedrockCases: Array<[NodeJS.ProcessEnv, boolean]> = [
  [{}, false],
  [{ CLAUDE_CODE_USE_BEDROCK: "1" }, true],
  [{ CLAUDE_CODE_USE_BEDROCK: "true" }, true],
  [{ CLAUDE_CODE_USE_BEDROCK: "TRUE" }, true],
  [{ CLAUDE_CODE_USE_BEDROCK: "0" }, false],
  [{ CLAUDE_CODE_USE_BEDROCK: "false" }, false],
  [{ ANTHROPIC_BEDROCK_BASE_URL: "https://bedrock.example" }, true],
  [{ ANTHROPIC_BEDROCK_BASE_URL: "  " }, false],
];
for (const [env, bedrock] of bedrockCases) {
  test(`listModels with ${JSON.stringify(env)} -> ${bedrock ? "Bedrock" : "Anthropic"} ids`, async () => {
    assert.equal(isBedrockEnv(env), bedrock);
    const models = await listModels(env);
    assert.ok(models.length >= 5);
    assert.equal(new Set(models.map((model) => model.id)).size, models.length, "ids are unique");
    for (const model of models) {
      assert.equal(/^\w+\.anthropic\./.test(model.id), bedrock, model.id);
      assert.ok(model.label.length > 0);
    }
  });
}

test("the model combobox offers the Bedrock ids when the server uses Bedrock", async () => {
  const direct = await getConfigSchema({});
  const bedrock = await getConfigSchema({ CLAUDE_CODE_USE_BEDROCK: "1" });
  const modelOptions = (schema: typeof direct) => schema.fields.find((field) => field.key === "model")?.options?.map((o) => o.value) ?? [];
  assert.ok(modelOptions(direct).includes("claude-sonnet-4-5"));
  assert.ok(modelOptions(bedrock).every((id) => id.includes(".anthropic.")));
  assert.ok(modelOptions(bedrock).length > 0);
});

const NOW: SessionBinding = { sharedVolume: true, namespace: "agents", workspaceVolumeClaim: "data", cwd: "/paperclip/ws/a", promptBundleKey: "b1" };
const SAVED = { sessionId: SESSION, ...bindingParams(NOW) };

const RESUME_CASES: [string, Record<string, unknown> | null, Partial<SessionBinding>, boolean, RegExp | null][] = [
  ["nothing stored", null, {}, false, null],
  ["everything still matches", SAVED, {}, true, null],
  ["a bare id (a wake without a task): no binding recorded", { sessionId: SESSION }, {}, true, null],
  ["no shared volume", SAVED, { sharedVolume: false }, false, /no shared volume/],
  ["not a UUID", { ...SAVED, sessionId: "not-a-uuid" }, {}, false, /UUID/],
  ["another namespace", SAVED, { namespace: "other" }, false, /namespace "agents"/],
  ["another claim", SAVED, { workspaceVolumeClaim: "data2" }, false, /volume claim/],
  ["the claim is gone", SAVED, { workspaceVolumeClaim: null }, false, /volume claim "data", this run has none/],
  ["another working directory", SAVED, { cwd: "/paperclip/ws/b" }, false, /working directory/],
  ["no working directory set this time: not checked", SAVED, { cwd: null }, true, null],
  ["another prompt bundle", SAVED, { promptBundleKey: "b2" }, false, /prompt bundle "b1"/],
  ["the bundle is gone", SAVED, { promptBundleKey: null }, false, /prompt bundle/],
  ["saved without a bundle, now with one", { sessionId: SESSION, namespace: "agents" }, {}, true, null],
];
for (const [label, stored, change, resumes, reason] of RESUME_CASES) {
  test(`decideResume: ${label} -> ${resumes ? "resume" : "fresh"}`, () => {
    const decision = decideResume(stored, { ...NOW, ...change });
    assert.equal(decision.sessionId, resumes ? stored?.sessionId : null);
    if (reason) assert.match(decision.reason ?? "", reason);
    else assert.equal(decision.reason, null);
  });
}

test("bindingParams round-trip through the codec", () => {
  assert.deepEqual(sessionCodec.deserialize(SAVED), SAVED);
});
