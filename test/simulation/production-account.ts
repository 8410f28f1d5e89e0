/**
 * Production as the acceptance account experiences it: each cluster takes a manual snapshot every day, shares
 * it with acceptance (restore permission) once it is available, and deletes its snapshots after a retention
 * period. Sharing can be switched off, as when the job that shares breaks. It also answers the simulation's
 * central questions from its own records: which snapshot was the newest production shared, per engine, at a
 * given instant (what the update works with), and which one a cycle's restore attempt should restore.
 */
import { EngineName } from "../../handlers/engines";
import { ACCEPTANCE_ACCOUNT, assumedRole, Caller, PRODUCTION_ACCOUNT } from "./accounts";
import { FakeAws } from "./fake-aws";
import { existedAt, isSharedWith, sharedSince, statusAt, StoredSnapshot } from "./snapshot-store";

/** The `Engine` value of each engine's clusters in this simulation. */
export const ENGINE_VALUE: Readonly<Record<EngineName, string>> = { aurora: "aurora-postgresql", documentdb: "docdb" };
export const ENGINE_VERSION: Readonly<Record<EngineName, string>> = { aurora: "15.4", documentdb: "5.0.0" };

export function engineOfValue(value: string): EngineName | undefined {
    return (Object.keys(ENGINE_VALUE) as EngineName[]).find((engine) => ENGINE_VALUE[engine] === value);
}

export interface ProductionCluster {
    identifier: string;
    engine: EngineName;
    kmsKeyArn?: string;
}

export interface ProductionOptions {
    clusters: ProductionCluster[];
    /** UTC "HH:MM" at which the daily snapshots start. */
    dailyAtUtc: string;
    /** How long a snapshot takes before it is available (and then shared). */
    creationMinutes: number;
    retentionDays: number;
}

const MS_PER_DAY = 86_400_000;

export class ProductionAccount {
    readonly caller: Caller = {
        account: PRODUCTION_ACCOUNT,
        principalArn: assumedRole(PRODUCTION_ACCOUNT, "snapshot-job-role", "daily-snapshots"),
        label: "production snapshot job",
        mayUsePipeline: () => false,
    };
    private sharing = true;

    constructor(private readonly aws: FakeAws, private readonly options: ProductionOptions) {}

    /** Plans the daily job from `firstDate` (UTC) on; each run plans the next. */
    start(firstDate: string): void {
        this.planDay(Date.parse(`${firstDate}T${this.options.dailyAtUtc}:00Z`));
    }

    /** From `at`, snapshots that become available are shared (true) or not (false). */
    switchSharing(at: Date, on: boolean): void {
        this.aws.timeline.schedule(at, `production ${on ? "resumes" : "stops"} sharing`, () => {
            this.sharing = on;
        });
    }

    /** From `at`, production also takes and shares daily snapshots of `cluster`. */
    addCluster(at: Date, cluster: ProductionCluster): void {
        this.aws.timeline.schedule(at, `production adds cluster ${cluster.identifier}`, () => {
            this.options.clusters.push(cluster);
        });
    }

    /**
     * The newest snapshot of the engine production shared with acceptance at or before `atMs`, still there then,
     * of the followed clusters (all when `sourceClusters` is empty).
     */
    newestSharedAt(engine: EngineName, atMs: number, sourceClusters: readonly string[] = []): StoredSnapshot | undefined {
        let newest: StoredSnapshot | undefined;
        for (const snapshot of this.aws.store.everything()) {
            if (!this.isFollowed(snapshot, engine, sourceClusters)) continue;
            const shared = sharedSince(snapshot, ACCEPTANCE_ACCOUNT);
            if (shared === undefined || shared.getTime() > atMs || !existedAt(snapshot, atMs) || statusAt(snapshot, atMs) !== "available") continue;
            if (newest === undefined || snapshot.startedAt > newest.startedAt) newest = snapshot;
        }
        return newest;
    }

    /**
     * The data a restore attempt at `atMs` must restore for the engine: the newest production snapshot started
     * (its SnapshotCreateTime) at or before the cycle's update time `createdByMs` and shared with acceptance,
     * available and still there at `atMs`. Started after the update time, a snapshot belongs to the next cycle
     * even when it is shared before the attempt; started before it and shared after it, it is this cycle's
     * (the update could not see it, so the restore has to copy it).
     */
    cycleDataAt(engine: EngineName, createdByMs: number, atMs: number, sourceClusters: readonly string[] = []): StoredSnapshot | undefined {
        let newest: StoredSnapshot | undefined;
        for (const snapshot of this.aws.store.everything()) {
            if (!this.isFollowed(snapshot, engine, sourceClusters)) continue;
            if (snapshot.startedAt.getTime() > createdByMs) continue;
            if (!isSharedWith(snapshot, ACCEPTANCE_ACCOUNT, atMs) || !existedAt(snapshot, atMs) || statusAt(snapshot, atMs) !== "available") continue;
            if (newest === undefined || snapshot.startedAt > newest.startedAt) newest = snapshot;
        }
        return newest;
    }

    /** An extra snapshot of every cluster now, shared like the daily ones (a release's "before" snapshot, say). */
    takeSnapshots(minutes = this.options.creationMinutes): void {
        for (const cluster of this.options.clusters) this.snapshot(cluster, minutes);
    }

    private isFollowed(snapshot: StoredSnapshot, engine: EngineName, sourceClusters: readonly string[]): boolean {
        return snapshot.account === PRODUCTION_ACCOUNT && snapshot.engine === ENGINE_VALUE[engine] &&
            (sourceClusters.length === 0 || sourceClusters.includes(snapshot.clusterIdentifier));
    }

    private planDay(atMs: number): void {
        this.aws.timeline.schedule(new Date(atMs), "production takes its daily snapshots", () => {
            this.deleteExpired(atMs);
            this.takeSnapshots();
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
        this.aws.timeline.schedule(snapshot.readyAt, `production shares ${snapshot.identifier} (if sharing is on)`, () => {
            if (this.sharing && this.aws.store.byArn(snapshot.arn) !== undefined) this.aws.snapshots.share(this.caller, snapshot, ACCEPTANCE_ACCOUNT);
        });
    }

    private deleteExpired(atMs: number): void {
        const cutoff = atMs - this.options.retentionDays * MS_PER_DAY;
        for (const snapshot of this.aws.store.ownedBy(PRODUCTION_ACCOUNT)) {
            if (snapshot.startedAt.getTime() < cutoff) this.aws.snapshots.deleteOwn(this.caller, snapshot.identifier);
        }
    }
}
