/**
 * The public surface of snapshot-refresh for a Pulumi program of your own: the two components, their
 * arguments, the error a bad argument raises, and the helper that reads what the main pipeline restores from.
 */
export { SnapshotRefresh } from "./refresh/snapshot-refresh";
export type { EngineParameterNames } from "./refresh/snapshot-refresh";
export type { SnapshotRefreshArgs, EngineOptions, EngineConfig, EngineName, CopyNotReadyPolicy } from "./refresh/args";
export { SnapshotShare } from "./share/snapshot-share";
export type { SnapshotShareArgs, SharedClusters, SnapshotSource } from "./share/args";
export type { OperationsArgs } from "./operations-args";
export type { OperatorCommands } from "./operator-commands";
export { ConfigError } from "./config-error";
export { currentSnapshot } from "./current-snapshot";
export type { CurrentSnapshotSource } from "./current-snapshot";
