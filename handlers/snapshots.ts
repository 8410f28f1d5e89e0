import { createHash } from "node:crypto";
import { ENGINE_NAMES, EngineName, isSnapshotOfEngine } from "./engines";

export const MANAGED_BY_TAG = "managed-by";
export const SOURCE_ARN_TAG = "snapshot-refresh:source-arn";
export const INSTANCE_TAG = "snapshot-refresh:instance";

/** The tags of every snapshot an instance makes: who made it and, for a copy, from what. */
export function copyTags(instanceName: string, sourceArn?: string): Record<string, string> {
    return { [MANAGED_BY_TAG]: "snapshot-refresh", ...(sourceArn ? { [SOURCE_ARN_TAG]: sourceArn } : {}), [INSTANCE_TAG]: instanceName };
}

/** A cluster snapshot as both engines describe it, reduced to what a refresh decides on. */
export interface ClusterSnapshot {
    /** For a snapshot of this account its identifier; for a shared one AWS reports its ARN here. */
    identifier: string;
    arn: string;
    clusterIdentifier?: string;
    /** The `Engine` value: `aurora-postgresql`, `docdb`, ... */
    engine: string;
    status: string;
    /** Absent while the snapshot is still being created or copied. */
    createdAt?: Date;
    encrypted: boolean;
    kmsKeyId?: string;
    /** For a copy: the ARN of the snapshot it was copied from. */
    sourceArn?: string;
    /** Its tags, where the listing reports them (RDS does; absent otherwise). */
    tags?: Record<string, string>;
}

/** Where a snapshot stands for a restore. */
export type SnapshotState = "available" | "in-progress" | "deleting" | "failed";

/** An array, not a Set: a module-level Set does not survive the serialization of an inline Lambda. */
const IN_PROGRESS_STATUSES: readonly string[] = ["creating", "copying", "pending"];

/** Statuses other than these never become available (`failed`, `incompatible-*`, ...). */
export function snapshotState(snapshot: Pick<ClusterSnapshot, "status">): SnapshotState {
    const status = snapshot.status.toLowerCase();
    if (status === "available") return "available";
    if (IN_PROGRESS_STATUSES.includes(status)) return "in-progress";
    if (status === "deleting") return "deleting";
    return "failed";
}

/** The account id an RDS ARN names, or undefined for anything that is not an ARN. */
export function accountOfArn(arn: string): string | undefined {
    const parts = arn.split(":");
    return parts.length >= 6 && parts[0] === "arn" ? parts[4] : undefined;
}

/** The identifier a snapshot has in its own account: the last part of its ARN. */
export function identifierInOwnAccount(arn: string): string {
    return arn.slice(arn.indexOf(":cluster-snapshot:") + ":cluster-snapshot:".length);
}

export interface SharedSnapshotFilter {
    engine: EngineName;
    sourceAccountId: string;
    /** Empty: every cluster of the engine. */
    sourceClusters: readonly string[];
    /** When set, only snapshots whose identifier in the source account starts with it: what its SnapshotShare made. */
    identifierPrefix?: string;
}

/**
 * Whether a shared snapshot may be used at all: of the engine, from the source account (anyone can share a
 * snapshot with any account), named as the source's SnapshotShare names them (when known), from a followed
 * cluster, and finished.
 */
export function isUsableShared(snapshot: ClusterSnapshot, filter: SharedSnapshotFilter): boolean {
    return (
        isSnapshotOfEngine(filter.engine, snapshot.engine) &&
        accountOfArn(snapshot.arn) === filter.sourceAccountId &&
        (filter.identifierPrefix === undefined || identifierInOwnAccount(snapshot.arn).startsWith(filter.identifierPrefix)) &&
        isOfFollowedCluster(snapshot, filter.sourceClusters) &&
        snapshotState(snapshot) === "available" &&
        snapshot.createdAt !== undefined
    );
}

/**
 * Whether a snapshot (or a copy, which keeps its source's cluster identifier) is of a cluster the engine
 * follows. Empty `sourceClusters` follows every cluster.
 */
export function isOfFollowedCluster(snapshot: Pick<ClusterSnapshot, "clusterIdentifier">, sourceClusters: readonly string[]): boolean {
    return sourceClusters.length === 0 || (snapshot.clusterIdentifier !== undefined && sourceClusters.includes(snapshot.clusterIdentifier));
}

/** Newest by `SnapshotCreateTime`; equal times are broken by ARN so the choice never depends on list order. */
export function isNewer(candidate: ClusterSnapshot, than: ClusterSnapshot | undefined): boolean {
    if (than === undefined) return true;
    const difference = (candidate.createdAt?.getTime() ?? 0) - (than.createdAt?.getTime() ?? 0);
    return difference > 0 || (difference === 0 && candidate.arn > than.arn);
}

/** What a copy's identifier says about the snapshot it was copied from. */
export interface CopyIdentity {
    engine: EngineName;
    /** The source snapshot's `SnapshotCreateTime`, to the second. */
    sourceCreatedAt: Date;
}

/**
 * The identifier of this instance's copy of a source snapshot. It is derived from the source alone, so a rerun
 * finds the copy it already started instead of starting another, and it carries the source's creation time, so
 * copies sort by the age of the data they hold even while a copy has no `SnapshotCreateTime` of its own.
 * At most 63 characters, the shortest identifier limit of the two engines.
 */
export function copyIdentifier(prefix: string, engine: EngineName, source: Pick<ClusterSnapshot, "arn" | "createdAt">): string {
    if (source.createdAt === undefined) throw new Error(`snapshot ${source.arn} has no creation time yet`);
    const stamp = source.createdAt.toISOString().slice(0, 19).replace(/[-:]/g, "").toLowerCase();
    const digest = createHash("sha256").update(source.arn).digest("hex").slice(0, 8);
    return `${prefix}${engine}-${stamp}-${digest}`;
}

/** Reads back an identifier made by {@link copyIdentifier} with this prefix; undefined for anything else. */
export function parseCopyIdentifier(prefix: string, identifier: string): CopyIdentity | undefined {
    if (!identifier.startsWith(prefix)) return undefined;
    const match = new RegExp(`^(${ENGINE_NAMES.join("|")})-(\\d{4})(\\d{2})(\\d{2})t(\\d{2})(\\d{2})(\\d{2})-[0-9a-f]{8}$`)
        .exec(identifier.slice(prefix.length));
    if (!match) return undefined;
    const [, engine, year, month, day, hour, minute, second] = match;
    const sourceCreatedAt = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
    if (Number.isNaN(sourceCreatedAt.getTime())) return undefined;
    return { engine: engine as EngineName, sourceCreatedAt };
}

/** Whether a parameter value names this snapshot, by identifier or by ARN. */
export function names(value: string | undefined, snapshot: Pick<ClusterSnapshot, "identifier" | "arn">): boolean {
    return value !== undefined && (value === snapshot.identifier || value === snapshot.arn);
}

/** A copy made by an instance, with the creation time of its source that its identifier carries. */
export interface DatedCopy {
    snapshot: ClusterSnapshot;
    sourceCreatedAt: Date;
}

/** A copy made by this refresh instance, with what its identifier says about its source. */
export interface OwnCopy extends DatedCopy {
    /** Whether its source cluster is one the engine follows: only those may become `latest`, a target or a fallback. */
    followed: boolean;
}

/** Newest data first. */
export function byNewestSource(a: DatedCopy, b: DatedCopy): number {
    return b.sourceCreatedAt.getTime() - a.sourceCreatedAt.getTime() || b.snapshot.identifier.localeCompare(a.snapshot.identifier);
}

/**
 * Which own copies to delete: keep the newest `keep` available copies of followed clusters, everything still in
 * progress or being deleted, and, beyond those, whatever a parameter names (deleting what `current` names can
 * make the next deployment try to recreate the cluster). Failed copies are never kept: they hold nothing and
 * their identifier blocks a new copy. Copies of clusters no longer followed count for nothing.
 */
export function copiesToDelete(copies: readonly OwnCopy[], keep: number, protectedValues: readonly (string | undefined)[]): OwnCopy[] {
    let availableKept = 0;
    const doomed: OwnCopy[] = [];
    for (const copy of [...copies].sort(byNewestSource)) {
        const state = snapshotState(copy.snapshot);
        const isProtected = protectedValues.some((value) => names(value, copy.snapshot));
        if (state === "in-progress" || state === "deleting") continue;
        if (state === "available" && copy.followed && availableKept < keep) {
            availableKept += 1;
            continue;
        }
        if (!isProtected) doomed.push(copy);
    }
    return doomed;
}
