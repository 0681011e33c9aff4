// Skills Paperclip hands a run (config.paperclipRuntimeSkills: directories on the server host)
// and what the pod will see of them: the enabled ones are copied into the run's prompt bundle,
// on the shared volume when there is one, else shipped in the run Secret. listSkills/syncSkills
// report that; readSkillSources reads the files (on the server host) for spec/bundle.ts.
import { lstat, readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AdapterSkillContext, AdapterSkillSnapshot } from "@paperclipai/adapter-utils";
import {
  buildRuntimeMountedSkillSnapshot,
  isPaperclipSkillSourceMissing,
  readPaperclipRuntimeSkillEntries,
  resolveLegacyPaperclipDesiredSkillNames,
} from "@paperclipai/adapter-utils/server-utils";
import { buildSkillLibraryManifestMarkdown } from "@paperclipai/adapter-utils/skill-library-manifest";
import { BUNDLE_SKILLS_DIR, INLINE_BUNDLE_SUBDIR, SHARED_BUNDLE_LIMITS } from "../spec/bundle.ts";
import type { BundleFile, SkillSource } from "../spec/bundle.ts";
import { RUN_DIR } from "../spec/job.ts";
import { ADAPTER_TYPE } from "./face.ts";

const moduleDir = path.dirname(fileURLToPath(import.meta.url));

type SkillEntry = Awaited<ReturnType<typeof readPaperclipRuntimeSkillEntries>>[number];

export interface RuntimeSkills {
  available: SkillEntry[];
  desired: string[];
  /** Enabled and present: these go into the bundle. */
  mountable: SkillEntry[];
  /** Enabled but their files are unavailable on the server. */
  missing: SkillEntry[];
  /** The company skill library, for the instructions (as claude_local appends it), or null. */
  manifest: string | null;
}

export async function runtimeSkills(config: Record<string, unknown>): Promise<RuntimeSkills> {
  const available = await readPaperclipRuntimeSkillEntries(config, moduleDir);
  const desired = resolveLegacyPaperclipDesiredSkillNames(config, available);
  const wanted = new Set(desired);
  const enabled = available.filter((entry) => wanted.has(entry.key));
  return {
    available, desired,
    mountable: enabled.filter((entry) => !isPaperclipSkillSourceMissing(entry)),
    missing: enabled.filter((entry) => isPaperclipSkillSourceMissing(entry)),
    manifest: buildSkillLibraryManifestMarkdown({ entries: available, desiredSkillKeys: wanted }),
  };
}

const WHERE_IN_POD = `Copied into the run's prompt bundle on the next run: on the shared volume at ` +
  `<workspaceMountPath>/.paperclip-bundles/<bundle key>/${BUNDLE_SKILLS_DIR}/<name>, or, without one, ` +
  `shipped in the run Secret at ${RUN_DIR}/${INLINE_BUNDLE_SUBDIR}/${BUNDLE_SKILLS_DIR}/<name>; claude reads it through --add-dir.`;

async function snapshot(ctx: AdapterSkillContext): Promise<AdapterSkillSnapshot> {
  const skills = await runtimeSkills(ctx.config);
  return buildRuntimeMountedSkillSnapshot({
    adapterType: ADAPTER_TYPE, availableEntries: skills.available, desiredSkills: skills.desired,
    configuredDetail: WHERE_IN_POD, mode: "ephemeral",
  });
}

export function listSkills(ctx: AdapterSkillContext): Promise<AdapterSkillSnapshot> {
  return snapshot(ctx);
}

/** Nothing to install ahead of time: each run copies the enabled skills; report what it will see. */
export function syncSkills(ctx: AdapterSkillContext, _desired: string[]): Promise<AdapterSkillSnapshot> {
  return snapshot(ctx);
}

type Budget = { files: number; bytes: number };

/** Directories never copied (as Paperclip's own instructions bundle ignores them). */
const IGNORED_DIRS: ReadonlySet<string> = new Set([".git", ".nox", ".pytest_cache", ".ruff_cache", ".tox", ".venv", "__pycache__", "node_modules", "venv"]);

/** Every regular file under `dir`, symlinks followed (as claude_local's bundle does), loops
 * skipped; stops with an error past the shared-bundle limits rather than reading a huge tree. */
async function walk(dir: string, rel: string, out: BundleFile[], seen: Set<string>, budget: Budget): Promise<void> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const full = path.join(dir, name);
    const child = rel ? `${rel}/${name}` : name;
    const info = await stat(full).catch(() => null); // follows symlinks; a dangling one is skipped
    if (!info) continue;
    if (info.isDirectory()) {
      if (!IGNORED_DIRS.has(name)) await walk(full, child, out, seen, budget);
      continue;
    }
    if (!info.isFile()) continue;
    budget.files += 1;
    budget.bytes += info.size;
    if (budget.files > SHARED_BUNDLE_LIMITS.maxFiles || budget.bytes > SHARED_BUNDLE_LIMITS.maxBytes) {
      throw new Error(`the instructions and enabled skills hold more than ${SHARED_BUNDLE_LIMITS.maxFiles} files or ${SHARED_BUNDLE_LIMITS.maxBytes} bytes (at ${full}); remove large or generated files from the skill directories`);
    }
    out.push({ path: child, content: await readFile(full), executable: (info.mode & 0o111) !== 0 });
  }
}

/** Every file under `dir` on the server host (Paperclip's instructions directory). */
export async function readDirectoryFiles(dir: string): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  await walk(dir, "", files, new Set(), { files: 0, bytes: 0 });
  return files;
}

/** Reads the enabled skills' files on the server host. */
export async function readSkillSources(entries: readonly SkillEntry[]): Promise<SkillSource[]> {
  const budget: Budget = { files: 0, bytes: 0 };
  const sources: SkillSource[] = [];
  for (const entry of entries) {
    const files: BundleFile[] = [];
    const info = await lstat(entry.source).catch(() => null);
    if (!info) throw new Error(`skill "${entry.key}": its source ${entry.source} cannot be read on the server`);
    await walk(entry.source, "", files, new Set(), budget);
    sources.push({ key: entry.key, runtimeName: entry.runtimeName, files });
  }
  return sources;
}
