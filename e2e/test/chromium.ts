// Headless Chromium for the UI tests: Debian's `chromium` package (installed by .ci/run) driven by
// playwright-core, each launch with a fresh profile directory that close() removes again.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Quiet and self-contained: no sandbox (tests run as root), no GPU, no calls home.
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export type Chromium = { context: BrowserContext; close: () => Promise<void> };

export async function launchChromium(viewport = { width: 1400, height: 1000 }): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
  }
  // playwright refuses --user-data-dir in args: a persistent context IS a fresh profile directory.
  const profile = mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, viewport,
  });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= (async () => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  })());
  return { context, close };
}

/** e2e/.artifacts/<name> (gitignored): screenshots a person can look at after the run. */
export function artifactsDir(name: string): string {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", ".artifacts", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
