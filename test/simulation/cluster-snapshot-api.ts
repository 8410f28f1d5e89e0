/**
 * The RDS control plane's cluster snapshot API as the acceptance account's clients see it: one implementation
 * behind both the RDS and the DocumentDB client (the same endpoint serves both engines, and DocumentDB ignores
 * `Filters`), answering in the SDK's output shapes and failing with the SDK's errors.
 */
import { DBClusterSnapshot as DocDbClusterSnapshot } from "@aws-sdk/client-docdb";
import { DBClusterSnapshot as RdsClusterSnapshot } from "@aws-sdk/client-rds";
import { accountOfArn, Caller, clusterSnapshotArn, isArn, REGION } from "./accounts";
import { SnapshotClient, snapshotError } from "./aws-errors";
import { isSharedWith, progressAt, SnapshotStore, statusAt, StoredSnapshot } from "./snapshot-store";
import { Timeline } from "./timeline";

/** Assignable to the RDS and the DocumentDB `DBClusterSnapshot` alike. */
export type DescribedSnapshot = RdsClusterSnapshot & DocDbClusterSnapshot;

/** What the fake reads of a DescribeDBClusterSnapshots request (both SDKs' inputs are assignable to it). */
export interface DescribeRequest {
    DBClusterIdentifier?: string;
    DBClusterSnapshotIdentifier?: string;
    SnapshotType?: string;
    MaxRecords?: number;
    Marker?: string;
    IncludeShared?: boolean;
    IncludePublic?: boolean;
}

export interface CopyRequest {
    SourceDBClusterSnapshotIdentifier?: string;
    TargetDBClusterSnapshotIdentifier?: string;
    KmsKeyId?: string;
    Tags?: { Key?: string; Value?: string }[];
}

export interface DeleteRequest {
    DBClusterSnapshotIdentifier?: string;
}

export interface DescribeAnswer {
    DBClusterSnapshots: DescribedSnapshot[];
    Marker?: string;
}

/** How long a copy takes and how it ends. */
export interface CopyTiming {
    minutes: number;
    outcome: "available" | "failed";
}

/** Decides the timing of one copy, or leaves it to the next rule (and finally the default). */
export type CopyTimingRule = (copy: { sourceArn: string; targetIdentifier: string; caller: Caller; at: Date }) => CopyTiming | undefined;

export interface ClusterSnapshotApiOptions {
    /** Manual cluster snapshots an account may hold (per Region), unless raised for that account. */
    manualSnapshotQuota: number;
    quotaOverrides: Record<string, number>;
    /** Copies an account may have in progress at once. */
    concurrentCopyLimit: number;
    defaultCopy: CopyTiming;
}

const MAX_RECORDS = 100;
const MIN_RECORDS = 20;
const IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/;

export class ClusterSnapshotApi {
    /** Consulted first to last for each new copy; the first that answers decides. */
    readonly copyTimingRules: CopyTimingRule[] = [];

    constructor(
        private readonly store: SnapshotStore,
        private readonly timeline: Timeline,
        private readonly options: ClusterSnapshotApiOptions,
    ) {}

    describe(client: SnapshotClient, caller: Caller, request: DescribeRequest): DescribeAnswer {
        const nowMs = this.timeline.nowMs();
        const pageSize = request.MaxRecords ?? MAX_RECORDS;
        if (!Number.isInteger(pageSize) || pageSize < MIN_RECORDS || pageSize > MAX_RECORDS) {
            throw snapshotError(client, "InvalidParameterValue", `Invalid value ${pageSize} for MaxRecords. Must be between ${MIN_RECORDS} and ${MAX_RECORDS}`);
        }
        const wanted = request.DBClusterSnapshotIdentifier;
        let matches = this.visible(caller.account, request, nowMs);
        if (wanted !== undefined) {
            matches = matches.filter((snapshot) => snapshot.arn === wanted || (snapshot.account === caller.account && snapshot.identifier === wanted.toLowerCase()));
            if (matches.length === 0) throw snapshotError(client, "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${wanted} not found.`);
        }
        if (request.DBClusterIdentifier !== undefined) {
            matches = matches.filter((snapshot) => snapshot.clusterIdentifier === request.DBClusterIdentifier);
        }
        matches.sort((a, b) => (a.listingKey < b.listingKey ? -1 : a.listingKey > b.listingKey ? 1 : 0));
        const offset = readMarker(client, request.Marker);
        const page = matches.slice(offset, offset + pageSize);
        const next = offset + pageSize < matches.length ? writeMarker(offset + pageSize) : undefined;
        return { DBClusterSnapshots: page.map((snapshot) => describeSnapshot(snapshot, caller.account, nowMs)), ...(next ? { Marker: next } : {}) };
    }

    copy(client: SnapshotClient, caller: Caller, request: CopyRequest): { DBClusterSnapshot: DescribedSnapshot } {
        const now = this.timeline.now();
        const sourceName = request.SourceDBClusterSnapshotIdentifier ?? "";
        const target = (request.TargetDBClusterSnapshotIdentifier ?? "").toLowerCase();
        if (!IDENTIFIER.test(target)) {
            throw snapshotError(client, "InvalidParameterValue", `The parameter TargetDBClusterSnapshotIdentifier is not a valid identifier: ${request.TargetDBClusterSnapshotIdentifier}`);
        }
        const source = this.copySource(sourceName, caller.account, now.getTime());
        if (source === undefined) throw snapshotError(client, "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${sourceName} not found.`);
        if (statusAt(source, now.getTime()) !== "available") {
            throw snapshotError(client, "InvalidDBClusterSnapshotStateFault", `DBClusterSnapshot ${sourceName} is not in available state.`);
        }
        const foreign = source.account !== caller.account;
        if (source.encrypted && foreign && request.KmsKeyId === undefined) {
            throw snapshotError(client, "InvalidParameterValue", "KmsKeyId must be specified to copy an encrypted snapshot shared from another AWS account.");
        }
        if (!source.encrypted && request.KmsKeyId !== undefined) {
            throw snapshotError(client, "InvalidParameterCombination", "Cannot encrypt an unencrypted snapshot when copying it: remove KmsKeyId.");
        }
        if (request.KmsKeyId !== undefined && accountOfArn(request.KmsKeyId) !== caller.account) {
            throw snapshotError(client, "KMSKeyNotAccessibleFault", `The specified KMS key ${request.KmsKeyId} does not exist, is not enabled or you do not have permissions to access it.`);
        }
        if (this.store.own(caller.account, target) !== undefined) {
            throw snapshotError(client, "DBClusterSnapshotAlreadyExistsFault", `Cannot create the snapshot because a snapshot with the identifier ${target} already exists.`);
        }
        if (this.copiesInProgress(caller.account, now.getTime()) >= this.options.concurrentCopyLimit) {
            throw snapshotError(client, "SnapshotQuotaExceededFault",
                `Cannot copy snapshot: there are already ${this.options.concurrentCopyLimit} snapshot copies in progress in this Region; wait for one to finish.`);
        }
        this.checkManualQuota(client, caller.account);
        const timing = this.copyTimingRules.map((rule) => rule({ sourceArn: source.arn, targetIdentifier: target, caller, at: now }))
            .find((found) => found !== undefined) ?? this.options.defaultCopy;
        const copy = this.store.add({
            account: caller.account,
            identifier: target,
            arn: clusterSnapshotArn(caller.account, target),
            clusterIdentifier: source.clusterIdentifier,
            engine: source.engine,
            engineVersion: source.engineVersion,
            kind: "copy",
            startedAt: now,
            readyAt: new Date(now.getTime() + timing.minutes * 60_000),
            outcome: timing.outcome,
            encrypted: source.encrypted,
            kmsKeyId: source.encrypted ? request.KmsKeyId ?? source.kmsKeyId : undefined,
            sourceArn: source.arn,
            tags: Object.fromEntries((request.Tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""])),
            createdBy: caller.label,
        });
        return { DBClusterSnapshot: describeSnapshot(copy, caller.account, now.getTime()) };
    }

    delete(client: SnapshotClient, caller: Caller, request: DeleteRequest): { DBClusterSnapshot: DescribedSnapshot } {
        const now = this.timeline.now();
        const identifier = request.DBClusterSnapshotIdentifier ?? "";
        const snapshot = isArn(identifier) ? undefined : this.store.own(caller.account, identifier);
        if (snapshot === undefined) throw snapshotError(client, "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${identifier} not found.`);
        if (statusAt(snapshot, now.getTime()) === "creating") {
            throw snapshotError(client, "InvalidDBClusterSnapshotStateFault", `Cannot delete the snapshot ${identifier} while it is being created.`);
        }
        const described = { ...describeSnapshot(snapshot, caller.account, now.getTime()), Status: "deleting" };
        // Deleting takes seconds; the fake has it gone at once.
        this.store.remove(snapshot, now, caller.label);
        return { DBClusterSnapshot: described };
    }

    /** CreateDBClusterSnapshot, for the people and jobs of the simulated accounts (the functions never call it). */
    createSnapshot(caller: Caller, snapshot: { identifier: string; clusterIdentifier: string; engine: string; engineVersion: string; minutes: number; kmsKeyId?: string }): StoredSnapshot {
        const now = this.timeline.now();
        this.checkManualQuota("rds", caller.account);
        if (this.store.own(caller.account, snapshot.identifier) !== undefined) {
            throw snapshotError("rds", "DBClusterSnapshotAlreadyExistsFault", `Cannot create the snapshot because a snapshot with the identifier ${snapshot.identifier} already exists.`);
        }
        return this.store.add({
            account: caller.account,
            identifier: snapshot.identifier.toLowerCase(),
            arn: clusterSnapshotArn(caller.account, snapshot.identifier.toLowerCase()),
            clusterIdentifier: snapshot.clusterIdentifier,
            engine: snapshot.engine,
            engineVersion: snapshot.engineVersion,
            kind: "snapshot",
            startedAt: now,
            readyAt: new Date(now.getTime() + snapshot.minutes * 60_000),
            outcome: "available",
            encrypted: snapshot.kmsKeyId !== undefined,
            kmsKeyId: snapshot.kmsKeyId,
            tags: {},
            createdBy: caller.label,
        });
    }

    /** ModifyDBClusterSnapshotAttribute restore: only the owner, only a finished manual snapshot. */
    share(caller: Caller, snapshot: StoredSnapshot, withAccount: string): void {
        const now = this.timeline.now();
        if (snapshot.account !== caller.account) throw snapshotError("rds", "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${snapshot.identifier} not found.`);
        if (statusAt(snapshot, now.getTime()) !== "available") {
            throw snapshotError("rds", "InvalidDBClusterSnapshotStateFault", `DBClusterSnapshot ${snapshot.identifier} is not available.`);
        }
        if (!isSharedWith(snapshot, withAccount, now.getTime())) snapshot.shares.push({ account: withAccount, at: now });
    }

    deleteOwn(caller: Caller, identifier: string): void {
        this.delete("rds", caller, { DBClusterSnapshotIdentifier: identifier });
    }

    copiesInProgress(account: string, atMs: number): number {
        return this.store.ownedBy(account).filter((snapshot) => statusAt(snapshot, atMs) === "copying").length;
    }

    manualSnapshotCount(account: string): number {
        return this.store.ownedBy(account).length;
    }

    private checkManualQuota(client: SnapshotClient, account: string): void {
        const quota = this.options.quotaOverrides[account] ?? this.options.manualSnapshotQuota;
        if (this.manualSnapshotCount(account) >= quota) {
            throw snapshotError(client, "SnapshotQuotaExceededFault", `Cannot create more than ${quota} manual snapshots`);
        }
    }

    /** A shared snapshot can only be named by its ARN; an own one by identifier or ARN. */
    private copySource(name: string, account: string, atMs: number): StoredSnapshot | undefined {
        if (!isArn(name)) return this.store.own(account, name);
        const snapshot = this.store.byArn(name);
        if (snapshot === undefined) return undefined;
        return snapshot.account === account || isSharedWith(snapshot, account, atMs) ? snapshot : undefined;
    }

    /** What a listing of this type can show: own manual snapshots, snapshots shared with the account, or both. */
    private visible(account: string, request: DescribeRequest, atMs: number): StoredSnapshot[] {
        const own = this.store.ownedBy(account);
        const shared = this.store.sharedWith(account, atMs);
        switch (request.SnapshotType) {
            case "shared":
                return shared;
            case "manual":
            case undefined:
                return request.IncludeShared ? [...own, ...shared] : own;
            default:
                // automated, public, awsbackup: the simulated accounts have none.
                return [];
        }
    }
}

function readMarker(client: SnapshotClient, marker: string | undefined): number {
    if (marker === undefined) return 0;
    const match = /^offset:(\d+)$/.exec(Buffer.from(marker, "base64").toString("utf8"));
    if (!match) throw snapshotError(client, "InvalidParameterValue", `Invalid Marker: ${marker}`);
    return Number(match[1]);
}

function writeMarker(offset: number): string {
    return Buffer.from(`offset:${offset}`).toString("base64");
}

/** The snapshot as `viewer` sees it: AWS reports a shared snapshot's ARN as its identifier. */
export function describeSnapshot(snapshot: StoredSnapshot, viewer: string, atMs: number): DescribedSnapshot {
    const status = statusAt(snapshot, atMs);
    const shared = snapshot.account !== viewer;
    return {
        AvailabilityZones: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
        DBClusterSnapshotIdentifier: shared ? snapshot.arn : snapshot.identifier,
        DBClusterIdentifier: snapshot.clusterIdentifier,
        // Absent until the snapshot is finished, as AWS leaves it out while creating or copying.
        SnapshotCreateTime: status === "available" ? snapshot.startedAt : undefined,
        Engine: snapshot.engine,
        EngineVersion: snapshot.engineVersion,
        Status: status,
        Port: snapshot.engine === "docdb" ? 27017 : 5432,
        VpcId: "vpc-0a1b2c3d4e5f60718",
        ClusterCreateTime: new Date("2023-03-01T09:00:00Z"),
        MasterUsername: "admin",
        SnapshotType: shared ? "shared" : "manual",
        PercentProgress: progressAt(snapshot, atMs),
        StorageEncrypted: snapshot.encrypted,
        KmsKeyId: snapshot.kmsKeyId,
        DBClusterSnapshotArn: snapshot.arn,
        SourceDBClusterSnapshotArn: snapshot.sourceArn,
    };
}
