// The configuration reference as a Markdown table, generated from the field catalogue so the
// README cannot drift from what the parser accepts (a test compares the two).
import { CONFIG_FIELDS } from "./fields.ts";

const escapeCell = (text: string): string => text.replaceAll("|", "\\|").replaceAll("\n", " ");

export function configReferenceMarkdown(): string {
  const rows = CONFIG_FIELDS.map((field) =>
    `| \`${field.key}\` | ${field.group} | ${escapeCell(field.defaultText)} | ${escapeCell(field.hint)} |`);
  return ["| field | group | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

export const REFERENCE_BEGIN = "<!-- config-reference:begin (generated: npm run docs) -->";
export const REFERENCE_END = "<!-- config-reference:end -->";

/** Replaces the generated block between the markers in `document`. */
export function withConfigReference(document: string): string {
  const start = document.indexOf(REFERENCE_BEGIN);
  const end = document.indexOf(REFERENCE_END);
  if (start === -1 || end === -1 || end < start) throw new Error("README has no config-reference markers");
  return `${document.slice(0, start + REFERENCE_BEGIN.length)}\n${configReferenceMarkdown()}\n${document.slice(end)}`;
}
