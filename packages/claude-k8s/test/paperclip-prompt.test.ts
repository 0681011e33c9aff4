import { test } from "node:test";
import assert from "node:assert/strict";
import type { AdapterRuntimeToolAccess } from "@paperclipai/adapter-utils";
import { buildRunEnv, buildRunPrompt } from "../src/paperclip/prompt.ts";
import type { RunPromptInput } from "../src/paperclip/prompt.ts";

const agent = { id: "agent-1", companyId: "co-1", name: "Builder" };
const commentWake = {
  reason: "issue_commented",
  issue: { id: "iss-1", identifier: "ACME-7", title: "Fix the build", status: "in_progress" },
  comments: [{ id: "c1", body: "Please also update the docs", authorType: "user", createdAt: "2026-01-01T00:00:00Z" }],
  commentIds: ["c1"],
};
const taskContext = {
  taskId: "iss-1",
  wakeReason: "issue_commented",
  paperclipWake: commentWake,
  paperclipTaskMarkdown: "# Task ACME-7\nFULL BRIEF: fix the build and keep CI green.",
  paperclipTaskMarkdownCompact: "# Task ACME-7 (compact)",
};

function input(overrides: Partial<RunPromptInput>): RunPromptInput {
  return { runId: "run-9", agent, context: {}, promptTemplate: null, bootstrapPromptTemplate: "BOOT {{agent.name}} {{runId}}", resumedSession: false, ...overrides };
}

interface PromptCase {
  name: string;
  input: RunPromptInput;
  /** Substrings that must appear, in this order. */
  inOrder: string[];
  absent: string[];
}

const promptCases: PromptCase[] = [
  {
    name: "fresh session, on-demand wake: bootstrap then the default agent prompt",
    input: input({}),
    inOrder: ["BOOT Builder run-9", "You are agent agent-1 (Builder)."],
    absent: ["Paperclip Wake Payload", "Resume Delta", "{{"],
  },
  {
    name: "resumed session without a wake: no bootstrap, the standing prompt again",
    input: input({ resumedSession: true }),
    inOrder: ["You are agent agent-1 (Builder)."],
    absent: ["BOOT"],
  },
  {
    name: "fresh session, task wake: bootstrap, wake payload, full task brief, standing prompt",
    input: input({ context: taskContext }),
    inOrder: ["BOOT Builder run-9", "## Paperclip Wake Payload", "Please also update the docs", "FULL BRIEF", "You are agent agent-1"],
    absent: ["Resume Delta", "(compact)"],
  },
  {
    name: "resumed session, task wake: only the resume delta and the compact brief",
    input: input({ context: taskContext, resumedSession: true }),
    inOrder: ["## Paperclip Resume Delta", "Please also update the docs", "# Task ACME-7 (compact)"],
    absent: ["BOOT", "FULL BRIEF", "You are agent agent-1"],
  },
  {
    name: "custom template sees the context, run source and agent identity",
    input: input({
      bootstrapPromptTemplate: null,
      promptTemplate: "Woken for {{context.wakeReason}} via {{run.source}} as {{agent.name}}/{{companyId}}.",
      context: { wakeReason: "timer", wakeSource: "timer" },
    }),
    inOrder: ["Woken for timer via timer as Builder/co-1."],
    absent: ["You are agent"],
  },
  {
    name: "run source defaults to on_demand",
    input: input({ bootstrapPromptTemplate: "", promptTemplate: "source={{run.source}}" }),
    inOrder: ["source=on_demand"],
    absent: [],
  },
  {
    name: "the agent's adapterConfig is not reachable from a template",
    input: input({
      bootstrapPromptTemplate: null,
      promptTemplate: "cfg=[{{agent.adapterConfig.env.SECRET}}]",
      agent: { ...agent, adapterConfig: { env: { SECRET: "hunter2" } } } as RunPromptInput["agent"],
    }),
    inOrder: ["cfg=[]"],
    absent: ["hunter2"],
  },
  {
    name: "a session handoff note sits between the wake and the task",
    input: input({ context: { ...taskContext, paperclipSessionHandoffMarkdown: "HANDOFF NOTE" } }),
    inOrder: ["## Paperclip Wake Payload", "HANDOFF NOTE", "FULL BRIEF"],
    absent: [],
  },
  {
    name: "a blank bootstrap template adds nothing",
    input: input({ bootstrapPromptTemplate: "   " }),
    inOrder: ["You are agent agent-1"],
    absent: ["BOOT"],
  },
];

for (const { name, input: promptInput, inOrder, absent } of promptCases) {
  test(`prompt: ${name}`, () => {
    const { prompt, metrics } = buildRunPrompt(promptInput);
    let cursor = 0;
    for (const piece of inOrder) {
      const at = prompt.indexOf(piece, cursor);
      assert.ok(at >= 0, `missing or out of order: ${JSON.stringify(piece)}\n---\n${prompt.slice(0, 600)}`);
      cursor = at + piece.length;
    }
    for (const piece of absent) assert.ok(!prompt.includes(piece), `must not contain ${JSON.stringify(piece)}`);
    assert.equal(metrics.promptChars, prompt.length);
    // A resumed session never gets the bootstrap, whatever its template says.
    if (promptInput.resumedSession) assert.equal(metrics.bootstrapPromptChars, 0);
  });
}

test("prompt: conversation mode uses the conversation template, not the agent template", () => {
  const agentPrompt = buildRunPrompt(input({ bootstrapPromptTemplate: null })).prompt;
  const conversationPrompt = buildRunPrompt(input({ bootstrapPromptTemplate: null, context: { conversationMode: true } })).prompt;
  assert.notEqual(conversationPrompt, agentPrompt);
  assert.ok(conversationPrompt.length > 0);
});

const token = "pcp_run_token_abc123";
const baseCtx = { runId: "run-9", agent: { ...agent, adapterType: "claude_k8s", adapterConfig: {} }, authToken: token };

interface EnvCase {
  name: string;
  context: Record<string, unknown>;
  expect: Record<string, string>;
  missing: string[];
}

const envCases: EnvCase[] = [
  {
    name: "on-demand wake: identity and run id only",
    context: {},
    expect: { PAPERCLIP_AGENT_ID: "agent-1", PAPERCLIP_COMPANY_ID: "co-1", PAPERCLIP_RUN_ID: "run-9" },
    missing: ["PAPERCLIP_TASK_ID", "PAPERCLIP_WAKE_REASON", "PAPERCLIP_API_KEY"],
  },
  {
    name: "task wake: task, reason, comment, approval, linked issues, wake payload",
    context: { ...taskContext, wakeCommentId: "c1", approvalId: "ap-1", approvalStatus: "approved", issueIds: ["iss-1", "", "iss-2"] },
    expect: {
      PAPERCLIP_TASK_ID: "iss-1", PAPERCLIP_WAKE_REASON: "issue_commented", PAPERCLIP_WAKE_COMMENT_ID: "c1",
      PAPERCLIP_APPROVAL_ID: "ap-1", PAPERCLIP_APPROVAL_STATUS: "approved", PAPERCLIP_LINKED_ISSUE_IDS: "iss-1,iss-2",
    },
    missing: ["PAPERCLIP_API_KEY"],
  },
  {
    name: "issueId stands in for taskId, commentId for wakeCommentId",
    context: { issueId: " iss-3 ", commentId: "c9" },
    expect: { PAPERCLIP_TASK_ID: "iss-3", PAPERCLIP_WAKE_COMMENT_ID: "c9" },
    missing: [],
  },
  {
    name: "workspace variables pass the server's paths through",
    context: {
      paperclipWorkspace: { cwd: "/paperclip/ws/a", source: "project", workspaceId: "w1", repoUrl: "https://x/r.git", branchName: "feat", agentHome: "/paperclip/home/a" },
      paperclipWorkspaces: [{ id: "w1" }], paperclipRuntimePrimaryUrl: "http://svc:8080",
    },
    expect: {
      PAPERCLIP_WORKSPACE_CWD: "/paperclip/ws/a", PAPERCLIP_WORKSPACE_SOURCE: "project", PAPERCLIP_WORKSPACE_ID: "w1",
      PAPERCLIP_WORKSPACE_REPO_URL: "https://x/r.git", PAPERCLIP_WORKSPACE_BRANCH: "feat", AGENT_HOME: "/paperclip/home/a",
      PAPERCLIP_WORKSPACES_JSON: '[{"id":"w1"}]', PAPERCLIP_RUNTIME_PRIMARY_URL: "http://svc:8080",
    },
    missing: [],
  },
];

for (const { name, context, expect, missing } of envCases) {
  test(`run env: ${name}`, () => {
    const { plain, secret } = buildRunEnv({ ...baseCtx, context });
    for (const [key, value] of Object.entries(expect)) assert.equal(plain[key], value, key);
    for (const key of missing) assert.ok(!(key in plain), `${key} must not be in plain`);
    assert.deepEqual(secret, { PAPERCLIP_API_KEY: token });
    for (const [key, value] of Object.entries(plain)) assert.ok(!value.includes(token), `token leaked into plain ${key}`);
  });
}

test("run env: the wake payload travels as JSON that parses back", () => {
  const { plain } = buildRunEnv({ ...baseCtx, context: taskContext });
  const payload = JSON.parse(plain.PAPERCLIP_WAKE_PAYLOAD_JSON ?? "null") as Record<string, unknown>;
  assert.equal(payload.reason, "issue_commented");
});

test("run env: PAPERCLIP_API_URL follows the server's setting", () => {
  const saved = process.env.PAPERCLIP_API_URL;
  process.env.PAPERCLIP_API_URL = "http://paperclip.paperclip.svc:3100";
  try {
    assert.equal(buildRunEnv({ ...baseCtx, context: {} }).plain.PAPERCLIP_API_URL, "http://paperclip.paperclip.svc:3100");
  } finally {
    if (saved === undefined) delete process.env.PAPERCLIP_API_URL;
    else process.env.PAPERCLIP_API_URL = saved;
  }
});

test("run env: without a token there is no secret and no key", () => {
  const { plain, secret } = buildRunEnv({ runId: "r", agent: baseCtx.agent, context: {} });
  assert.deepEqual(secret, {});
  assert.ok(!("PAPERCLIP_API_KEY" in plain));
});

test("run env: runtime tool credentials go to secret, their URLs stay plain", () => {
  const runtimeTools: AdapterRuntimeToolAccess = {
    version: 1, guidance: "use tools", mcpEndpoint: "http://pc/mcp", bearerToken: "tools-token-xyz", expiresAt: "2026-01-01T00:00:00Z",
    rest: { connectionsSearch: "http://pc/search", connectionRequest: "http://pc/request" }, tools: ["connections_search", "connection_request"],
  };
  const { plain, secret } = buildRunEnv({ ...baseCtx, context: {}, runtimeTools });
  assert.equal(secret.PAPERCLIP_RUNTIME_TOOLS_TOKEN, "tools-token-xyz");
  assert.equal(plain.PAPERCLIP_RUNTIME_TOOLS_MCP_URL, "http://pc/mcp");
  assert.ok(!Object.values(plain).some((value) => value.includes("tools-token-xyz")));
});
