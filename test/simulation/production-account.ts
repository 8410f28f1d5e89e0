/**
 * Production as the acceptance account experiences it, in one of two modes. `manual` (the default): each
 * cluster takes a manual snapshot every day, shares it with acceptance (restore permission) once it is
 * available, and deletes its snapshots after a retention period; sharing can be switched off, as when the job
 * that shares breaks. `automated`: the clusters' automated backups take a snapshot each day in the backup
 * window and AWS expires them after the retention period; nothing is shared, which is the share function's
 * work. It also answers the simulation's central questions from its own records: which snapshot was the newest
 * production shared, per engine, at a given instant (what the update works with), which one a cycle's restore
 * attempt should restore, and which automated snapshot of a cluster was the newest (what a share cycle copies).
 */
import { EngineName } from "../../handlers/engines";
import { ACCEPTANCE_ACCOUNT, assumedRole, Caller, PRODUCTION_ACCOUNT } from "./accounts";
import { FakeAws } from "./fake-aws";
import { existedAt, isManual, isSharedWith, statusAt, StoredSnapshot } from "./snapshot-store";

/** The `Engine` value of each engine's clusters in this simulation. */
export const ENGINE_VALUE: Readonly<Record<EngineName, string>> = { aurora: "aurora-postgresql", documentdb: "docdb" };
export const ENGINE_VERSION: Readonly<Record<EngineName, string>> = { aurora: "15.4", documentdb: "5.0.0" };

export function engineOfValue(value: string): EngineName | undefined {
    return (Object.keys(ENGINE_VALUE) as EngineName[]).find((engine) => ENGINE_VALUE[engine] === value);
}

export interface ProductionCluster {
    identifier: string;
    engine: EngineName;
    /** The cluster's storage key, and so its snapshots' (`awsManagedRdsKeyArn(PRODUCTION_ACCOUNT)` for `aws/rds`); unencrypted when absent. */
    kmsKeyArn?: string;
}

/**
 * `manual`: a job takes manual snapshots and shares them with acceptance itself. `automated`: the clusters'
 * automated backups take the daily snapshots, and nothing shares them.
 */
export type DailySnapshots = "manual" | "automated";

export interface ProductionOptions {
    clusters: ProductionCluster[];
    /** UTC "HH:MM" at which the daily snapshots start: the job's time, or the start of the backup window. */
    dailyAtUtc: string;
    /** How long a snapshot takes before it is available (and then, in `manual` mode, shared). */
    creationMinutes: number;
    /** Days a daily snapshot is kept: the job's retention, or the backup retention period (1 to 35 days). */
    retentionDays: number;
    /** Default: `manual`. */
    dailySnapshots?: DailySnapshots;
}

const MS_PER_DAY = 86_400_000;
/** The longest backup retention period RDS and DocumentDB allow. */
const MAX_BACKUP_RETENTION_DAYS = 35;

export class ProductionAccount {
    readonly caller: Caller = {
        account: PRODUCTION_ACCOUNT,
        principalArn: assumedRole(PRODUCTION_ACCOUNT, "snapshot-job-role", "daily-snapshots"),
        label: "production snapshot job",
        mayUsePipeline: () => false,
    };
    private sharing = true;
    private readonly mode: DailySnapshots;

    constructor(private readonly aws: FakeAws, private readonly options: ProductionOptions) {
        this.mode = options.dailySnapshots ?? "manual";
        if (this.mode === "automated" && !(options.retentionDays >= 1 && options.retentionDays <= MAX_BACKUP_RETENTION_DAYS)) {
            throw new Error(`retentionDays ${options.retentionDays} is not a backup retention period: automated backups keep 1 to ${MAX_BACKUP_RETENTION_DAYS} days`);
        }
        for (const cluster of options.clusters) this.register(cluster);
    }

    /** Plans the daily job from `firstDate` (UTC) on; each run plans the next. */
    start(firstDate: string): void {
        this.planDay(Date.parse(`${firstDate}T${this.options.dailyAtUtc}:00Z`));
    }

    /** From `at`, snapshots that become available are shared (true) or not (false); `manual` mode only. */
    switchSharing(at: Date, on: boolean): void {
        this.aws.timeline.schedule(at, `production ${on ? "resumes" : "stops"} sharing`, () => {
            this.sharing = on;
        });
    }

    /** From `at`, production also has `cluster` and takes (and in `manual` mode shares) its daily snapshots. */
    addCluster(at: Date, cluster: ProductionCluster): void {
        this.aws.timeline.schedule(at, `production adds cluster ${cluster.identifier}`, () => {
            this.register(cluster);
            this.options.clusters.push(cluster);
        });
    }

    /**
     * The newest snapshot of the engine production shared with acceptance at or before `atMs`, still there and
     * still shared then, of the followed clusters (all when `sourceClusters` is empty). In `automated` mode these
     * are the share function's copies.
     */
    newestSharedAt(engine: EngineName, atMs: number, sourceClusters: readonly string[] = []): StoredSnapshot | undefined {
        let newest: StoredSnapshot | undefined;
        for (const snapshot of this.aws.store.everything()) {
            if (!this.isFollowed(snapshot, engine, sourceClusters)) continue;
            if (!isSharedWith(snapshot, ACCEPTANCE_ACCOUNT, atMs) || !existedAt(snapshot, atMs) || statusAt(snapshot, atMs) !== "available") continue;
            if (newest === undefined || snapshot.startedAt > newest.startedAt) newest = snapshot;
        }
        return newest;
    }

    /** The newest automated snapshot of a production cluster that existed and was available at `atMs`. */
    newestAutomatedAt(clusterIdentifier: string, atMs: number): StoredSnapshot | undefined {
        let newest: StoredSnapshot | undefined;
        for (const snapshot of this.aws.store.everything()) {
            if (snapshot.account !== PRODUCTION_ACCOUNT || isManual(snapshot) || snapshot.clusterIdentifier !== clusterIdentifier) continue;
            if (!existedAt(snapshot, atMs) || statusAt(snapshot, atMs) !== "available") continue;
            if (newest === undefined || snapshot.startedAt > newest.startedAt) newest = snapshot;
        }
        return newest;
    }

    /**
     * The data a restore check at `atMs` must restore for the engine: the newest production snapshot started
     * (its SnapshotCreateTime) at or before the cycle's start `cycleStartMs` and shared with acceptance,
     * available and still there at `atMs`. Started after the cycle's start, a snapshot belongs to the next cycle
     * even when it is shared before the check; started before it and shared after the update ran, it is this
     * cycle's (the update could not see it, so the restore has to copy it).
     */
    cycleDataAt(engine: EngineName, cycleStartMs: number, atMs: number, sourceClusters: readonly string[] = []): StoredSnapshot | undefined {
        let newest: StoredSnapshot | undefined;
        for (const snapshot of this.aws.store.everything()) {
            if (!this.isFollowed(snapshot, engine, sourceClusters)) continue;
            if (snapshot.startedAt.getTime() > cycleStartMs) continue;
            if (!isSharedWith(snapshot, ACCEPTANCE_ACCOUNT, atMs) || !existedAt(snapshot, atMs) || statusAt(snapshot, atMs) !== "available") continue;
            if (newest === undefined || snapshot.startedAt > newest.startedAt) newest = snapshot;
        }
        return newest;
    }

    /**
     * An extra manual snapshot of every cluster now (a release's "before" snapshot, say), shared like the daily
     * ones in `manual` mode and not at all in `automated` mode.
     */
    takeSnapshots(minutes = this.options.creationMinutes): void {
        for (const cluster of this.options.clusters) this.snapshot(cluster, minutes);
    }

    private isFollowed(snapshot: StoredSnapshot, engine: EngineName, sourceClusters: readonly string[]): boolean {
        return snapshot.account === PRODUCTION_ACCOUNT && snapshot.engine === ENGINE_VALUE[engine] &&
            (sourceClusters.length === 0 || sourceClusters.includes(snapshot.clusterIdentifier));
    }

    private register(cluster: ProductionCluster): void {
        this.aws.snapshots.registerCluster({
            account: PRODUCTION_ACCOUNT,
            identifier: cluster.identifier,
            engine: ENGINE_VALUE[cluster.engine],
            engineVersion: ENGINE_VERSION[cluster.engine],
            kmsKeyId: cluster.kmsKeyArn,
        });
    }

    private planDay(atMs: number): void {
        const label = this.mode === "manual" ? "production takes its daily snapshots" : "production's automated backups run";
        this.aws.timeline.schedule(new Date(atMs), label, () => {
            if (this.mode === "manual") {
                this.deleteExpired(atMs);
                this.takeSnapshots();
            } else {
                this.expireAutomated(atMs);
                for (const cluster of this.options.clusters) this.aws.snapshots.takeAutomatedSnapshot(PRODUCTION_ACCOUNT, cluster.identifier, this.options.creationMinutes);
            }
            this.planDay(atMs + MS_PER_DAY);
        });
    }

    private snapshot(cluster: ProductionCluster, minutes: number): void {
        const stamp = this.aws.timeline.now().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
        const snapshot = this.aws.snapshots.createSnapshot(this.caller, {
            identifier: `${cluster.identifier}-manual-${stamp}`,
            clusterIdentifier: cluster.identifier,
            engine: ENGINE_VALUE[cluster.engine],
            engineVersion: ENGINE_VERSION[cluster.engine],
            minutes,
            kmsKeyId: cluster.kmsKeyArn,
        });
        if (this.mode === "automated") return;
        this.aws.timeline.schedule(snapshot.readyAt, `production shares ${snapshot.identifier} (if sharing is on)`, () => {
            if (this.sharing && this.aws.store.byArn(snapshot.arn) !== undefined) this.aws.snapshots.share(this.caller, snapshot, ACCEPTANCE_ACCOUNT);
        });
    }

    /** The job deletes only what it made: production's other manual snapshots (the share function's copies) are not its own. */
    private deleteExpired(atMs: number): void {
        const cutoff = atMs - this.options.retentionDays * MS_PER_DAY;
        for (const snapshot of this.aws.store.manualOwnedBy(PRODUCTION_ACCOUNT)) {
            if (snapshot.createdBy === this.caller.label && snapshot.startedAt.getTime() < cutoff) this.aws.snapshots.deleteOwn(this.caller, snapshot.identifier);
        }
    }

    private expireAutomated(atMs: number): void {
        const cutoff = atMs - this.options.retentionDays * MS_PER_DAY;
        for (const snapshot of this.aws.store.automatedOwnedBy(PRODUCTION_ACCOUNT)) {
            if (snapshot.startedAt.getTime() < cutoff) this.aws.snapshots.expireAutomatedSnapshot(snapshot);
        }
    }
}
