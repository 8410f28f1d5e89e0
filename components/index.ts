export { SnapshotRefresh } from "./refresh/snapshot-refresh";
export { schedulePayload } from "./cycle";
export type { EngineParameterNames } from "./refresh/snapshot-refresh";
export type { SnapshotRefreshArgs, EngineOptions, EngineConfig, EngineName, CopyNotReadyPolicy } from "./refresh/args";
export { ConfigError } from "./config-error";
export { readStackConfig, CONFIG_NAMESPACE } from "./stack-config";
export { SnapshotShare } from "./share/snapshot-share";
export type { SnapshotShareArgs, SharedClusters, SnapshotSource } from "./share/args";
