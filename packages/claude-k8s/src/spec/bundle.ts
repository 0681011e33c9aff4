// The prompt bundle: the agent's instructions and the skills Paperclip hands a run, laid out as
// Claude Code reads them (`--add-dir <bundle>` finds `<bundle>/.claude/skills/<name>/SKILL.md`;
// the instructions go to `--append-system-prompt-file` on fresh sessions). Content-addressed:
// the key is a digest of every path, mode and byte, so a session saved with one bundle is only
// resumed with the same one, and a bundle written to the shared volume is written once.
// Pure: the caller reads the files on the server host and writes the shared copy.
import { createHash } from "node:crypto";
import { posix } from "node:path";

/** The instructions file's name inside the bundle. */
export const BUNDLE_INSTRUCTIONS = "agent-instructions.md";
/** Where skills live inside the bundle (Claude Code's project skills directory). */
export const BUNDLE_SKILLS_DIR = ".claude/skills";
/** Where Paperclip's instructions directory (AGENTS.md and its sibling files) lives in the bundle. */
export const BUNDLE_INSTRUCTIONS_DIR = "instructions";
/** Where the bundle appears in the pod when it ships with the run (the run Secret's volume). */
export const INLINE_BUNDLE_SUBDIR = "bundle";

/** A bundle on the shared volume: copied once per distinct content, so only a runaway skill
 * directory (a vendored node_modules, a dataset) hits these. */
export const SHARED_BUNDLE_LIMITS = { maxBytes: 64 * 1024 * 1024, maxFiles: 4000 } as const;

export interface BundleFile {
  /** Relative to the bundle root, "/"-separated. */
  path: string;
  content: Buffer;
  executable: boolean;
}

export interface SkillSource {
  key: string;
  /** The skill's directory name in the bundle. */
  runtimeName: string;
  /** Files relative to the skill's directory. */
  files: BundleFile[];
}

export interface PromptBundle {
  key: string;
  files: BundleFile[];
  bytes: number;
  /** Runtime names of the skills it holds. */
  skills: string[];
  hasInstructions: boolean;
  /** The instructions entry file inside the bundle's instructions directory, or null. */
  instructionsEntry: string | null;
}

export type BundleResult = { ok: true; bundle: PromptBundle | null } | { ok: false; error: string };

/** A safe relative path: no empty, "." or ".." component, not absolute, no NUL or backslash (S9). */
export function unsafePathReason(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (path.startsWith("/")) return "is absolute";
  if (/[\0\\]/.test(path)) return "holds a NUL or backslash";
  for (const part of path.split("/")) {
    if (part === "..") return `has a ".." component`;
    if (part === "" || part === ".") return "has an empty or \".\" component";
  }
  return null;
}

function digest(files: readonly BundleFile[]): string {
  const hash = createHash("sha256").update("claude-k8s-prompt-bundle:v1\n");
  for (const file of files) {
    hash.update(`${file.executable ? "x" : "f"}:${file.path}:${file.content.length}\n`);
    hash.update(file.content);
    hash.update("\n");
  }
  return hash.digest("hex");
}

/** Builds the bundle, refusing unsafe names and anything past `limits`; null when empty. */
export function buildPromptBundle(
  input: { instructions: string | null; skills: readonly SkillSource[]; instructionsDir?: { files: BundleFile[]; entry: string } | null },
  limits: { maxBytes: number; maxFiles: number } = SHARED_BUNDLE_LIMITS,
): BundleResult {
  const files: BundleFile[] = [];
  if (input.instructions !== null) files.push({ path: BUNDLE_INSTRUCTIONS, content: Buffer.from(input.instructions, "utf8"), executable: false });
  const tree = input.instructionsDir ?? null;
  for (const file of tree?.files ?? []) {
    const issue = unsafePathReason(file.path);
    if (issue) return { ok: false, error: `instructions directory: file "${file.path}" ${issue}; refused` };
    files.push({ ...file, path: posix.join(BUNDLE_INSTRUCTIONS_DIR, file.path) });
  }
  const names = new Set<string>();
  for (const skill of input.skills) {
    const nameIssue = unsafePathReason(skill.runtimeName) ?? (skill.runtimeName.includes("/") ? "holds a \"/\"" : null);
    if (nameIssue) return { ok: false, error: `skill "${skill.key}": its name "${skill.runtimeName}" ${nameIssue}; refused` };
    if (names.has(skill.runtimeName)) return { ok: false, error: `skill "${skill.key}": another skill has the name "${skill.runtimeName}"` };
    names.add(skill.runtimeName);
    for (const file of skill.files) {
      const issue = unsafePathReason(file.path);
      if (issue) return { ok: false, error: `skill "${skill.key}": file "${file.path}" ${issue}; refused` };
      files.push({ ...file, path: posix.join(BUNDLE_SKILLS_DIR, skill.runtimeName, file.path) });
    }
  }
  if (files.length === 0) return { ok: true, bundle: null };
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const bytes = files.reduce((sum, file) => sum + file.content.length, 0);
  if (files.length > limits.maxFiles || bytes > limits.maxBytes) {
    return { ok: false, error: `the prompt bundle (instructions and skills) holds ${files.length} files, ${bytes} bytes; at most ${limits.maxFiles} files and ${limits.maxBytes} bytes are allowed. Remove large or generated files from the skills' directories` };
  }
  return { ok: true, bundle: { key: digest(files), files, bytes, skills: [...names].sort(), hasInstructions: input.instructions !== null,
    instructionsEntry: tree && input.instructions !== null && unsafePathReason(tree.entry) === null ? tree.entry : null } };
}

/** The bundle's directory on the shared volume (the same path on the server and in the pod). */
export function sharedBundleDir(mountPath: string, key: string): string {
  return posix.join(mountPath, ".paperclip-bundles", key);
}

/** The run Secret key of a bundle file shipped with the run ("/" is not allowed in keys). */
export function inlineBundleKey(path: string): string {
  return `bundle.${createHash("sha256").update(path, "utf8").digest("hex").slice(0, 32)}`;
}

/** Where the bundle is in the pod, and the files the run Secret must carry for it (none when
 * it lies on the shared volume). */
export interface PlacedBundle {
  key: string;
  /** The bundle root in the pod (for --add-dir). */
  dir: string;
  /** The instructions file in the pod, or null. */
  instructionsFile: string | null;
  /** Files to ship in the run Secret and project under `dir`; empty when on the shared volume. */
  inline: BundleFile[];
}

/** The bundle's files as they are written at `dir`: the instructions end with where their
 * sibling files are in the pod (as claude_local says where they were loaded from). The key is
 * the digest before this, which only depends on the key and the place. */
export function filesAt(bundle: PromptBundle, dir: string): BundleFile[] {
  const entry = bundle.instructionsEntry;
  if (!entry) return bundle.files;
  const base = posix.join(dir, BUNDLE_INSTRUCTIONS_DIR, posix.dirname(entry));
  const directive = `\n\nThe above agent instructions were loaded from ${posix.join(dir, BUNDLE_INSTRUCTIONS_DIR, entry)}. ` +
    `Resolve any relative file references from ${base}/. This base directory is authoritative for sibling ` +
    `instruction files such as ./HEARTBEAT.md, ./SOUL.md, and ./TOOLS.md.\n`;
  return bundle.files.map((file) => file.path === BUNDLE_INSTRUCTIONS
    ? { ...file, content: Buffer.concat([file.content, Buffer.from(directive, "utf8")]) }
    : file);
}

export function placeShared(bundle: PromptBundle, mountPath: string): PlacedBundle {
  const dir = sharedBundleDir(mountPath, bundle.key);
  return { key: bundle.key, dir, instructionsFile: bundle.hasInstructions ? posix.join(dir, BUNDLE_INSTRUCTIONS) : null, inline: [] };
}

export function placeInline(bundle: PromptBundle, runDir: string): PlacedBundle {
  const dir = posix.join(runDir, INLINE_BUNDLE_SUBDIR);
  return { key: bundle.key, dir, instructionsFile: bundle.hasInstructions ? posix.join(dir, BUNDLE_INSTRUCTIONS) : null, inline: filesAt(bundle, dir) };
}
