import { createHash } from "node:crypto";
import { ClusterSnapshotApi } from "../cluster-snapshots";
import { EngineName } from "../engines";
import { ClusterSnapshot, DatedCopy, INSTANCE_TAG, parseCopyIdentifier } from "../snapshots";

/** A copy under the share key, with the engine its identifier names. */
export interface ShareCopy extends DatedCopy {
    engine: EngineName;
}

/** The snapshots of this account an instance made, from one listing of the account's manual snapshots. */
export interface Inventory {
    /** Copies under the share key: `<prefix><engine>-<source time>-<hash>`, as the refresh side names its copies. */
    copies: ShareCopy[];
    /** Snapshots taken for `source: fresh`, each the source of one copy: `<prefix>fresh-<cycle start>-<hash>`. */
    fresh: ClusterSnapshot[];
}

/**
 * Reads the instance's snapshots. Only identifiers of the instance's exact form count, and where the listing
 * reports tags, only snapshots tagged with the instance: a snapshot named otherwise, or another instance's that
 * shares the prefix (a refresh stack's copies in the same account), is never shared, unshared or deleted.
 */
export async function readInventory(listing: ClusterSnapshotApi, prefix: string, instanceName: string): Promise<Inventory> {
    const inventory: Inventory = { copies: [], fresh: [] };
    for await (const page of listing.manualPages()) {
        for (const snapshot of page) {
            if (snapshot.tags !== undefined && snapshot.tags[INSTANCE_TAG] !== instanceName) continue;
            const copy = parseCopyIdentifier(prefix, snapshot.identifier);
            if (copy !== undefined) inventory.copies.push({ snapshot, sourceCreatedAt: copy.sourceCreatedAt, engine: copy.engine });
            else if (isFreshSnapshotIdentifier(prefix, snapshot.identifier)) inventory.fresh.push(snapshot);
        }
    }
    return inventory;
}

/** The fresh snapshot a cycle takes of a cluster: one per cluster and cycle, so a rerun finds the one it took. */
export function freshSnapshotIdentifier(prefix: string, clusterIdentifier: string, cycleStartedAt: Date): string {
    const stamp = cycleStartedAt.toISOString().slice(0, 19).replace(/[-:]/g, "").toLowerCase();
    const digest = createHash("sha256").update(clusterIdentifier.toLowerCase()).digest("hex").slice(0, 8);
    return `${prefix}fresh-${stamp}-${digest}`;
}

function isFreshSnapshotIdentifier(prefix: string, identifier: string): boolean {
    return identifier.startsWith(prefix) && /^fresh-\d{8}t\d{6}-[0-9a-f]{8}$/.test(identifier.slice(prefix.length));
}
