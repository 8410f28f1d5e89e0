import * as pulumi from "@pulumi/pulumi";
import { EngineName } from "../handlers/engines";
import { CopyNotReadyPolicy } from "../handlers/settings";

export { EngineName, CopyNotReadyPolicy };

/** One engine to refresh, with its options. */
export interface EngineOptions {
    /** `aurora` (Aurora MySQL and PostgreSQL) or `documentdb`. */
    readonly engine: EngineName;
    /**
     * DB cluster identifiers in the source account whose snapshots to follow. Default: every cluster of the
     * engine that shares snapshots with this account (the newest snapshot of any of them wins).
     */
    readonly sourceClusters?: string[];
    /**
     * Restore from a copy in this account instead of from the shared snapshot. Default: `true` for
     * `documentdb` (it cannot restore from a shared snapshot, so `false` is refused), and for `aurora` `true`
     * exactly when `kmsKeyArn` is set.
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
export interface SnapshotRefreshArgs {
    /** The 12-digit production account that shares the snapshots. Only its snapshots are ever used. */
    readonly sourceAccountId: string;
    /** Name of the main CI/CD pipeline (CodePipeline) that redeploys and restores from the `current` snapshots. */
    readonly pipelineName: pulumi.Input<string>;
    /** The engines to refresh, each at most once. */
    readonly engines: EngineConfig[];
    /**
     * When a refresh cycle runs: `every 2 weeks on sunday at 02:00` (also `every N days at HH:MM`, `daily at
     * HH:MM`, `weekly on <day> at HH:MM`, each optionally followed by `starting YYYY-MM-DD`), or an EventBridge
     * Scheduler `cron(...)` / `rate(...)` expression. Default: `every 2 weeks on sunday at 02:00`.
     */
    readonly cadence?: string;
    /** IANA timezone the cadence is read in, daylight saving time included. Default: `UTC`. */
    readonly timezone?: string;
    /** Minutes from the update to the restore's first attempt (readable cadence only). Default: 120. */
    readonly restoreDelayMinutes?: number;
    /** Minutes the restore keeps re-checking for a copy still in progress (readable cadence only). Default: 120. */
    readonly restoreWindowMinutes?: number;
    /** Minutes between the restore's attempts inside its window (divides 60; readable cadence only). Default: 15. */
    readonly restoreRecheckMinutes?: number;
    /** The restore's own `cron(...)`/`rate(...)` expression; required with, and only with, a raw `cadence`. */
    readonly restoreCadence?: string;
    /** What the restore does when the newest snapshot's copy is not ready in time. Default: `fail` (restore nothing). */
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
