import { ClusterSnapshotApi } from "../cluster-snapshots";
import { ENGINE_NAMES, isSnapshotOfEngine } from "../engines";
import { ClusterSnapshot, isNewer, snapshotState } from "../snapshots";
import { freshSnapshotIdentifier, Inventory } from "./inventory";
import { SharedCluster, ShareSettings } from "./settings";

/**
 * Where the snapshot whose data a cycle shares for one cluster stands, read from the account with nothing
 * changed: a run acts on it, a dry run says what it would do.
 */
export type SourceFinding =
    /** The source, and why it is the one: the cycle's data. */
    | { kind: "available"; snapshot: ClusterSnapshot; why: string }
    /** Nothing of the cluster can be shared, for `reason`. */
    | { kind: "none"; reason: string }
    /** `source: fresh`: the snapshot the cycle takes of the cluster, not taken yet. */
    | { kind: "to-take"; identifier: string }
    /** `source: fresh`: the cycle's snapshot, still being taken. */
    | { kind: "in-progress"; snapshot: ClusterSnapshot }
    /** `source: fresh`: the cycle's snapshot, which ended failed. */
    | { kind: "failed"; snapshot: ClusterSnapshot };

/** What finding the source depends on besides the account: the cycle's start, and whether a cycle runs at all. */
export interface SourceRun {
    cycleStartedAt: Date;
    /** Absent for a run by hand, which carries on with a fresh snapshot an earlier run by hand took. */
    waitUntil?: Date;
}

export async function findSource(settings: ShareSettings, run: SourceRun, inventory: Inventory, cluster: SharedCluster, api: ClusterSnapshotApi): Promise<SourceFinding> {
    return settings.source === "automated" ? newestAutomated(run, cluster, api) : freshSnapshot(settings, run, inventory, cluster);
}

/** The newest available automated snapshot taken by the cycle's start, by `SnapshotCreateTime`. */
async function newestAutomated(run: SourceRun, cluster: SharedCluster, api: ClusterSnapshotApi): Promise<SourceFinding> {
    let newest: ClusterSnapshot | undefined;
    let otherEngine: string | undefined;
    for await (const page of api.automatedPages(cluster.clusterIdentifier)) {
        for (const snapshot of page) {
            if (!isSnapshotOfEngine(cluster.engine, snapshot.engine)) {
                otherEngine = snapshot.engine;
                continue;
            }
            if (snapshotState(snapshot) !== "available" || snapshot.createdAt === undefined || snapshot.createdAt > run.cycleStartedAt) continue;
            if (isNewer(snapshot, newest)) newest = snapshot;
        }
    }
    const start = run.cycleStartedAt.toISOString();
    if (newest !== undefined) {
        return { kind: "available", snapshot: newest, why: `the newest available automated snapshot of ${cluster.clusterIdentifier} taken by the cycle's start (${start})` };
    }
    if (otherEngine !== undefined) return { kind: "none", reason: wrongEngine(cluster, otherEngine) };
    return {
        kind: "none",
        reason: `${cluster.clusterIdentifier} has no available automated snapshot taken by the cycle's start (${start}): ` +
            `check that it is a ${cluster.engine} cluster of this account and Region (snapshot-refresh:clusters) and that its automated backups are on`,
    };
}

/**
 * The manual snapshot the cycle takes of the cluster. A run by hand has no cycle to name it after: it carries on
 * with the newest fresh snapshot of the cluster not yet copied, if any.
 */
function freshSnapshot(settings: ShareSettings, run: SourceRun, inventory: Inventory, cluster: SharedCluster): SourceFinding {
    const uncopied = run.waitUntil === undefined ? newestUncopiedFresh(inventory, cluster) : undefined;
    const identifier = uncopied?.identifier ?? freshSnapshotIdentifier(settings.snapshotIdentifierPrefix, cluster.clusterIdentifier, run.cycleStartedAt);
    const taken = inventory.fresh.find((snapshot) => snapshot.identifier === identifier);
    if (taken === undefined) return { kind: "to-take", identifier };
    if (!isSnapshotOfEngine(cluster.engine, taken.engine)) return { kind: "none", reason: wrongEngine(cluster, taken.engine) };
    switch (snapshotState(taken)) {
        case "available": {
            const why = uncopied !== undefined ? `the newest fresh snapshot of ${cluster.clusterIdentifier} not yet copied` : `the fresh snapshot the cycle took of ${cluster.clusterIdentifier}`;
            return { kind: "available", snapshot: taken, why };
        }
        case "failed":
            return { kind: "failed", snapshot: taken };
        default:
            return { kind: "in-progress", snapshot: taken };
    }
}

function newestUncopiedFresh(inventory: Inventory, cluster: SharedCluster): ClusterSnapshot | undefined {
    const copied = new Set(inventory.copies.map((copy) => copy.snapshot.sourceArn));
    return inventory.fresh
        .filter((snapshot) => snapshot.clusterIdentifier === cluster.clusterIdentifier.toLowerCase() && !copied.has(snapshot.arn) && snapshotState(snapshot) !== "failed")
        .sort((a, b) => b.identifier.localeCompare(a.identifier))[0];
}

function wrongEngine(cluster: SharedCluster, engineValue: string): string {
    const engine = ENGINE_NAMES.find((name) => isSnapshotOfEngine(name, engineValue));
    return `${cluster.clusterIdentifier} is a ${engineValue} cluster, not ${cluster.engine}: ` +
        (engine !== undefined ? `list it under ${engine} in snapshot-refresh:clusters` : "snapshot-refresh shares only Aurora and DocumentDB clusters");
}
