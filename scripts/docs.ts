// Regenerates the configuration reference in README.md from the field catalogue.
import { readFileSync, writeFileSync } from "node:fs";
import { withConfigReference } from "../packages/claude-k8s/src/config/reference.ts";

const readme = new URL("../README.md", import.meta.url);
writeFileSync(readme, withConfigReference(readFileSync(readme, "utf8")));
console.log("README.md: configuration reference regenerated");
