import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { ENGINE_NAMES, EngineName, isSnapshotOfEngine } from "../engines";
import { awsErrorName, describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { Logger } from "../log";
import { byNewestSource, ClusterSnapshot, copyIdentifier, copyTags, isNewer, snapshotState } from "../snapshots";
import { freshSnapshotIdentifier, Inventory, readInventory, ShareCopy } from "./inventory";
import { SharedCluster, ShareSettings } from "./settings";

export interface ShareDependencies extends ClusterSnapshotApis {
    log: Logger;
}

export interface ShareRun {
    /** The execution's name: `share-2026-12-06`. */
    cycleName: string;
    /** The cycle's data is the newest each cluster had by then. */
    cycleStartedAt: Date;
    /**
     * Until when the cycle waits for snapshots and copies in progress; after it, what is not shared has failed.
     * Absent for a run by hand, which nothing checks again: it reports what is in progress and decides nothing.
     */
    waitUntil?: Date;
    now: Date;
    /** What the cycle's earlier run found, per cluster; absent for a cycle's first run. */
    previous?: ClusterShareReport[];
}

export type ClusterOutcome = "shared" | "waiting" | "failed";

/** The snapshot whose data a cycle shares for one cluster. */
export interface SourceSnapshot {
    identifier: string;
    arn: string;
    /** Its `SnapshotCreateTime`, ISO 8601: the age of the data. */
    createdAt: string;
    encrypted: boolean;
}

export interface ClusterShareReport {
    engine: EngineName;
    cluster: string;
    outcome: ClusterOutcome;
    /** What is awaited, what failed and what happens next, in a sentence. */
    reason: string;
    source?: SourceSnapshot;
    /** The cycle's copy of the source under the share key. */
    copy?: string;
}

/** One change to a snapshot's `restore` attribute. */
export interface SharingChange {
    snapshot: string;
    added: string[];
    removed: string[];
}

export interface ShareSummary {
    cycle: string;
    /**
     * `waiting`: a snapshot or copy is in progress, and the cycle checks again at `nextCheckAt`; `failed`: some
     * cluster was not shared (the run then ends in ShareFailedError).
     */
    outcome: "shared" | "waiting" | "failed";
    clusters: ClusterShareReport[];
    sharingChanges: SharingChange[];
    /** Snapshots this run deleted: shared copies beyond keepShared, failed copies, fresh snapshots that served. */
    deleted: string[];
    /** Cleanup that failed: the sharing itself is done, the next run tries again. */
    warnings: string[];
    nextCheckAt?: string;
}

/** The state of one run: what it knows of the account and what it changed. */
interface RunContext {
    settings: ShareSettings;
    run: ShareRun;
    dependencies: ShareDependencies;
    inventory: Inventory;
    sharingChanges: SharingChange[];
    deleted: string[];
    /** Every snapshot the run tried to delete, deleted or not: one attempt per run. */
    deletionsTried: string[];
    warnings: string[];
}

type Step = Pick<ClusterShareReport, "outcome" | "reason" | "source" | "copy">;

/**
 * The share function: per cluster, copies the cycle's source snapshot under the share key, waits for the copy,
 * and shares it with exactly the target accounts; then keeps the newest `keepShared` shared copies of each
 * cluster, unsharing and deleting older ones, and makes sure the kept ones are shared with exactly the targets
 * (an account removed from the configuration loses access at the next cycle). Clusters are independent: one
 * that fails stops no other, and the run still fails at the end, saying why.
 */
export async function shareSnapshots(settings: ShareSettings, run: ShareRun, dependencies: ShareDependencies): Promise<ShareSummary> {
    let inventory: Inventory;
    try {
        inventory = await readInventory(dependencies.listing, settings.snapshotIdentifierPrefix, settings.instanceName);
    } catch (error) {
        dependencies.log.error("share summary", { summary: { cycle: run.cycleName, error: describeError(error) } });
        if (isTransientAwsError(error)) throw transientFailure("nothing was copied, shared or deleted: the account's manual snapshots could not be listed", [error]);
        throw refreshError("ShareFailedError", `nothing was copied, shared or deleted: the account's manual snapshots could not be listed (rds:DescribeDBClusterSnapshots): ${describeError(error)}`, error);
    }
    const context: RunContext = { settings, run, dependencies, inventory, sharingChanges: [], deleted: [], deletionsTried: [], warnings: [] };
    const clusters: ClusterShareReport[] = [];
    // One cluster at a time: a few calls each, and the order of the log follows the configuration.
    for (const cluster of settings.clusters) clusters.push(await shareCluster(context, cluster));
    await keepNewestShared(context, clusters);

    const waiting = clusters.some((cluster) => cluster.outcome === "waiting");
    const failed = clusters.filter((cluster) => cluster.outcome === "failed");
    const nextCheck = run.waitUntil === undefined ? undefined : new Date(Math.min(run.now.getTime() + settings.copyRecheckMinutes * 60_000, run.waitUntil.getTime()));
    const summary: ShareSummary = {
        cycle: run.cycleName,
        outcome: waiting ? "waiting" : failed.length > 0 ? "failed" : "shared",
        clusters,
        sharingChanges: context.sharingChanges,
        deleted: context.deleted,
        warnings: context.warnings,
        ...(waiting && nextCheck ? { nextCheckAt: nextCheck.toISOString() } : {}),
    };
    dependencies.log[failed.length > 0 && !waiting ? "error" : context.warnings.length > 0 ? "warn" : "info"]("share summary", { summary });
    if (waiting || failed.length === 0) return summary;
    throw refreshError(
        "ShareFailedError",
        `share cycle ${run.cycleName} did not share ${failed.map((cluster) => `${cluster.engine} cluster ${cluster.cluster}: ${cluster.reason}`).join("; ")}`,
    );
}

/** One cluster's step of the cycle: what an earlier run decided stands. */
async function shareCluster(context: RunContext, cluster: SharedCluster): Promise<ClusterShareReport> {
    const earlier = context.run.previous?.find((report) => report.engine === cluster.engine && report.cluster === cluster.clusterIdentifier);
    if (earlier !== undefined && earlier.outcome !== "waiting") return earlier;
    // What the run has learnt so far: a failure part-way still reports the source and copy it found.
    const known: Pick<Step, "source" | "copy"> = { source: earlier?.source, copy: earlier?.copy };
    let step: Step;
    try {
        step = await advanceCluster(context, cluster, known);
    } catch (error) {
        step = isTransientAwsError(error)
            ? { ...known, outcome: "waiting", reason: `AWS throttled or could not answer (${describeError(error)}); the next check tries again` }
            : { ...known, outcome: "failed", reason: describeError(error) };
    }
    const { waitUntil, now } = context.run;
    if (step.outcome === "waiting" && waitUntil !== undefined && now >= waitUntil) {
        step = {
            ...step,
            outcome: "failed",
            reason: `${step.reason}, and the cycle's window ended at ${waitUntil.toISOString()}: the next cycle shares its own data ` +
                "(a copy that finishes in the meantime is shared then if it is among the newest keepShared)",
        };
    }
    return { engine: cluster.engine, cluster: cluster.clusterIdentifier, ...step };
}

/** Moves one cluster on as far as it goes now; records the source and the copy in `progress` as soon as they are known. */
async function advanceCluster(context: RunContext, cluster: SharedCluster, progress: Pick<Step, "source" | "copy">): Promise<Step> {
    const api = context.dependencies.snapshots(cluster.engine);
    const found = progress.source !== undefined ? { source: progress.source } : await findSource(context, cluster, api);
    if ("outcome" in found) return found;
    const { source } = found;
    const identifier = copyIdentifier(context.settings.snapshotIdentifierPrefix, cluster.engine, { arn: source.arn, createdAt: new Date(source.createdAt) });
    Object.assign(progress, { source, copy: identifier });
    const known = { source, copy: identifier };
    const copy = context.inventory.copies.find((candidate) => candidate.snapshot.identifier === identifier);
    if (copy === undefined) return { ...known, ...(await startShareCopy(context, api, source, identifier)) };
    switch (snapshotState(copy.snapshot)) {
        case "in-progress":
            return { ...known, outcome: "waiting", reason: `copy ${identifier} of ${source.identifier} is ${copy.snapshot.status}` };
        case "deleting":
            return { ...known, outcome: "waiting", reason: `copy ${identifier} is being deleted; the next check copies ${source.identifier} again` };
        case "failed": {
            await deleteSnapshot(context, api, identifier, "a failed copy");
            return {
                ...known,
                outcome: "failed",
                reason: `copy ${identifier} of ${source.identifier} ended ${copy.snapshot.status}; it was deleted, and the next cycle copies its own data again`,
            };
        }
        case "available": {
            await shareExactly(context, api, identifier);
            return {
                ...known,
                outcome: "shared",
                reason: `${identifier} holds the data of ${source.identifier} (taken ${source.createdAt}) and is shared with ${context.settings.targetAccountIds.join(", ")}`,
            };
        }
    }
}

/** The cycle's source snapshot of a cluster, or the step that stands for its absence. */
async function findSource(context: RunContext, cluster: SharedCluster, api: ClusterSnapshotApi): Promise<{ source: SourceSnapshot } | Step> {
    return context.settings.source === "automated" ? newestAutomated(context, cluster, api) : freshSnapshot(context, cluster, api);
}

/** The newest available automated snapshot taken by the cycle's start, by `SnapshotCreateTime`. */
async function newestAutomated(context: RunContext, cluster: SharedCluster, api: ClusterSnapshotApi): Promise<{ source: SourceSnapshot } | Step> {
    let newest: ClusterSnapshot | undefined;
    let otherEngine: string | undefined;
    for await (const page of api.automatedPages(cluster.clusterIdentifier)) {
        for (const snapshot of page) {
            if (!isSnapshotOfEngine(cluster.engine, snapshot.engine)) {
                otherEngine = snapshot.engine;
                continue;
            }
            if (snapshotState(snapshot) !== "available" || snapshot.createdAt === undefined || snapshot.createdAt > context.run.cycleStartedAt) continue;
            if (isNewer(snapshot, newest)) newest = snapshot;
        }
    }
    if (newest !== undefined) return { source: sourceOf(newest) };
    if (otherEngine !== undefined) return wrongEngine(cluster, otherEngine);
    return {
        outcome: "failed",
        reason: `${cluster.clusterIdentifier} has no available automated snapshot taken by the cycle's start (${context.run.cycleStartedAt.toISOString()}): ` +
            `check that it is a ${cluster.engine} cluster of this account and Region (snapshot-refresh:clusters) and that its automated backups are on`,
    };
}

/**
 * The manual snapshot the cycle takes of the cluster, taken now if the cycle has not yet. A run by hand has no
 * cycle to name it after: it carries on with the newest fresh snapshot of the cluster not yet copied, if any.
 */
async function freshSnapshot(context: RunContext, cluster: SharedCluster, api: ClusterSnapshotApi): Promise<{ source: SourceSnapshot } | Step> {
    const uncopied = context.run.waitUntil === undefined ? newestUncopiedFresh(context, cluster) : undefined;
    const identifier = uncopied?.identifier ?? freshSnapshotIdentifier(context.settings.snapshotIdentifierPrefix, cluster.clusterIdentifier, context.run.cycleStartedAt);
    const taken = context.inventory.fresh.find((snapshot) => snapshot.identifier === identifier);
    if (taken === undefined) return takeFreshSnapshot(context, cluster, api, identifier);
    if (!isSnapshotOfEngine(cluster.engine, taken.engine)) return wrongEngine(cluster, taken.engine);
    switch (snapshotState(taken)) {
        case "available":
            return { source: sourceOf(taken) };
        case "failed":
            await deleteSnapshot(context, api, identifier, "a failed fresh snapshot");
            return { outcome: "failed", reason: `fresh snapshot ${identifier} of ${cluster.clusterIdentifier} ended ${taken.status}; it was deleted, and the next cycle takes another` };
        default:
            return { outcome: "waiting", reason: `fresh snapshot ${identifier} of ${cluster.clusterIdentifier} is ${taken.status}` };
    }
}

function newestUncopiedFresh(context: RunContext, cluster: SharedCluster): ClusterSnapshot | undefined {
    const copied = new Set(context.inventory.copies.map((copy) => copy.snapshot.sourceArn));
    return context.inventory.fresh
        .filter((snapshot) => snapshot.clusterIdentifier === cluster.clusterIdentifier.toLowerCase() && !copied.has(snapshot.arn) && snapshotState(snapshot) !== "failed")
        .sort((a, b) => b.identifier.localeCompare(a.identifier))[0];
}

async function takeFreshSnapshot(context: RunContext, cluster: SharedCluster, api: ClusterSnapshotApi, identifier: string): Promise<Step> {
    try {
        await api.create(cluster.clusterIdentifier, identifier, copyTags(context.settings.instanceName));
        return { outcome: "waiting", reason: `taking fresh snapshot ${identifier} of ${cluster.clusterIdentifier}` };
    } catch (error) {
        switch (awsErrorName(error)) {
            case "DBClusterSnapshotAlreadyExistsFault":
                return { outcome: "waiting", reason: `fresh snapshot ${identifier} of ${cluster.clusterIdentifier} was just started by another run` };
            case "DBClusterNotFoundFault":
                return { outcome: "failed", reason: `${cluster.clusterIdentifier} is not a DB cluster of this account and Region: correct snapshot-refresh:clusters` };
            case "InvalidDBClusterStateFault":
                return { outcome: "waiting", reason: `${cluster.clusterIdentifier} cannot be snapshotted now (it is not available: stopped, or being modified): ${describeError(error)}` };
            case "SnapshotQuotaExceededFault":
                return { outcome: "waiting", reason: quotaReason(`snapshot ${cluster.clusterIdentifier}`, error) };
            default:
                throw error;
        }
    }
}

/**
 * Starts the copy of the source under the share key. An unencrypted source stays unencrypted: AWS refuses to
 * encrypt a cluster snapshot while copying it, and an unencrypted snapshot is shareable as it is.
 */
async function startShareCopy(context: RunContext, api: ClusterSnapshotApi, source: SourceSnapshot, identifier: string): Promise<Step> {
    const { settings } = context;
    try {
        await api.copy({
            sourceArn: source.arn,
            targetIdentifier: identifier,
            kmsKeyId: source.encrypted ? settings.kmsKeyArn : undefined,
            tags: copyTags(settings.instanceName, source.arn),
        });
        return { outcome: "waiting", reason: `started copying ${source.identifier} to ${identifier}${source.encrypted ? " under the share key" : ""}` };
    } catch (error) {
        switch (awsErrorName(error)) {
            case "DBClusterSnapshotAlreadyExistsFault":
                return { outcome: "waiting", reason: `copy ${identifier} of ${source.identifier} was just started by another run` };
            case "SnapshotQuotaExceededFault":
                return { outcome: "waiting", reason: quotaReason(`copy ${source.identifier}`, error) };
            case "KMSKeyNotAccessibleFault":
                return {
                    outcome: "failed",
                    reason: `cannot copy ${source.identifier}: a KMS key is not usable. The share key ${settings.kmsKeyArn} must be enabled, and the share ` +
                        "function's role allowed kms:CreateGrant and kms:DescribeKey on it and, through RDS, on the cluster's own key (pulumi up " +
                        "grants both for keys of this account; a cluster key of another account needs its key policy to allow this one). " +
                        `AWS said: ${describeError(error)}`,
                };
            default:
                if (isTransientAwsError(error)) throw error;
                return {
                    outcome: "failed",
                    reason: `cannot copy ${source.identifier} to ${identifier}: ${describeError(error)}. If AWS refused the permission, run ` +
                        "pulumi up for this stack (the share function's role names the configured clusters and its own snapshots); " +
                        "the next cycle tries again",
                };
        }
    }
}

function quotaReason(what: string, error: unknown): string {
    return `cannot ${what} yet: the account is at a snapshot quota (100 manual cluster snapshots per Region by default, and a few copies ` +
        "in progress at once). The share cycle deletes its own snapshots beyond keepShared once the new one is shared; delete manual snapshots " +
        `you no longer need, or raise the quota in Service Quotas, and the next check tries again. AWS said: ${describeError(error)}`;
}

function wrongEngine(cluster: SharedCluster, engineValue: string): Step {
    const engine = ENGINE_NAMES.find((name) => isSnapshotOfEngine(name, engineValue));
    return {
        outcome: "failed",
        reason: `${cluster.clusterIdentifier} is a ${engineValue} cluster, not ${cluster.engine}: ` +
            (engine !== undefined ? `list it under ${engine} in snapshot-refresh:clusters` : "snapshot-refresh shares only Aurora and DocumentDB clusters"),
    };
}

function sourceOf(snapshot: ClusterSnapshot): SourceSnapshot {
    return { identifier: snapshot.identifier, arn: snapshot.arn, createdAt: snapshot.createdAt!.toISOString(), encrypted: snapshot.encrypted };
}

/** Shares a snapshot with exactly the target accounts: adds the missing ones, removes any other (and `all`). */
async function shareExactly(context: RunContext, api: ClusterSnapshotApi, identifier: string): Promise<void> {
    const targets = context.settings.targetAccountIds;
    const current = await api.sharedWith(identifier);
    const added = targets.filter((account) => !current.includes(account));
    const removed = current.filter((account) => !targets.includes(account));
    if (added.length === 0 && removed.length === 0) return;
    await api.changeSharing(identifier, { add: added, remove: removed });
    context.sharingChanges.push({ snapshot: identifier, added, removed });
}

/** Whom a snapshot is shared with is taken away before it is deleted: no account keeps a moment's access to a dying copy. */
async function unshareAndDelete(context: RunContext, api: ClusterSnapshotApi, identifier: string): Promise<void> {
    const current = await api.sharedWith(identifier);
    if (current.length > 0) {
        await api.changeSharing(identifier, { add: [], remove: current });
        context.sharingChanges.push({ snapshot: identifier, added: [], removed: current });
    }
    await api.delete(identifier);
    context.deleted.push(identifier);
}

async function deleteSnapshot(context: RunContext, api: ClusterSnapshotApi, identifier: string, what: string): Promise<void> {
    context.deletionsTried.push(identifier);
    try {
        await api.delete(identifier);
        context.deleted.push(identifier);
    } catch (error) {
        if (awsErrorName(error) === "DBClusterSnapshotNotFoundFault") return;
        context.warnings.push(`could not delete ${what}, ${identifier}: ${describeError(error)}; the next run tries again`);
    }
}

/**
 * Per configured cluster, keeps the newest `keepShared` available copies (and the cycle's own) and deletes
 * older ones, unshared first, once every kept copy is shared with exactly the targets: the targets never have
 * fewer shared copies than before, and a removed account loses access to the kept ones at the next cycle. The
 * kept copies' sharing is made exact on a cycle's first run and before anything is deleted. Copies of a
 * cluster no longer configured are unshared, and kept for an operator to delete. Failed copies go; fresh
 * snapshots go once their copy is done.
 */
async function keepNewestShared(context: RunContext, reports: readonly ClusterShareReport[]): Promise<void> {
    const { settings, run } = context;
    const firstRun = run.previous === undefined;
    const groups = new Map<string, ShareCopy[]>();
    for (const copy of context.inventory.copies) {
        const key = clusterKey(copy.engine, copy.snapshot.clusterIdentifier ?? "");
        groups.set(key, [...(groups.get(key) ?? []), copy]);
    }
    const configured = new Set(settings.clusters.map((cluster) => clusterKey(cluster.engine, cluster.clusterIdentifier)));
    for (const [key, copies] of groups) {
        const api = context.dependencies.snapshots(copies[0].engine);
        const available = copies.filter((copy) => snapshotState(copy.snapshot) === "available").sort(byNewestSource);
        if (!configured.has(key)) {
            if (firstRun) await unshareUnconfigured(context, api, key, available);
        } else {
            await keepNewestOfCluster(context, api, available, reports.find((candidate) => copies.some((copy) => copy.snapshot.identifier === candidate.copy)), firstRun);
        }
        for (const copy of copies.filter((candidate) => snapshotState(candidate.snapshot) === "failed" && !context.deletionsTried.includes(candidate.snapshot.identifier))) {
            await deleteSnapshot(context, api, copy.snapshot.identifier, "a failed copy");
        }
    }
    await deleteServedFreshSnapshots(context);
}

function clusterKey(engine: EngineName, clusterIdentifier: string): string {
    return `${engine}/${clusterIdentifier.toLowerCase()}`;
}

async function keepNewestOfCluster(
    context: RunContext,
    api: ClusterSnapshotApi,
    available: readonly ShareCopy[],
    report: ClusterShareReport | undefined,
    firstRun: boolean,
): Promise<void> {
    const { keepShared, targetAccountIds } = context.settings;
    // The cycle's own copy stays, even when copies of newer data exist (from a run by hand with a later start).
    const isCycleCopy = (copy: ShareCopy) => copy.snapshot.identifier === report?.copy && report.outcome === "shared";
    const kept = [...available.slice(0, keepShared), ...available.slice(keepShared).filter(isCycleCopy)];
    const beyond = available.filter((copy) => !kept.includes(copy));
    if (!firstRun && beyond.length === 0) return;
    let everyKeptShared = true;
    for (const copy of kept) {
        if (copy.snapshot.identifier === report?.copy) {
            everyKeptShared &&= report.outcome === "shared";
            continue;
        }
        try {
            await shareExactly(context, api, copy.snapshot.identifier);
        } catch (error) {
            everyKeptShared = false;
            context.warnings.push(`could not share ${copy.snapshot.identifier} with exactly ${targetAccountIds.join(", ")}: ${describeError(error)}; the next run tries again`);
        }
    }
    if (!everyKeptShared) return;
    for (const copy of beyond) {
        try {
            await unshareAndDelete(context, api, copy.snapshot.identifier);
        } catch (error) {
            context.warnings.push(`could not unshare and delete ${copy.snapshot.identifier}, beyond keepShared: ${describeError(error)}; the next run tries again`);
        }
    }
}

/** A cluster taken out of the configuration stops being shared; what it holds is left for an operator. */
async function unshareUnconfigured(context: RunContext, api: ClusterSnapshotApi, key: string, available: readonly ShareCopy[]): Promise<void> {
    const unshared: string[] = [];
    for (const copy of available) {
        try {
            const current = await api.sharedWith(copy.snapshot.identifier);
            if (current.length === 0) continue;
            await api.changeSharing(copy.snapshot.identifier, { add: [], remove: current });
            context.sharingChanges.push({ snapshot: copy.snapshot.identifier, added: [], removed: current });
            unshared.push(copy.snapshot.identifier);
        } catch (error) {
            context.warnings.push(`could not unshare ${copy.snapshot.identifier} of ${key}, which is no longer in clusters: ${describeError(error)}; the next cycle tries again`);
        }
    }
    if (unshared.length > 0) {
        context.warnings.push(`${key} is no longer in clusters: its copies ${unshared.join(", ")} are no longer shared, and are kept; delete them when nothing needs them`);
    }
}

/**
 * A fresh snapshot serves until its copy holds the data: it goes once a copy of it is available (or failed: the
 * next cycle takes another), or once a newer fresh snapshot of its cluster has an available copy. Until then it
 * stays, whichever run took it, so a run by hand or a cycle that ran out of time can still copy it.
 */
async function deleteServedFreshSnapshots(context: RunContext): Promise<void> {
    const copies = context.inventory.copies;
    const copied = (fresh: ClusterSnapshot) => copies.some((copy) => copy.snapshot.sourceArn === fresh.arn && ["available", "failed"].includes(snapshotState(copy.snapshot)));
    const copiedAt = (fresh: ClusterSnapshot) => copies.some((copy) => copy.snapshot.sourceArn === fresh.arn && snapshotState(copy.snapshot) === "available");
    for (const fresh of context.inventory.fresh) {
        const state = snapshotState(fresh);
        if (state === "in-progress" || state === "deleting" || context.deletionsTried.includes(fresh.identifier)) continue;
        if (copies.some((copy) => copy.snapshot.sourceArn === fresh.arn && snapshotState(copy.snapshot) === "in-progress")) continue;
        const superseded = context.inventory.fresh.some((newer) => newer.clusterIdentifier === fresh.clusterIdentifier &&
            newer.identifier > fresh.identifier && copiedAt(newer));
        if (state !== "failed" && !copied(fresh) && !superseded) continue;
        const engine = ENGINE_NAMES.find((name) => isSnapshotOfEngine(name, fresh.engine));
        // The RDS endpoint deletes any engine's cluster snapshot; an engine's own API is used wherever it is known.
        const api = engine !== undefined ? context.dependencies.snapshots(engine) : context.dependencies.listing;
        await deleteSnapshot(context, api, fresh.identifier, "a fresh snapshot whose copy is done");
    }
}
