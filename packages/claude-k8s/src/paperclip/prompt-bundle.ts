// The run's prompt bundle, prepared on the server: the instructions file (with the company skill
// library appended, as claude_local does) and the enabled skills, content-addressed
// (spec/bundle.ts). With a shared volume it is written there once per content and the pod reads
// it in place; otherwise it ships in the run Secret (within the Secret's 1 MiB, checked by planRun).
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ClaudeK8sConfig } from "../config/types.ts";
import { buildPromptBundle, filesAt, placeInline, placeShared, sharedBundleDir } from "../spec/bundle.ts";
import type { PlacedBundle } from "../spec/bundle.ts";
import type { WorkspaceVolume } from "../spec/inherit.ts";
import { RUN_DIR } from "../spec/job.ts";
import { writeSharedBundle } from "./bundle-store.ts";
import { readDirectoryFiles, readSkillSources, runtimeSkills } from "./skills.ts";
import type { BundleFile } from "../spec/bundle.ts";

export type PreparedBundle = { ok: true; placed: PlacedBundle | null; logs: string[]; notes: string[] } | { ok: false; error: string };

async function instructionsText(config: ClaudeK8sConfig, manifest: string | null, logs: string[]): Promise<string | null> {
  let text: string | null = null;
  if (config.instructionsFilePath) {
    text = await readFile(config.instructionsFilePath, "utf8").catch((error: unknown) => {
      logs.push(`could not read the agent instructions file "${config.instructionsFilePath}": ${error instanceof Error ? error.message : String(error)}`);
      return null;
    });
  }
  if (manifest) text = text ? `${text}\n\n${manifest}` : manifest;
  return text;
}

/** Paperclip's managed instructions directory (instructionsRootPath, holding the entry file and
 * its siblings such as HEARTBEAT.md): copied whole, so relative references work in the pod. */
async function instructionsDir(config: ClaudeK8sConfig, rawConfig: Record<string, unknown>): Promise<{ files: BundleFile[]; entry: string } | null> {
  const root = typeof rawConfig.instructionsRootPath === "string" ? rawConfig.instructionsRootPath.trim() : "";
  const file = config.instructionsFilePath;
  if (!root || !file || !path.isAbsolute(root)) return null;
  const entry = path.relative(root, file);
  if (entry === "" || entry.startsWith("..") || path.isAbsolute(entry)) return null;
  return { files: await readDirectoryFiles(root), entry: entry.split(path.sep).join("/") };
}

/** `rawConfig` is the host's config (it carries paperclipRuntimeSkills, which the parsed one does not). */
export async function preparePromptBundle(config: ClaudeK8sConfig, rawConfig: Record<string, unknown>, workspace: WorkspaceVolume | null): Promise<PreparedBundle> {
  const logs: string[] = [];
  const notes: string[] = [];
  let built;
  try {
    const skills = await runtimeSkills(rawConfig);
    for (const entry of skills.missing) logs.push(`skill "${entry.key}" is enabled but its files are unavailable on the server; it is not in the pod${entry.missingDetail ? `: ${entry.missingDetail}` : ""}`);
    const instructions = await instructionsText(config, skills.manifest, logs);
    const tree = instructions !== null && config.instructionsFilePath ? await instructionsDir(config, rawConfig) : null;
    built = buildPromptBundle({ instructions, instructionsDir: tree, skills: await readSkillSources(skills.mountable) });
  } catch (error) {
    return { ok: false, error: `prompt bundle: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!built.ok) return { ok: false, error: `prompt bundle: ${built.error}` };
  const bundle = built.bundle;
  if (!bundle) return { ok: true, placed: null, logs, notes };
  const summary = `${bundle.files.length} files, ${bundle.bytes} bytes, skills: ${bundle.skills.join(", ") || "none"}`;
  if (workspace) {
    const dir = sharedBundleDir(workspace.mountPath, bundle.key);
    try {
      const wrote = await writeSharedBundle(dir, filesAt(bundle, dir));
      notes.push(`prompt bundle ${bundle.key.slice(0, 12)} on the shared volume at ${dir} (${summary}${wrote ? "" : "; already there"})`);
      return { ok: true, placed: placeShared(bundle, workspace.mountPath), logs, notes };
    } catch (error) {
      logs.push(`could not write the prompt bundle to the shared volume at ${dir} (${error instanceof Error ? error.message : String(error)}); shipping it with the run instead`);
    }
  }
  const placed = placeInline(bundle, RUN_DIR);
  notes.push(`prompt bundle ${bundle.key.slice(0, 12)} shipped in the run Secret at ${placed.dir} (${summary})`);
  return { ok: true, placed, logs, notes };
}
