export { SnapshotRefresh, schedulePayload } from "./snapshot-refresh";
export type { EngineParameterNames } from "./snapshot-refresh";
export type { SnapshotRefreshArgs, EngineOptions, EngineConfig, EngineName, CopyNotReadyPolicy } from "./args";
export { ConfigError } from "./config-error";
export { readStackConfig, CONFIG_NAMESPACE } from "./stack-config";
