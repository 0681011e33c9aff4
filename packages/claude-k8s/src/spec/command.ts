// The claude command line, as claude_local builds it, and the container command around it.
// The prompt reaches claude on stdin from the mounted Secret file. The only shell text is a
// constant: every value (the prompt path, each argument) is a positional parameter, never
// interpolated; `exec` makes claude the container's process, so its exit code is the
// container's (no pipe to hide it: C10).
import { kubeLiteral } from "./kube-text.ts";

export interface ClaudeArgsInput {
  /** Resume this Claude session; null for a fresh one. */
  resumeSessionId: string | null;
  model: string | null;
  effort: string | null;
  maxTurns: number | null;
  /** The instructions file inside the pod; used on fresh sessions only (a resumed session
   * already holds them, and re-sending costs tokens). */
  instructionsFilePath: string | null;
  /** The prompt bundle directory inside the pod, if any. */
  addDir: string | null;
  /** claude_local's default is true; needs a non-root user, which our pods are. */
  dangerouslySkipPermissions: boolean;
  extraArgs: string[];
}

export function buildClaudeArgs(input: ClaudeArgsInput): string[] {
  const args = ["--print", "-", "--output-format", "stream-json", "--verbose"];
  if (input.resumeSessionId) args.push("--resume", input.resumeSessionId);
  if (input.dangerouslySkipPermissions) args.push("--dangerously-skip-permissions");
  if (input.model) args.push("--model", input.model);
  if (input.effort) args.push("--effort", input.effort);
  if (input.maxTurns !== null && input.maxTurns > 0) args.push("--max-turns", String(input.maxTurns));
  if (input.instructionsFilePath && !input.resumeSessionId) {
    args.push("--append-system-prompt-file", input.instructionsFilePath);
  }
  if (input.addDir) args.push("--add-dir", input.addDir);
  args.push(...input.extraArgs);
  return args;
}

/** The constant script: `$1` is the prompt file, the rest is claude's argv. HOME may be a
 * per-agent directory on the shared volume that does not exist yet: create it first. */
export const CONTAINER_SCRIPT =
  'prompt_file=$1; shift; [ -z "$HOME" ] || mkdir -p "$HOME" || exit; exec claude "$@" < "$prompt_file"';

/** The container's `command` as the shell will see it (before the kubelet's `$(VAR)` pass). */
export function containerArgv(promptFile: string, claudeArgs: string[]): string[] {
  return ["sh", "-c", CONTAINER_SCRIPT, "claude-k8s", promptFile, ...claudeArgs];
}

/** The same, escaped for the pod spec: the kubelet expands `$(NAME)` in `command`, so each
 * element is escaped to reach the shell literally (a hostile `$(HOME)` stays `$(HOME)`). */
export function containerCommand(promptFile: string, claudeArgs: string[]): string[] {
  return containerArgv(promptFile, claudeArgs).map(kubeLiteral);
}

/** POSIX single-quote a value for shell text (for operator-facing command lines such as
 * `kubectl exec` hints; the container command itself needs none). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
