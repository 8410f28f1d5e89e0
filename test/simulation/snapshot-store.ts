/**
 * Every cluster snapshot of every simulated account, with its life cycle as a function of time: a record holds
 * when it was started, when it finishes and how, so its status at any instant is computed rather than ticked.
 */
import { createHash } from "node:crypto";

/**
 * `snapshot`: a manual snapshot someone took of a cluster; `copy`: a manual snapshot copied from another;
 * `automated`: one the cluster's automated backups took, which only expiry removes and nobody can share.
 */
export type SnapshotKind = "snapshot" | "copy" | "automated";

/** A status as DescribeDBClusterSnapshots reports it (a deleted snapshot is simply gone). */
export type SnapshotStatus = "creating" | "copying" | "available" | "failed";

/** The `restore` attribute value that makes a snapshot public: any account may copy or restore it. */
export const PUBLIC = "all";

/**
 * One value of the `restore` attribute of a manual snapshot: who may copy or restore it, since when, and until
 * when once it is removed (the entry stays, so the history of who could see what is kept).
 */
export interface SnapshotShare {
    /** An account id, or {@link PUBLIC}. */
    account: string;
    at: Date;
    revokedAt?: Date;
}

export interface StoredSnapshot {
    account: string;
    /** Lowercase, as RDS stores identifiers. */
    identifier: string;
    arn: string;
    clusterIdentifier: string;
    /** The `Engine` value: `aurora-postgresql`, `docdb`, ... */
    engine: string;
    engineVersion: string;
    kind: SnapshotKind;
    startedAt: Date;
    /** When creation or copying ends, in `outcome`. */
    readyAt: Date;
    outcome: "available" | "failed";
    encrypted: boolean;
    kmsKeyId?: string;
    /** Copies only: the ARN of the snapshot copied. */
    sourceArn?: string;
    tags: Record<string, string>;
    shares: SnapshotShare[];
    /** Caller label of whoever made it. */
    createdBy: string;
    deletedAt?: Date;
    deletedBy?: string;
    /** Fixes the snapshot's place in listings: AWS promises no order, so the fake's order is neither time nor name. */
    listingKey: string;
}

export type NewSnapshot = Omit<StoredSnapshot, "shares" | "listingKey" | "deletedAt" | "deletedBy">;

export class SnapshotStore {
    /** Every snapshot that ever existed, deleted ones included: the history the invariants and reports read. */
    private readonly records: StoredSnapshot[] = [];
    /** Snapshots that exist now, by ARN. An identifier can be reused once its snapshot is gone. */
    private readonly live = new Map<string, StoredSnapshot>();

    add(snapshot: NewSnapshot): StoredSnapshot {
        if (this.live.has(snapshot.arn)) throw new Error(`${snapshot.arn} already exists`);
        const stored: StoredSnapshot = {
            ...snapshot,
            shares: [],
            listingKey: createHash("sha256").update(`${snapshot.arn}@${snapshot.startedAt.toISOString()}`).digest("hex"),
        };
        this.records.push(stored);
        this.live.set(stored.arn, stored);
        return stored;
    }

    /** The snapshot with this ARN, if it exists now. */
    byArn(arn: string): StoredSnapshot | undefined {
        return this.live.get(arn);
    }

    /** An account's own snapshot by identifier (any case), if it exists now. */
    own(account: string, identifier: string): StoredSnapshot | undefined {
        const wanted = identifier.toLowerCase();
        for (const snapshot of this.live.values()) {
            if (snapshot.account === account && snapshot.identifier === wanted) return snapshot;
        }
        return undefined;
    }

    /** Snapshots that exist now. */
    existing(): StoredSnapshot[] {
        return [...this.live.values()];
    }

    /** Every snapshot ever made, in the order they were made. */
    everything(): readonly StoredSnapshot[] {
        return this.records;
    }

    /** An account's snapshots that exist now, manual and automated. */
    ownedBy(account: string): StoredSnapshot[] {
        return this.existing().filter((snapshot) => snapshot.account === account);
    }

    /** What the manual snapshot quota counts: an account's snapshots and copies, not its automated snapshots. */
    manualOwnedBy(account: string): StoredSnapshot[] {
        return this.ownedBy(account).filter(isManual);
    }

    automatedOwnedBy(account: string): StoredSnapshot[] {
        return this.ownedBy(account).filter((snapshot) => !isManual(snapshot));
    }

    /** Snapshots other accounts share with `account` now. */
    sharedWith(account: string, atMs: number): StoredSnapshot[] {
        return this.existing().filter((snapshot) => snapshot.account !== account && isSharedWith(snapshot, account, atMs));
    }

    /** Other accounts' snapshots that are public now. */
    publicFor(account: string, atMs: number): StoredSnapshot[] {
        return this.existing().filter((snapshot) => snapshot.account !== account && isPublic(snapshot, atMs));
    }

    remove(snapshot: StoredSnapshot, at: Date, by: string): void {
        snapshot.deletedAt = at;
        snapshot.deletedBy = by;
        this.live.delete(snapshot.arn);
    }
}

export function isManual(snapshot: StoredSnapshot): boolean {
    return snapshot.kind !== "automated";
}

export function statusAt(snapshot: StoredSnapshot, atMs: number): SnapshotStatus {
    if (atMs < snapshot.readyAt.getTime()) return snapshot.kind === "copy" ? "copying" : "creating";
    return snapshot.outcome;
}

/** How far creation or copying has got, as `PercentProgress` reports it. */
export function progressAt(snapshot: StoredSnapshot, atMs: number): number {
    const total = snapshot.readyAt.getTime() - snapshot.startedAt.getTime();
    if (total <= 0 || atMs >= snapshot.readyAt.getTime()) return 100;
    return Math.floor((100 * (atMs - snapshot.startedAt.getTime())) / total);
}

export function isSharedWith(snapshot: StoredSnapshot, account: string, atMs: number): boolean {
    return snapshot.shares.some((share) => share.account === account && inForceAt(share, atMs));
}

export function isPublic(snapshot: StoredSnapshot, atMs: number): boolean {
    return isSharedWith(snapshot, PUBLIC, atMs);
}

/** The values of the `restore` attribute at `atMs`, in the order they were added. */
export function restoreAttributeAt(snapshot: StoredSnapshot, atMs: number): string[] {
    return snapshot.shares.filter((share) => inForceAt(share, atMs)).map((share) => share.account);
}

function inForceAt(share: SnapshotShare, atMs: number): boolean {
    return share.at.getTime() <= atMs && (share.revokedAt === undefined || share.revokedAt.getTime() > atMs);
}

export function existedAt(snapshot: StoredSnapshot, atMs: number): boolean {
    return snapshot.startedAt.getTime() <= atMs && (snapshot.deletedAt === undefined || snapshot.deletedAt.getTime() > atMs);
}
