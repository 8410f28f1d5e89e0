import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { ENGINE_NAMES, EngineName, isSnapshotOfEngine } from "../engines";
import { awsErrorName, describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { PauseReport, pauseReport, PauseState } from "../pause";
import { withPartialSummary } from "../run-summary";
import { byNewestSource, ClusterSnapshot, copyIdentifier, copyTags, snapshotState } from "../snapshots";
import { Inventory, readInventory, ShareCopy } from "./inventory";
import { candidateOf, clusterKey, copiesByCluster, exactSharing, retainedCopies, servedFreshSnapshots } from "./retention";
import { SharedCluster, ShareSettings } from "./settings";
import { findSource } from "./source";

export interface ShareRun {
    /** The execution's name: `share-2026-12-06`; `manual-<request id>` for a run by hand. */
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
    /** Whether the instance is paused: a paused run changes nothing, a dry run says it is paused. */
    pause: PauseState;
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

/** What the pause means for a run's summary: why nothing changed, or that a pause has ended. */
/** What a run did. */
export interface ShareRunSummary extends PauseReport {
    cycle: string;
    /**
     * `waiting`: a snapshot or copy is in progress, and the cycle checks again at `nextCheckAt`; `failed`: some
     * cluster was not shared (the run then ends in ShareFailedError); `paused`: nothing was read or changed.
     */
    outcome: "shared" | "waiting" | "failed" | "paused";
    /** Per configured cluster, in the configuration's order; none when paused. */
    clusters: ClusterShareReport[];
    sharingChanges: SharingChange[];
    /** Snapshots this run deleted: shared copies beyond keepShared, failed copies, fresh snapshots that served. */
    deleted: string[];
    /** Cleanup that failed: the sharing itself is done, the next run tries again. */
    warnings: string[];
    nextCheckAt?: string;
}

/** A copy a dry run would start. */
export interface PlannedCopy {
    /** The source snapshot's identifier. */
    from: string;
    /** The copy's identifier. */
    to: string;
    /** The key it would be encrypted with: the share key; absent for an unencrypted source, whose copy stays unencrypted. */
    kmsKeyArn?: string;
}

/** A copy beyond keepShared: unshared from these accounts, then deleted. */
export interface RetiredCopy {
    snapshot: string;
    unshareFrom: string[];
}

/** What a run would do for one cluster, found by a dry run that changed nothing. */
export interface ClusterSharePlan {
    engine: EngineName;
    cluster: string;
    /** `would-share`: the cycle would share a copy of the cluster's data, once it is available; `would-fail`: it would not, for `reason`. */
    outcome: "would-share" | "would-fail";
    /** Which snapshot a run would share and why it is the one, or why it would share none. */
    reason: string;
    source?: SourceSnapshot;
    /** The cycle's copy under the share key, existing or to be made; absent while the fresh snapshot it copies is not taken. */
    copy?: string;
    /** The fresh snapshot a run would take of the cluster (`source: fresh`). */
    wouldTakeSnapshot?: string;
    wouldCopy?: PlannedCopy;
    /** The accounts a run would add to and remove from the cycle's copy and the kept copies. */
    sharingChanges: SharingChange[];
    /** The copies beyond keepShared a run would unshare and delete, newest first. */
    beyondKeepShared: RetiredCopy[];
    /** Other snapshots a run would delete: a failed copy or fresh snapshot, fresh snapshots whose copy is done. */
    wouldDelete: string[];
    /** All of it in plain sentences, in the order a cycle would do it. */
    wouldDo: string[];
}

/** What a dry run found: what a run would do, per cluster. Nothing was changed. */
export interface ShareDryRunSummary extends PauseReport {
    cycle: string;
    outcome: "dry-run";
    /** Per configured cluster, in the configuration's order. */
    clusters: ClusterSharePlan[];
    /** What a run would warn of: copies of clusters no longer configured, which it would unshare and keep. */
    warnings: string[];
}

/** What one run of the share function returns: the execution's output, which the notifications read. */
export type ShareSummary = ShareRunSummary | ShareDryRunSummary;

/** The state of one run: what it knows of the account and what it changed. */
interface RunContext {
    settings: ShareSettings;
    run: ShareRun;
    apis: ClusterSnapshotApis;
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
 * that fails stops no other, and the run still fails at the end, saying why, with its summary attached.
 * A paused instance is left alone: the run reads and changes nothing.
 */
export async function shareSnapshots(settings: ShareSettings, run: ShareRun, apis: ClusterSnapshotApis): Promise<ShareRunSummary> {
    const nothingDone = { cycle: run.cycleName, clusters: [], sharingChanges: [], deleted: [], warnings: [], ...pauseReport(run.pause) };
    if (run.pause.paused) return { ...nothingDone, outcome: "paused" };
    let inventory: Inventory;
    try {
        inventory = await readInventory(apis.listing, settings.snapshotIdentifierPrefix, settings.instanceName);
    } catch (error) {
        const failure = isTransientAwsError(error)
            ? transientFailure("nothing was copied, shared or deleted: the account's manual snapshots could not be listed", [error])
            : refreshError("ShareFailedError", `nothing was copied, shared or deleted: the account's manual snapshots could not be listed (rds:DescribeDBClusterSnapshots): ${describeError(error)}`, error);
        throw withPartialSummary(failure, { ...nothingDone, outcome: "failed" });
    }
    const context: RunContext = { settings, run, apis, inventory, sharingChanges: [], deleted: [], deletionsTried: [], warnings: [] };
    const clusters: ClusterShareReport[] = [];
    // One cluster at a time: a few calls each, and the order of the report follows the configuration.
    for (const cluster of settings.clusters) clusters.push(await shareCluster(context, cluster));
    await keepNewestShared(context, clusters);

    const waiting = clusters.some((cluster) => cluster.outcome === "waiting");
    const failed = clusters.filter((cluster) => cluster.outcome === "failed");
    const nextCheck = run.waitUntil === undefined ? undefined : new Date(Math.min(run.now.getTime() + settings.copyRecheckMinutes * 60_000, run.waitUntil.getTime()));
    const summary: ShareRunSummary = {
        ...nothingDone,
        outcome: waiting ? "waiting" : failed.length > 0 ? "failed" : "shared",
        clusters,
        sharingChanges: context.sharingChanges,
        deleted: context.deleted,
        warnings: context.warnings,
        ...(waiting && nextCheck ? { nextCheckAt: nextCheck.toISOString() } : {}),
    };
    if (waiting || failed.length === 0) return summary;
    throw withPartialSummary(refreshError(
        "ShareFailedError",
        `share cycle ${run.cycleName} did not share ${failed.map((cluster) => `${cluster.engine} cluster ${cluster.cluster}: ${cluster.reason}`).join("; ")}`,
    ), summary);
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
    const api = context.apis.snapshots(cluster.engine);
    const found = progress.source !== undefined ? { source: progress.source } : await sourceStep(context, cluster, api);
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

/** The cycle's source snapshot of a cluster, taking the fresh snapshot it needs; or the step that stands for its absence. */
async function sourceStep(context: RunContext, cluster: SharedCluster, api: ClusterSnapshotApi): Promise<{ source: SourceSnapshot } | Step> {
    const finding = await findSource(context.settings, context.run, context.inventory, cluster, api);
    switch (finding.kind) {
        case "available":
            return { source: sourceOf(finding.snapshot) };
        case "none":
            return { outcome: "failed", reason: finding.reason };
        case "to-take":
            return takeFreshSnapshot(context, cluster, api, finding.identifier);
        case "in-progress":
            return { outcome: "waiting", reason: `fresh snapshot ${finding.snapshot.identifier} of ${cluster.clusterIdentifier} is ${finding.snapshot.status}` };
        case "failed": {
            const identifier = finding.snapshot.identifier;
            await deleteSnapshot(context, api, identifier, "a failed fresh snapshot");
            return { outcome: "failed", reason: `fresh snapshot ${identifier} of ${cluster.clusterIdentifier} ended ${finding.snapshot.status}; it was deleted, and the next cycle takes another` };
        }
    }
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

export function sourceOf(snapshot: ClusterSnapshot): SourceSnapshot {
    return { identifier: snapshot.identifier, arn: snapshot.arn, createdAt: snapshot.createdAt!.toISOString(), encrypted: snapshot.encrypted };
}

/** Shares a snapshot with exactly the target accounts: adds the missing ones, removes any other (and `all`). */
async function shareExactly(context: RunContext, api: ClusterSnapshotApi, identifier: string): Promise<void> {
    const { added, removed } = exactSharing(await api.sharedWith(identifier), context.settings.targetAccountIds);
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
    const configured = settings.clusters.map((cluster) => clusterKey(cluster.engine, cluster.clusterIdentifier));
    for (const [key, copies] of copiesByCluster(context.inventory.copies)) {
        const api = context.apis.snapshots(copies[0].engine);
        const available = copies.filter((copy) => snapshotState(copy.snapshot) === "available").sort(byNewestSource);
        if (!configured.includes(key)) {
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

async function keepNewestOfCluster(
    context: RunContext,
    api: ClusterSnapshotApi,
    available: readonly ShareCopy[],
    report: ClusterShareReport | undefined,
    firstRun: boolean,
): Promise<void> {
    const { keepShared, targetAccountIds } = context.settings;
    const { kept, beyond } = retainedCopies(available.map(candidateOf), keepShared, report?.outcome === "shared" ? report.copy : undefined);
    if (!firstRun && beyond.length === 0) return;
    let everyKeptShared = true;
    for (const { identifier } of kept) {
        if (identifier === report?.copy) {
            everyKeptShared &&= report.outcome === "shared";
            continue;
        }
        try {
            await shareExactly(context, api, identifier);
        } catch (error) {
            everyKeptShared = false;
            context.warnings.push(`could not share ${identifier} with exactly ${targetAccountIds.join(", ")}: ${describeError(error)}; the next run tries again`);
        }
    }
    if (!everyKeptShared) return;
    for (const { identifier } of beyond) {
        try {
            await unshareAndDelete(context, api, identifier);
        } catch (error) {
            context.warnings.push(`could not unshare and delete ${identifier}, beyond keepShared: ${describeError(error)}; the next run tries again`);
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

async function deleteServedFreshSnapshots(context: RunContext): Promise<void> {
    for (const fresh of servedFreshSnapshots(context.inventory, context.deletionsTried)) {
        await deleteSnapshot(context, snapshotApiOf(context.apis, fresh), fresh.identifier, "a fresh snapshot whose copy is done");
    }
}

/** The RDS endpoint deletes any engine's cluster snapshot; an engine's own API is used wherever it is known. */
function snapshotApiOf(apis: ClusterSnapshotApis, snapshot: ClusterSnapshot): ClusterSnapshotApi {
    const engine = ENGINE_NAMES.find((name) => isSnapshotOfEngine(name, snapshot.engine));
    return engine !== undefined ? apis.snapshots(engine) : apis.listing;
}
