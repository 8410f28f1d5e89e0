import { ResolvedShareArgs } from "../components/share/validation";
import { ClusterSnapshotApis } from "../handlers/cluster-snapshots";
import { EngineName } from "../handlers/engines";
import { readInventory, ShareCopy } from "../handlers/share/inventory";
import { byNewestSource, snapshotState } from "../handlers/snapshots";
import { reading } from "./status-aws";

/** One of production's copies under the share key. */
export interface ShareCopyStatus {
    identifier: string;
    /** `available`, `in-progress`, `failed`, `deleting`. */
    state: string;
    /** When the copied snapshot was taken: the age of the data. */
    sourceTakenAt: Date;
    /** The accounts it is shared with (`restore`); read for available copies only. */
    sharedWith?: string[];
}

export interface ClusterStatus {
    engine: EngineName;
    cluster: string;
    /** The newest copy shared with at least one account: what the target accounts restore next. */
    newestShared?: ShareCopyStatus;
    /** Copies newer than that one: in progress, failed, or available but shared with no one yet. */
    newer: ShareCopyStatus[];
    /** Every copy of the cluster the stack keeps, shared or not. */
    copies: number;
}

export interface ShareSnapshots {
    /** The prefix the stack's copies are named with. */
    prefix: string;
    /** The accounts every copy should be shared with. */
    targets: string[];
    clusters: ClusterStatus[];
}

/** Per configured cluster, the newest copy the stack shares, with whom, and what is newer. */
export async function readShareSnapshots(
    snapshots: ClusterSnapshotApis,
    stack: string,
    instanceName: string,
    args: ResolvedShareArgs,
    targetAccountIds: string[],
): Promise<ShareSnapshots> {
    const inventory = await reading("the share copies (rds:DescribeDBClusterSnapshots)", stack, () =>
        readInventory(snapshots.listing, args.snapshotIdentifierPrefix, instanceName));
    const clusters = await Promise.all(args.clusters.map(async ({ engine, clusterIdentifier }): Promise<ClusterStatus> => {
        const copies = inventory.copies
            .filter((copy) => copy.engine === engine && copy.snapshot.clusterIdentifier?.toLowerCase() === clusterIdentifier.toLowerCase())
            .sort(byNewestSource);
        const newer: ShareCopyStatus[] = [];
        for (const copy of copies) {
            const status = await copyStatus(snapshots, stack, copy);
            if ((status.sharedWith ?? []).length > 0) return { engine, cluster: clusterIdentifier, newestShared: status, newer, copies: copies.length };
            newer.push(status);
        }
        return { engine, cluster: clusterIdentifier, newer, copies: copies.length };
    }));
    return { prefix: args.snapshotIdentifierPrefix, targets: targetAccountIds, clusters };
}

async function copyStatus(snapshots: ClusterSnapshotApis, stack: string, copy: ShareCopy): Promise<ShareCopyStatus> {
    const state = snapshotState(copy.snapshot);
    const identifier = copy.snapshot.identifier;
    const status = { identifier, state, sourceTakenAt: copy.sourceCreatedAt };
    if (state !== "available") return status;
    const sharedWith = await reading(`whom ${identifier} is shared with (rds:DescribeDBClusterSnapshotAttributes)`, stack, () =>
        snapshots.snapshots(copy.engine).sharedWith(identifier));
    return { ...status, sharedWith };
}
