/**
 * Every cluster snapshot of every simulated account, with its life cycle as a function of time: a record holds
 * when it was started, when it finishes and how, so its status at any instant is computed rather than ticked.
 */
import { createHash } from "node:crypto";

export type SnapshotKind = "snapshot" | "copy";

/** A status as DescribeDBClusterSnapshots reports it (a deleted snapshot is simply gone). */
export type SnapshotStatus = "creating" | "copying" | "available" | "failed";

/** The `restore` attribute of a manual snapshot: who may copy or restore it, since when. */
export interface SnapshotShare {
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

    ownedBy(account: string): StoredSnapshot[] {
        return this.existing().filter((snapshot) => snapshot.account === account);
    }

    /** Snapshots other accounts share with `account` now. */
    sharedWith(account: string, atMs: number): StoredSnapshot[] {
        return this.existing().filter((snapshot) => snapshot.account !== account && isSharedWith(snapshot, account, atMs));
    }

    remove(snapshot: StoredSnapshot, at: Date, by: string): void {
        snapshot.deletedAt = at;
        snapshot.deletedBy = by;
        this.live.delete(snapshot.arn);
    }
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
    return snapshot.shares.some((share) =>
        share.account === account && share.at.getTime() <= atMs && (share.revokedAt === undefined || share.revokedAt.getTime() > atMs));
}

/** When `account` could first see the snapshot, if it ever could. */
export function sharedSince(snapshot: StoredSnapshot, account: string): Date | undefined {
    return snapshot.shares.find((share) => share.account === account)?.at;
}

export function existedAt(snapshot: StoredSnapshot, atMs: number): boolean {
    return snapshot.startedAt.getTime() <= atMs && (snapshot.deletedAt === undefined || snapshot.deletedAt.getTime() > atMs);
}
