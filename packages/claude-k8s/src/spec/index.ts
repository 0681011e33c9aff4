// spec/: pure builders for names, labels, manifests, env and the claude command line.
export * from "./names.ts";
export * from "./labels.ts";
export * from "./kube-text.ts";
export * from "./inherit.ts";
export * from "./env.ts";
export * from "./secret.ts";
export * from "./command.ts";
export * from "./job.ts";
export * from "./lease.ts";
export * from "./plan.ts";
export * from "./scratch.ts";
export * from "./access.ts";
export * from "./bundle.ts";
