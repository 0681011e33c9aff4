// The configuration reference as a Markdown table, generated from the field catalogue so the
// README cannot drift from what the parser accepts (a test compares the two).
import { CONFIG_FIELDS } from "./fields.ts";
import { HOST_KEYS } from "./host-keys.ts";

const escapeCell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function configReferenceMarkdown(): string {
  const rows = CONFIG_FIELDS.map((field) =>
    `| \`${field.key}\` | ${field.group} | ${escapeCell(field.defaultText)} | ${escapeCell(field.hint)} |`);
  return ["| field | group | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** The keys Paperclip adds to adapterConfig, where each comes from and what we do with it. */
export function hostKeysMarkdown(): string {
  const rows = HOST_KEYS.map((entry) =>
    `| \`${entry.key}\` | \`${entry.source.package}/${escapeCell(entry.source.file)}\`, ${escapeCell(entry.source.what)} | ${escapeCell(entry.handling)} |`);
  return ["| key | written by | what claude_k8s does |", "| --- | --- | --- |", ...rows].join("\n");
}

export const REFERENCE_BEGIN = "<!-- config-reference:begin (generated: npm run docs) -->";
export const REFERENCE_END = "<!-- config-reference:end -->";
export const HOST_KEYS_BEGIN = "<!-- host-keys:begin (generated: npm run docs) -->";
export const HOST_KEYS_END = "<!-- host-keys:end -->";

function replaceBlock(document: string, begin: string, end: string, body: string): string {
  const start = document.indexOf(begin);
  const stop = document.indexOf(end);
  if (start === -1 || stop === -1 || stop < start) throw new Error(`README has no ${begin} ... ${end} markers`);
  return `${document.slice(0, start + begin.length)}\n${body}\n${document.slice(stop)}`;
}

/** Replaces the generated blocks (configuration reference, host keys) in `document`. */
export function withConfigReference(document: string): string {
  const withFields = replaceBlock(document, REFERENCE_BEGIN, REFERENCE_END, configReferenceMarkdown());
  return replaceBlock(withFields, HOST_KEYS_BEGIN, HOST_KEYS_END, hostKeysMarkdown());
}
