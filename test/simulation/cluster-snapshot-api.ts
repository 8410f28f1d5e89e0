/**
 * The RDS control plane's cluster snapshot API as every simulated account's clients see it: one implementation
 * behind both the RDS and the DocumentDB client (the same endpoint serves both engines, and DocumentDB ignores
 * `Filters`), answering in the SDK's output shapes and failing with the SDK's errors. It knows the accounts'
 * clusters (to snapshot them) and their KMS keys (to decide who may copy an encrypted snapshot).
 */
import { DBClusterSnapshot as DocDbClusterSnapshot } from "@aws-sdk/client-docdb";
import { DBClusterSnapshot as RdsClusterSnapshot } from "@aws-sdk/client-rds";
import { Caller, clusterSnapshotArn, isArn, REGION } from "./accounts";
import { SnapshotClient, snapshotError } from "./aws-errors";
import { KmsKey, KmsKeys } from "./kms";
import {
    isManual,
    isPublic,
    isSharedWith,
    progressAt,
    PUBLIC,
    restoreAttributeAt,
    SnapshotStore,
    statusAt,
    StoredSnapshot,
} from "./snapshot-store";
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

export interface CreateRequest {
    DBClusterIdentifier?: string;
    DBClusterSnapshotIdentifier?: string;
    Tags?: { Key?: string; Value?: string }[];
}

export interface ModifyAttributeRequest {
    DBClusterSnapshotIdentifier?: string;
    AttributeName?: string;
    ValuesToAdd?: string[];
    ValuesToRemove?: string[];
}

export interface DescribeAttributesRequest {
    DBClusterSnapshotIdentifier?: string;
}

/** What ModifyDBClusterSnapshotAttribute and DescribeDBClusterSnapshotAttributes answer, in both SDKs' shape. */
export interface AttributesAnswer {
    DBClusterSnapshotAttributesResult: {
        DBClusterSnapshotIdentifier: string;
        DBClusterSnapshotAttributes: { AttributeName: string; AttributeValues: string[] }[];
    };
}

export interface DescribeAnswer {
    DBClusterSnapshots: DescribedSnapshot[];
    Marker?: string;
}

/** How long a copy or a new snapshot takes and how it ends. */
export interface SnapshotTiming {
    minutes: number;
    outcome: "available" | "failed";
}

/** Decides the timing of one copy, or leaves it to the next rule (and finally the default). */
export type CopyTimingRule = (copy: { sourceArn: string; targetIdentifier: string; caller: Caller; at: Date }) => SnapshotTiming | undefined;

/** Decides the timing of one CreateDBClusterSnapshot, or leaves it to the next rule (and finally the default). */
export type CreationTimingRule = (creation: { clusterIdentifier: string; targetIdentifier: string; caller: Caller; at: Date }) => SnapshotTiming | undefined;

export interface ClusterSnapshotApiOptions {
    /** Manual cluster snapshots an account may hold (per Region), unless raised for that account. */
    manualSnapshotQuota: number;
    quotaOverrides: Record<string, number>;
    /** Copies an account may have in progress at once. */
    concurrentCopyLimit: number;
    defaultCopy: SnapshotTiming;
    /** How CreateDBClusterSnapshot goes when no creation rule decides. Default: {@link DEFAULT_CREATION}. */
    defaultCreation?: SnapshotTiming;
}

/** A DB cluster of a simulated account: what CreateDBClusterSnapshot and the automated backups snapshot. */
export interface SimulatedCluster {
    account: string;
    identifier: string;
    /** The `Engine` value: `aurora-postgresql`, `docdb`, ... */
    engine: string;
    engineVersion: string;
    /** The key the cluster's storage, and so its every snapshot, is encrypted with; unencrypted when absent. */
    kmsKeyId?: string;
}

const DEFAULT_CREATION: SnapshotTiming = { minutes: 30, outcome: "available" };
/** Who takes and expires automated snapshots, as the store records it. */
const AUTOMATED_BACKUPS = "automated backups";
/** Accounts one manual snapshot may be shared with (`all` aside). */
const SHARED_ACCOUNTS_LIMIT = 20;

const MAX_RECORDS = 100;
const MIN_RECORDS = 20;
const IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/;
const ACCOUNT_ID = /^\d{12}$/;
const RESTORE_ATTRIBUTE = "restore";

export class ClusterSnapshotApi {
    /** Consulted first to last for each new copy; the first that answers decides. */
    readonly copyTimingRules: CopyTimingRule[] = [];
    /** Consulted first to last for each CreateDBClusterSnapshot; the first that answers decides. */
    readonly creationTimingRules: CreationTimingRule[] = [];
    /** The clusters of every account, by `<account>/<identifier>`. */
    private readonly clusters = new Map<string, SimulatedCluster>();

    constructor(
        private readonly store: SnapshotStore,
        private readonly timeline: Timeline,
        private readonly keys: KmsKeys,
        private readonly options: ClusterSnapshotApiOptions,
    ) {}

    /** Makes a cluster known, so it can be snapshotted. */
    registerCluster(cluster: SimulatedCluster): void {
        const identifier = cluster.identifier.toLowerCase();
        if (this.cluster(cluster.account, identifier) !== undefined) throw new Error(`cluster ${identifier} of ${cluster.account} is already registered`);
        this.clusters.set(clusterKey(cluster.account, identifier), { ...cluster, identifier });
    }

    cluster(account: string, identifier: string): SimulatedCluster | undefined {
        return this.clusters.get(clusterKey(account, identifier.toLowerCase()));
    }

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
        const targetKey = request.KmsKeyId === undefined ? undefined : this.ownKey(client, caller, request.KmsKeyId);
        if (foreign) this.checkSourceKeyUsable(client, caller, source);
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
            kmsKeyId: source.encrypted ? targetKey?.arn ?? source.kmsKeyId : undefined,
            sourceArn: source.arn,
            tags: tagsOf(request.Tags),
            createdBy: caller.label,
        });
        return { DBClusterSnapshot: describeSnapshot(copy, caller.account, now.getTime()) };
    }

    delete(client: SnapshotClient, caller: Caller, request: DeleteRequest): { DBClusterSnapshot: DescribedSnapshot } {
        const now = this.timeline.now();
        const identifier = request.DBClusterSnapshotIdentifier ?? "";
        const snapshot = isArn(identifier) ? undefined : this.store.own(caller.account, identifier);
        if (snapshot === undefined) throw snapshotError(client, "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${identifier} not found.`);
        if (!isManual(snapshot)) {
            throw snapshotError(client, "InvalidDBClusterSnapshotStateFault", `Only manual snapshots may be deleted: ${identifier} is an automated snapshot, which expires with the backup retention period.`);
        }
        if (statusAt(snapshot, now.getTime()) === "creating") {
            throw snapshotError(client, "InvalidDBClusterSnapshotStateFault", `Cannot delete the snapshot ${identifier} while it is being created.`);
        }
        const described = { ...describeSnapshot(snapshot, caller.account, now.getTime()), Status: "deleting" };
        // Deleting takes seconds; the fake has it gone at once.
        this.store.remove(snapshot, now, caller.label);
        return { DBClusterSnapshot: described };
    }

    /**
     * CreateDBClusterSnapshot of a cluster of the caller's account: the snapshot has the cluster's engine,
     * version and key, and takes as long as the creation rules (or the default) say.
     */
    createClusterSnapshot(client: SnapshotClient, caller: Caller, request: CreateRequest): { DBClusterSnapshot: DescribedSnapshot } {
        const now = this.timeline.now();
        const target = (request.DBClusterSnapshotIdentifier ?? "").toLowerCase();
        if (!IDENTIFIER.test(target)) {
            throw snapshotError(client, "InvalidParameterValue", `The parameter DBClusterSnapshotIdentifier is not a valid identifier: ${request.DBClusterSnapshotIdentifier}`);
        }
        const clusterIdentifier = request.DBClusterIdentifier ?? "";
        const cluster = this.cluster(caller.account, clusterIdentifier);
        if (cluster === undefined) throw snapshotError(client, "DBClusterNotFoundFault", `DBCluster ${clusterIdentifier} not found.`);
        const timing = this.creationTimingRules.map((rule) => rule({ clusterIdentifier: cluster.identifier, targetIdentifier: target, caller, at: now }))
            .find((found) => found !== undefined) ?? this.options.defaultCreation ?? DEFAULT_CREATION;
        const snapshot = this.addManualSnapshot(client, caller, {
            identifier: target,
            clusterIdentifier: cluster.identifier,
            engine: cluster.engine,
            engineVersion: cluster.engineVersion,
            kmsKeyId: cluster.kmsKeyId,
            timing,
            tags: tagsOf(request.Tags),
        });
        return { DBClusterSnapshot: describeSnapshot(snapshot, caller.account, now.getTime()) };
    }

    /**
     * CreateDBClusterSnapshot as the people and jobs of the simulated accounts call it, of any cluster, named or
     * not in the registry (the functions call it through the SDK, {@link createClusterSnapshot}).
     */
    createSnapshot(caller: Caller, snapshot: { identifier: string; clusterIdentifier: string; engine: string; engineVersion: string; minutes: number; kmsKeyId?: string }): StoredSnapshot {
        return this.addManualSnapshot("rds", caller, { ...snapshot, timing: { minutes: snapshot.minutes, outcome: "available" }, tags: {} });
    }

    /**
     * What a cluster's automated backups do each day: an automated snapshot named `rds:<cluster>-YYYY-MM-DD-HH-MM`
     * (UTC), with the cluster's engine, version and key, outside the manual snapshot quota.
     */
    takeAutomatedSnapshot(account: string, clusterIdentifier: string, minutes: number): StoredSnapshot {
        const cluster = this.cluster(account, clusterIdentifier);
        if (cluster === undefined) throw new Error(`cluster ${clusterIdentifier} of ${account} is not registered: it has no automated backups`);
        const now = this.timeline.now();
        const identifier = `rds:${cluster.identifier}-${now.toISOString().slice(0, 16).replace(/[T:]/g, "-")}`;
        return this.store.add({
            account,
            identifier,
            arn: clusterSnapshotArn(account, identifier),
            clusterIdentifier: cluster.identifier,
            engine: cluster.engine,
            engineVersion: cluster.engineVersion,
            kind: "automated",
            startedAt: now,
            readyAt: new Date(now.getTime() + minutes * 60_000),
            outcome: "available",
            encrypted: cluster.kmsKeyId !== undefined,
            kmsKeyId: cluster.kmsKeyId,
            tags: {},
            createdBy: AUTOMATED_BACKUPS,
        });
    }

    /** The backup retention period is over for an automated snapshot: AWS removes it. */
    expireAutomatedSnapshot(snapshot: StoredSnapshot): void {
        if (isManual(snapshot)) throw new Error(`${snapshot.arn} is a manual snapshot: it never expires`);
        this.store.remove(snapshot, this.timeline.now(), AUTOMATED_BACKUPS);
    }

    /**
     * ModifyDBClusterSnapshotAttribute: the owner of an available manual snapshot adds and removes accounts (or
     * `all`) of its `restore` attribute, at most {@link SHARED_ACCOUNTS_LIMIT} accounts. A snapshot under the
     * account's `aws/rds` key cannot be shared, nor an encrypted one made public. Removed values stay in the
     * snapshot's history with the time they were removed.
     */
    modifyAttribute(client: SnapshotClient, caller: Caller, request: ModifyAttributeRequest): AttributesAnswer {
        const now = this.timeline.now();
        const snapshot = this.ownSnapshot(client, caller, request.DBClusterSnapshotIdentifier);
        if (request.AttributeName !== RESTORE_ATTRIBUTE) {
            throw snapshotError(client, "InvalidParameterValue", `Invalid AttributeName ${request.AttributeName}: the only attribute of a DB cluster snapshot is ${RESTORE_ATTRIBUTE}.`);
        }
        const adding = request.ValuesToAdd ?? [];
        const removing = request.ValuesToRemove ?? [];
        const invalid = [...adding, ...removing].filter((value) => value !== PUBLIC && !ACCOUNT_ID.test(value));
        if (invalid.length > 0) {
            throw snapshotError(client, "InvalidParameterValue", `Invalid restore attribute values ${invalid.join(", ")}: each must be an AWS account id or ${PUBLIC}.`);
        }
        this.checkShareable(client, snapshot, now.getTime());
        if (adding.length > 0) this.checkShareableWith(client, snapshot, adding);
        const after = new Set(restoreAttributeAt(snapshot, now.getTime()).filter((value) => !removing.includes(value)));
        for (const value of adding) after.add(value);
        const accounts = [...after].filter((value) => value !== PUBLIC).length;
        if (accounts > SHARED_ACCOUNTS_LIMIT) {
            throw snapshotError(client, "SharedSnapshotQuotaExceededFault",
                `You have exceeded the maximum number of accounts (${SHARED_ACCOUNTS_LIMIT}) a DB cluster snapshot can be shared with: ${snapshot.identifier} would be shared with ${accounts}.`);
        }
        for (const share of snapshot.shares) {
            if (removing.includes(share.account) && share.revokedAt === undefined) share.revokedAt = now;
        }
        for (const value of new Set(adding)) {
            if (!isSharedWith(snapshot, value, now.getTime())) snapshot.shares.push({ account: value, at: now });
        }
        return attributesOf(snapshot, now.getTime());
    }

    /** DescribeDBClusterSnapshotAttributes: the `restore` values in force, for the snapshot's owner only. */
    describeAttributes(client: SnapshotClient, caller: Caller, request: DescribeAttributesRequest): AttributesAnswer {
        return attributesOf(this.ownSnapshot(client, caller, request.DBClusterSnapshotIdentifier), this.timeline.nowMs());
    }

    /** Shares a snapshot of the caller's with one account, as ModifyDBClusterSnapshotAttribute does (people and jobs). */
    share(caller: Caller, snapshot: StoredSnapshot, withAccount: string): void {
        if (snapshot.account !== caller.account) throw snapshotError("rds", "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${snapshot.identifier} not found.`);
        this.modifyAttribute("rds", caller, { DBClusterSnapshotIdentifier: snapshot.identifier, AttributeName: RESTORE_ATTRIBUTE, ValuesToAdd: [withAccount] });
    }

    deleteOwn(caller: Caller, identifier: string): void {
        this.delete("rds", caller, { DBClusterSnapshotIdentifier: identifier });
    }

    copiesInProgress(account: string, atMs: number): number {
        return this.store.ownedBy(account).filter((snapshot) => statusAt(snapshot, atMs) === "copying").length;
    }

    manualSnapshotCount(account: string): number {
        return this.store.manualOwnedBy(account).length;
    }

    private addManualSnapshot(
        client: SnapshotClient,
        caller: Caller,
        snapshot: { identifier: string; clusterIdentifier: string; engine: string; engineVersion: string; kmsKeyId?: string; timing: SnapshotTiming; tags: Record<string, string> },
    ): StoredSnapshot {
        const now = this.timeline.now();
        const identifier = snapshot.identifier.toLowerCase();
        this.checkManualQuota(client, caller.account);
        if (this.store.own(caller.account, identifier) !== undefined) {
            throw snapshotError(client, "DBClusterSnapshotAlreadyExistsFault", `Cannot create the snapshot because a snapshot with the identifier ${identifier} already exists.`);
        }
        return this.store.add({
            account: caller.account,
            identifier,
            arn: clusterSnapshotArn(caller.account, identifier),
            clusterIdentifier: snapshot.clusterIdentifier,
            engine: snapshot.engine,
            engineVersion: snapshot.engineVersion,
            kind: "snapshot",
            startedAt: now,
            readyAt: new Date(now.getTime() + snapshot.timing.minutes * 60_000),
            outcome: snapshot.timing.outcome,
            encrypted: snapshot.kmsKeyId !== undefined,
            kmsKeyId: snapshot.kmsKeyId,
            tags: snapshot.tags,
            createdBy: caller.label,
        });
    }

    /** A snapshot of the caller's own, by identifier: another account's snapshot is not found, whatever its ARN. */
    private ownSnapshot(client: SnapshotClient, caller: Caller, identifier: string | undefined): StoredSnapshot {
        const snapshot = identifier === undefined || isArn(identifier) ? undefined : this.store.own(caller.account, identifier);
        if (snapshot === undefined) throw snapshotError(client, "DBClusterSnapshotNotFoundFault", `DBClusterSnapshot ${identifier} not found.`);
        return snapshot;
    }

    /** Only a finished manual snapshot has a `restore` attribute to change. */
    private checkShareable(client: SnapshotClient, snapshot: StoredSnapshot, atMs: number): void {
        if (!isManual(snapshot)) {
            throw snapshotError(client, "InvalidDBClusterSnapshotStateFault",
                `${snapshot.identifier} is an automated snapshot, which cannot be shared: copy it to a manual snapshot and share the copy.`);
        }
        const status = statusAt(snapshot, atMs);
        if (status !== "available") throw snapshotError(client, "InvalidDBClusterSnapshotStateFault", `DBClusterSnapshot ${snapshot.identifier} is ${status}, not available.`);
    }

    private checkShareableWith(client: SnapshotClient, snapshot: StoredSnapshot, adding: readonly string[]): void {
        if (!snapshot.encrypted) return;
        if (this.keys.byArn(snapshot.kmsKeyId ?? "")?.awsManaged) {
            throw snapshotError(client, "InvalidParameterValue",
                `${snapshot.identifier} is encrypted with the AWS managed key aws/rds (${snapshot.kmsKeyId}), which cannot be shared: copy it under a customer managed key and share the copy.`);
        }
        if (adding.includes(PUBLIC)) throw snapshotError(client, "InvalidParameterValue", `${snapshot.identifier} is encrypted: an encrypted snapshot cannot be made public.`);
    }

    /** The key a copy is encrypted with: one of the caller's own account. */
    private ownKey(client: SnapshotClient, caller: Caller, reference: string): KmsKey {
        const key = this.keys.resolve(reference, caller.account);
        if (key === undefined || key.account !== caller.account) {
            throw snapshotError(client, "KMSKeyNotAccessibleFault", `The specified KMS key ${reference} does not exist, is not enabled or you do not have permissions to access it.`);
        }
        return key;
    }

    /** Another account's encrypted snapshot can be copied only when its key's policy lets the caller's account use the key. */
    private checkSourceKeyUsable(client: SnapshotClient, caller: Caller, source: StoredSnapshot): void {
        if (!source.encrypted) return;
        const key = this.keys.byArn(source.kmsKeyId ?? "");
        if (key === undefined || !this.keys.isUsableBy(key, caller.account)) {
            throw snapshotError(client, "KMSKeyNotAccessibleFault",
                `The source snapshot KMS key [${source.kmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`);
        }
    }

    private checkManualQuota(client: SnapshotClient, account: string): void {
        const quota = this.options.quotaOverrides[account] ?? this.options.manualSnapshotQuota;
        if (this.manualSnapshotCount(account) >= quota) {
            throw snapshotError(client, "SnapshotQuotaExceededFault", `Cannot create more than ${quota} manual snapshots`);
        }
    }

    /** A shared or public snapshot can only be named by its ARN; an own one (automated too) by identifier or ARN. */
    private copySource(name: string, account: string, atMs: number): StoredSnapshot | undefined {
        if (!isArn(name)) return this.store.own(account, name);
        const snapshot = this.store.byArn(name);
        if (snapshot === undefined) return undefined;
        return snapshot.account === account || isSharedWith(snapshot, account, atMs) || isPublic(snapshot, atMs) ? snapshot : undefined;
    }

    /**
     * What a listing of this type can show: own manual or automated snapshots, snapshots shared with the account,
     * public ones of others. Without a type: the account's own of both kinds, plus the shared and public ones
     * `IncludeShared` and `IncludePublic` ask for (which matter only then).
     */
    private visible(account: string, request: DescribeRequest, atMs: number): StoredSnapshot[] {
        switch (request.SnapshotType) {
            case "shared":
                return this.store.sharedWith(account, atMs);
            case "public":
                return this.store.publicFor(account, atMs);
            case "manual":
                return this.store.manualOwnedBy(account);
            case "automated":
                return this.store.automatedOwnedBy(account);
            case undefined:
                // A snapshot both shared with the account and public is listed once.
                return [...new Set([
                    ...this.store.ownedBy(account),
                    ...(request.IncludeShared ? this.store.sharedWith(account, atMs) : []),
                    ...(request.IncludePublic ? this.store.publicFor(account, atMs) : []),
                ])];
            default:
                // awsbackup: AWS Backup is not simulated.
                return [];
        }
    }
}

function clusterKey(account: string, identifier: string): string {
    return `${account}/${identifier}`;
}

function tagsOf(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
    return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? "", tag.Value ?? ""]));
}

function attributesOf(snapshot: StoredSnapshot, atMs: number): AttributesAnswer {
    return {
        DBClusterSnapshotAttributesResult: {
            DBClusterSnapshotIdentifier: snapshot.identifier,
            DBClusterSnapshotAttributes: [{ AttributeName: RESTORE_ATTRIBUTE, AttributeValues: restoreAttributeAt(snapshot, atMs) }],
        },
    };
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
function describeSnapshot(snapshot: StoredSnapshot, viewer: string, atMs: number): DescribedSnapshot {
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
        SnapshotType: snapshotTypeFor(snapshot, viewer, atMs),
        PercentProgress: progressAt(snapshot, atMs),
        StorageEncrypted: snapshot.encrypted,
        KmsKeyId: snapshot.kmsKeyId,
        DBClusterSnapshotArn: snapshot.arn,
        SourceDBClusterSnapshotArn: snapshot.sourceArn,
        // The RDS endpoint reports a snapshot's tags in its listings.
        TagList: Object.entries(snapshot.tags).map(([Key, Value]) => ({ Key, Value })),
    };
}

function snapshotTypeFor(snapshot: StoredSnapshot, viewer: string, atMs: number): string {
    if (snapshot.account !== viewer) return isSharedWith(snapshot, viewer, atMs) ? "shared" : "public";
    return isManual(snapshot) ? "manual" : "automated";
}
