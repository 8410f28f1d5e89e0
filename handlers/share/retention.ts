import { EngineName } from "../engines";
import { ClusterSnapshot, snapshotState } from "../snapshots";
import { Inventory, ShareCopy } from "./inventory";

/**
 * What a share cycle keeps and what it lets go, decided from the account as listed: which copies stay shared,
 * how a copy's sharing differs from exactly the targets, which fresh snapshots have served. A run acts on these
 * decisions, a dry run reports them.
 */

/** A cluster as retention groups copies: `aurora/orders`. */
export function clusterKey(engine: EngineName, clusterIdentifier: string): string {
    return `${engine}/${clusterIdentifier.toLowerCase()}`;
}

/** The instance's copies per cluster, keyed by {@link clusterKey}. */
export function copiesByCluster(copies: readonly ShareCopy[]): Map<string, ShareCopy[]> {
    const groups = new Map<string, ShareCopy[]>();
    for (const copy of copies) {
        const key = clusterKey(copy.engine, copy.snapshot.clusterIdentifier ?? "");
        groups.set(key, [...(groups.get(key) ?? []), copy]);
    }
    return groups;
}

/** A copy as retention weighs it: which one, and how new its data is. */
export interface RetentionCandidate {
    identifier: string;
    sourceCreatedAt: Date;
}

/**
 * Which available copies of a cluster stay shared: the newest `keepShared` by the age of their data, and the
 * cycle's own copy even when copies of newer data exist (from a run by hand with a later start). The others,
 * newest first, are beyond keepShared.
 */
export function retainedCopies<T extends RetentionCandidate>(available: readonly T[], keepShared: number, cycleCopy: string | undefined): { kept: T[]; beyond: T[] } {
    const newestFirst = [...available].sort((a, b) =>
        b.sourceCreatedAt.getTime() - a.sourceCreatedAt.getTime() || b.identifier.localeCompare(a.identifier));
    const kept = [...newestFirst.slice(0, keepShared), ...newestFirst.slice(keepShared).filter((copy) => copy.identifier === cycleCopy)];
    return { kept, beyond: newestFirst.filter((copy) => !kept.includes(copy)) };
}

/** A copy of the inventory as a {@link RetentionCandidate}. */
export function candidateOf(copy: ShareCopy): RetentionCandidate {
    return { identifier: copy.snapshot.identifier, sourceCreatedAt: copy.sourceCreatedAt };
}

/** How a snapshot's sharing differs from exactly `targets`: the accounts to add, and every other (and `all`) to remove. */
export function exactSharing(current: readonly string[], targets: readonly string[]): { added: string[]; removed: string[] } {
    return { added: targets.filter((account) => !current.includes(account)), removed: current.filter((account) => !targets.includes(account)) };
}

/**
 * The fresh snapshots that have served, not counting those in `handled`: a fresh snapshot goes once a copy of it
 * is available (or failed: the next cycle takes another), or once a newer fresh snapshot of its cluster has an
 * available copy. Until then it stays, whichever run took it, so a run by hand or a cycle that ran out of time can
 * still copy it.
 */
export function servedFreshSnapshots(inventory: Inventory, handled: readonly string[]): ClusterSnapshot[] {
    const copies = inventory.copies;
    const copiesOf = (fresh: ClusterSnapshot) => copies.filter((copy) => copy.snapshot.sourceArn === fresh.arn).map((copy) => snapshotState(copy.snapshot));
    return inventory.fresh.filter((fresh) => {
        const state = snapshotState(fresh);
        if (state === "in-progress" || state === "deleting" || handled.includes(fresh.identifier)) return false;
        const copyStates = copiesOf(fresh);
        if (copyStates.includes("in-progress")) return false;
        const superseded = inventory.fresh.some((newer) => newer.clusterIdentifier === fresh.clusterIdentifier &&
            newer.identifier > fresh.identifier && copiesOf(newer).includes("available"));
        return state === "failed" || copyStates.includes("available") || copyStates.includes("failed") || superseded;
    });
}
