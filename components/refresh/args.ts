import * as pulumi from "@pulumi/pulumi";
import { EngineName } from "../../handlers/engines";
import { CopyNotReadyPolicy } from "../../handlers/refresh/settings";
import { OperationsArgs } from "../operations-args";

export { EngineName, CopyNotReadyPolicy };

/** One engine to refresh, with its options. */
export interface EngineOptions {
    /** `aurora` (Aurora MySQL and PostgreSQL) or `documentdb`. */
    readonly engine: EngineName;
    /**
     * DB cluster identifiers in the source account whose snapshots to follow. Default: every cluster of the
     * engine that shares snapshots with this account (the newest snapshot of any of them wins).
     */
    readonly sourceClusters?: readonly string[];
    /**
     * Restore from a copy in this account instead of from the shared snapshot. A copy takes time and storage, but
     * keeps the data when production deletes its snapshot and is encrypted with a key of this account; without
     * one, the source key must let this account restore. Default: `true` for `documentdb`, and for `aurora`
     * `true` exactly when `kmsKeyArn` is set.
     */
    readonly copy?: boolean;
    /**
     * ARN of a KMS key in this account that copies of encrypted snapshots are encrypted with. Required when a
     * copied snapshot is encrypted (the run that meets one without it fails and says so). Default: none.
     */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** How many copies this tool keeps per engine, newest first; `latest` and `current` are kept besides. Default: 2. */
    readonly keepCopies?: number;
}

/** An engine by name (with all defaults) or with options. */
export type EngineConfig = EngineName | EngineOptions;

/** Arguments of {@link SnapshotRefresh}. */
export interface SnapshotRefreshArgs extends OperationsArgs {
    /**
     * The 12-digit production account that shares the snapshots. Only its snapshots are ever used. Plain text,
     * not an output: every policy and check is built from it before anything is planned. The production stack's
     * own `accountId` output is compared with it through `sourceStack`.
     */
    readonly sourceAccountId: string;
    /**
     * The production stack whose SnapshotShare shares the snapshots, as `<organization>/<project>/<stack>`: its
     * outputs `kmsKeyArn`, `snapshotIdentifierPrefix` and `accountId` stand in for `sourceKmsKeyArn` and
     * `sourceSnapshotPrefix`, and must name `sourceAccountId`. Set this or those two, not both. Default: none.
     */
    readonly sourceStack?: string;
    /**
     * ARN of the source account's key its shared snapshots are encrypted with (its SnapshotShare's `kmsKeyArn`):
     * the functions may use exactly that key to copy them. Default: without it (or `sourceStack`), any key of the
     * source account, as a source that shares by hand may use several.
     */
    readonly sourceKmsKeyArn?: pulumi.Input<string>;
    /**
     * Only shared snapshots whose identifier starts with this are used (its SnapshotShare's
     * `snapshotIdentifierPrefix`), so a snapshot production shares by hand is never restored by accident.
     * Default: without it (or `sourceStack`), every snapshot the source account shares.
     */
    readonly sourceSnapshotPrefix?: pulumi.Input<string>;
    /** Name of the main CI/CD pipeline (CodePipeline) that redeploys and restores from the `current` snapshots. */
    readonly pipelineName: pulumi.Input<string>;
    /** The engines to refresh, each at most once. */
    readonly engines: readonly EngineConfig[];
    /**
     * When a refresh cycle starts: `every 2 weeks on sunday at 02:00` (also `every N days at HH:MM`, `daily at
     * HH:MM`, `weekly on <day> at HH:MM`, each optionally followed by `starting YYYY-MM-DD`), or an EventBridge
     * Scheduler `cron(...)` / `rate(...)` expression, each firing of which starts a cycle.
     * Default: `every 2 weeks on sunday at 02:00`.
     */
    readonly cadence?: string;
    /** IANA timezone the cadence is read in, daylight saving time included. Default: `UTC`. */
    readonly timezone?: string;
    /**
     * Minutes from a cycle's start during which it waits for copies still in progress; at its end
     * `whenCopyNotReady` decides. 0 to 1440 (0: never wait), and shorter than the cycle. Default: 240.
     */
    readonly maintenanceWindowMinutes?: number;
    /** Minutes between two checks of a copy in progress, 1 to 60. Default: 10. */
    readonly copyRecheckMinutes?: number;
    /**
     * What the cycle does when a copy it needs is not ready by the end of the maintenance window, or failed:
     * `fail` restores nothing; `restore-available` restores that engine's newest available older copy.
     * Default: `fail`.
     */
    readonly whenCopyNotReady?: CopyNotReadyPolicy;
    /**
     * Prefix of the SSM parameter names. Default: empty, giving exactly `aurora_current_snapshot_id`,
     * `aurora_latest_snapshot_id`, `documentdb_current_snapshot_id`, `documentdb_latest_snapshot_id` and
     * `main_cicd_name`. A prefix such as `/snapshot-refresh/` namespaces them (two instances need two prefixes).
     */
    readonly parameterPrefix?: string;
    /**
     * Prefix of the identifiers of the snapshot copies this instance makes and may delete. Lowercase letters,
     * digits and hyphens, starting with a letter and ending with a hyphen, at most 24 characters.
     * Default: derived from the component's name (`snapshot-refresh-` for the name `snapshot-refresh`).
     */
    readonly copyIdentifierPrefix?: string;
    /** Days the functions' logs are kept (a value CloudWatch Logs accepts). Default: 90. */
    readonly logRetentionDays?: number;
    /** Tags for every resource that takes tags. Default: none. */
    readonly tags?: Record<string, string>;
}
