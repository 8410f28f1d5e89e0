import * as pulumi from "@pulumi/pulumi";
import { SnapshotSource } from "../../handlers/share/settings";
import { OperationsArgs } from "../operations-args";

export { SnapshotSource };

/** The clusters of this account whose snapshots are shared, per engine: an explicit list, never "all". */
export interface SharedClusters {
    /** Aurora MySQL and PostgreSQL DB cluster identifiers (any case: RDS stores them in lowercase). Default: none. */
    readonly aurora?: readonly string[];
    /** DocumentDB cluster identifiers. Default: none. */
    readonly documentdb?: readonly string[];
}

/** Arguments of {@link SnapshotShare}. */
export interface SnapshotShareArgs extends OperationsArgs {
    /**
     * The 12-digit accounts that receive the snapshots (acceptance, test, ...), 1 to 20: AWS shares a snapshot
     * with at most 20 accounts. Each shared snapshot is shared with exactly these; an account removed here loses
     * access to every snapshot of this instance at the next cycle.
     */
    readonly targetAccountIds: readonly pulumi.Input<string>[];
    /** The clusters to share, at least one. */
    readonly clusters: SharedClusters;
    /**
     * When a share cycle starts, in the grammar of the acceptance stack's cadence (`daily at 00:00`, `every 2
     * weeks on sunday at 01:00`, `cron(...)`, ...). A cycle must be done sharing before the acceptance cycles
     * that should restore its data start. Default: `daily at 00:00`.
     */
    readonly cadence?: string;
    /** IANA timezone the cadence is read in, daylight saving time included. Default: `UTC`. */
    readonly timezone?: string;
    /**
     * `automated` shares the data of each cluster's newest available automated snapshot (by `SnapshotCreateTime`,
     * taken by the cycle's start): no load on production. `fresh` takes a manual snapshot of each cluster when the
     * cycle starts. Default: `automated`.
     */
    readonly source?: SnapshotSource;
    /**
     * Shared copies kept per cluster, newest first, 1 to 20; older ones are unshared, then deleted. They count
     * against the 100 manual cluster snapshots a Region allows. Default: 2.
     */
    readonly keepShared?: number;
    /**
     * ARN of an existing customer-managed KMS key of this account to encrypt the shared copies with; its key
     * policy must let the target accounts use it. Default: a key created for the purpose, with rotation on and
     * a key policy that lets exactly the target accounts copy and restore the shared snapshots.
     */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /**
     * Minutes from a cycle's start during which it waits for snapshots and copies in progress; what is not shared
     * by then fails the cycle. 30 to 1440 (a copy takes tens of minutes), and shorter than the cycle. Default: 240.
     */
    readonly maintenanceWindowMinutes?: number;
    /** Minutes between two checks of a snapshot or copy in progress, 1 to 60. Default: 10. */
    readonly copyRecheckMinutes?: number;
    /**
     * Prefix of the identifiers of the snapshots this instance makes, shares and may delete. Lowercase letters,
     * digits and hyphens, starting with a letter and ending with a hyphen, at most 24 characters. Default:
     * derived from the component's name (`snapshot-refresh-share-` for the name `snapshot-refresh`), apart from
     * the refresh side's copies should the account also run a SnapshotRefresh.
     */
    readonly snapshotIdentifierPrefix?: string;
    /** Days the functions' logs are kept (a value CloudWatch Logs accepts). Default: 90. */
    readonly logRetentionDays?: number;
    /** Tags for every resource that takes tags. Default: none. */
    readonly tags?: Record<string, string>;
}
