// execute(): validate the config, plan the run, then hand it to the run lifecycle (src/run),
// which runs it as a Kubernetes Job and reports what the cluster did. The host's callbacks are
// wrapped so that none of them can fail the run (R9) or be called after execute() returned.
import type { AdapterExecutionContext, AdapterExecutionResult } from "@paperclipai/adapter-utils";
import { safeHost } from "../run/host.ts";
import type { RunHost, RunStatus } from "../run/host.ts";
import { runJob } from "../run/run.ts";
import type { RunTuning } from "../run/run.ts";
import { ADAPTER_TYPE } from "./face.ts";
import { formatIssues, parseAdapterConfig } from "./config.ts";
import { invocationMeta, planFromContext, resolveCluster } from "./run-request.ts";

function failure(errorCode: string, errorMessage: string): AdapterExecutionResult {
  return { exitCode: null, signal: null, timedOut: false, errorCode, errorMessage };
}

/** The host's log sink failing (back-pressure, a closed run) must not fail the run (R9). */
async function logSafely(ctx: AdapterExecutionContext, text: string): Promise<void> {
  try {
    await ctx.onLog("stderr", text);
  } catch {
    // nothing to do: the result still reaches the host through the return value
  }
}

/** Status goes to the run's Events list, and while starting also to the runtime status line. */
function hostFor(ctx: AdapterExecutionContext): RunHost {
  return safeHost({
    log: (stream, text) => ctx.onLog(stream, text),
    status: async (s: RunStatus) => {
      await ctx.onEvent?.({ eventType: s.type, stream: "system", level: s.level, message: s.message, ...(s.payload ? { payload: s.payload } : {}) });
      if (s.starting) await ctx.onRuntimeProgress?.({ phase: "adapter_startup", message: s.message });
    },
    dispatch: () => ctx.onDispatch?.(),
  });
}

export async function execute(ctx: AdapterExecutionContext, tuning?: RunTuning): Promise<AdapterExecutionResult> {
  const parsed = parseAdapterConfig(ctx.config);
  for (const warning of parsed.warnings) await logSafely(ctx, `[claude_k8s] config warning: ${warning.message}\n`);
  if (parsed.errors.length > 0) {
    const message = `claude_k8s: invalid configuration, no Job was created: ${formatIssues(parsed.errors)}`;
    await logSafely(ctx, `[claude_k8s] ${message}\n`);
    return failure("k8s_invalid_config", message);
  }
  const config = parsed.config;
  const signal = ctx.signal ?? new AbortController().signal;
  let cluster;
  try {
    cluster = await resolveCluster(config, signal);
  } catch (error) {
    const message = `claude_k8s: no usable Kubernetes cluster, no Job was created: ${error instanceof Error ? error.message : String(error)}`;
    await logSafely(ctx, `[claude_k8s] ${message}\n`);
    return failure("k8s_cluster_unavailable", message);
  }
  const planned = await planFromContext(ctx, config, cluster);
  if ("errors" in planned) {
    const message = `claude_k8s: the run cannot be built, no Job was created: ${planned.errors.join("; ")}`;
    await logSafely(ctx, `[claude_k8s] ${message}\n`);
    return failure("k8s_invalid_spec", message);
  }
  for (const line of planned.logs) await logSafely(ctx, `[claude_k8s] ${line}\n`);
  await ctx.onMeta?.(invocationMeta(ctx, planned, ADAPTER_TYPE)).catch(() => undefined);
  await ctx.onCancellationReady?.().catch(() => undefined);
  const report = await runJob({
    kubeConfig: cluster.kubeConfig, namespace: cluster.namespace,
    identity: planned.identity,
    plan: planned.plan, config, host: hostFor(ctx), signal, ...(tuning ? { tuning } : {}),
    classify: {
      env: config.env, resumedSessionId: planned.resumeSessionId,
      sessionParamsExtra: planned.sessionParams,
    },
  });
  return report;
}
