// The UI form: one field per config key, generated from the field catalogue.

import type { AdapterConfigSchema, ConfigFieldSchema } from "@paperclipai/adapter-utils";
import { CONFIG_FIELDS } from "../config/fields.ts";
import type { ConfigField } from "../config/fields.ts";
import { listModels } from "./models.ts";

/** Structured defaults are shown as JSON text, the shape a textarea edits. */
function formDefault(field: ConfigField): unknown {
  if (field.default === undefined) return undefined;
  return typeof field.default === "object" && field.default !== null ? JSON.stringify(field.default) : field.default;
}

export function fieldSchema(field: ConfigField, modelOptions: ConfigFieldSchema["options"]): ConfigFieldSchema {
  const schema: ConfigFieldSchema = {
    key: field.key,
    label: field.label,
    type: field.input,
    hint: `${field.hint} Default: ${field.defaultText}.`,
    group: field.group,
  };
  const fallback = formDefault(field);
  if (fallback !== undefined) schema.default = fallback;
  const options = field.key === "model" ? modelOptions : field.options;
  if (options) schema.options = options.map((option) => ({ ...option }));
  return schema;
}

export async function getConfigSchema(env: NodeJS.ProcessEnv = process.env): Promise<AdapterConfigSchema> {
  const models = await listModels(env);
  const modelOptions = models.map((model) => ({ value: model.id, label: model.label }));
  return { fields: CONFIG_FIELDS.map((field) => fieldSchema(field, modelOptions)) };
}
