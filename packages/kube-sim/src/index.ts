// kube-sim: a Kubernetes API emulator for tests, benchmarks and demos without a cluster.
export { startKubeSim, kubeconfigText } from "./sim.ts";
export type { KubeSim, KubeSimOptions, SimUser } from "./sim.ts";
export * from "./store/index.ts";
export { ApiServer } from "./api/server.ts";
export type { ApiServerOptions } from "./api/server.ts";
export { TokenTable, rulesFromYaml, allows, ruleAllows, forbiddenError, ADMIN_RULES } from "./api/rbac.ts";
export type { PolicyRule, Subject, AccessAttributes } from "./api/rbac.ts";
export { RequestRecord } from "./api/request-record.ts";
export type { RecordedRequest, RequestQuery } from "./api/request-record.ts";
export { HttpFaults } from "./faults/http-faults.ts";
export type { LatencyFault, ErrorFault, RouteMatch } from "./faults/http-faults.ts";
export type { LogSource, ContainerLog, LogLine, LogFragment } from "./kubelet/log-types.ts";
export type { NodeClockOptions } from "./kubelet/clock.ts";
