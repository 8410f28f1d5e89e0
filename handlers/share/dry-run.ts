import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { withPartialSummary } from "../run-summary";
import { byNewestSource, ClusterSnapshot, copyIdentifier, snapshotState } from "../snapshots";
import { Inventory, readInventory } from "./inventory";
import { candidateOf, clusterKey, copiesByCluster, exactSharing, RetentionCandidate, retainedCopies, servedFreshSnapshots } from "./retention";
import { SharedCluster, ShareSettings } from "./settings";
import { pauseReport } from "../pause";
import { ClusterSharePlan, ShareDryRunSummary, ShareRun, SharingChange, SourceSnapshot, sourceOf } from "./share-snapshots";
import { findSource } from "./source";

/** What a dry run knows of the account, and what it found the run would do outside the configured clusters. */
interface PlanContext {
    settings: ShareSettings;
    run: ShareRun;
    apis: ClusterSnapshotApis;
    inventory: Inventory;
    warnings: string[];
}

/** The cycle's copy of a cluster as the plan sees it: the one that, once shared, counts among the kept. */
interface CycleCopy {
    /** Absent while the fresh snapshot it copies is not taken: its name depends on when that snapshot is taken. */
    identifier?: string;
    /** Whether it is available now, so that this run shares it; otherwise a later check of the cycle does. */
    availableNow: boolean;
    /** The age of its data, which places it among the kept copies. */
    sourceCreatedAt: Date;
}

/** How the plan names the cycle's copy before its identifier is known. */
const UNNAMED_CYCLE_COPY = "the cycle's copy";

/**
 * The share function's dry run: reads the account as a run would (listings and sharing, nothing else), and
 * reports per cluster what the cycle would do, from the snapshot it would pick to the copies it would unshare and
 * delete, changing nothing. It covers the whole cycle, not only this run: where the cycle's copy is not available
 * yet, it says what the check that finds it available would share and delete. It never reports `waiting`, so a
 * cycle started with `{"dryRun": true}` ends after it.
 */
export async function planShare(settings: ShareSettings, run: ShareRun, apis: ClusterSnapshotApis): Promise<ShareDryRunSummary> {
    const summary: ShareDryRunSummary = { cycle: run.cycleName, outcome: "dry-run", clusters: [], warnings: [], ...pauseReport(run.pause) };
    try {
        const inventory = await readInventory(apis.listing, settings.snapshotIdentifierPrefix, settings.instanceName);
        const context: PlanContext = { settings, run, apis, inventory, warnings: summary.warnings };
        for (const cluster of settings.clusters) summary.clusters.push(await planCluster(context, cluster));
        await planUnconfigured(context);
        return summary;
    } catch (error) {
        const failure = isTransientAwsError(error)
            ? transientFailure("the dry run changed nothing, and could not read all it needs", [error])
            : refreshError("ShareFailedError", `the dry run changed nothing, and could not read all it needs: ${describeError(error)}`, error);
        throw withPartialSummary(failure, summary);
    }
}

async function planCluster(context: PlanContext, cluster: SharedCluster): Promise<ClusterSharePlan> {
    const plan: ClusterSharePlan = {
        engine: cluster.engine,
        cluster: cluster.clusterIdentifier,
        outcome: "would-share",
        reason: "",
        sharingChanges: [],
        beyondKeepShared: [],
        wouldDelete: [],
        wouldDo: [],
    };
    const api = context.apis.snapshots(cluster.engine);
    let cycleCopy: CycleCopy | undefined;
    try {
        cycleCopy = await planCycleCopy(context, cluster, api, plan);
    } catch (error) {
        // What a run would record as the cluster's failure; AWS not answering says nothing of the run: the dry run fails.
        if (isTransientAwsError(error)) throw error;
        wouldFail(plan, describeError(error));
    }
    await planRetention(context, cluster, api, plan, cycleCopy);
    const served = servedFreshSnapshots(context.inventory, plan.wouldDelete)
        .filter((fresh) => fresh.clusterIdentifier === cluster.clusterIdentifier.toLowerCase());
    for (const fresh of served) {
        plan.wouldDelete.push(fresh.identifier);
        plan.wouldDo.push(`Would delete fresh snapshot ${fresh.identifier}, ${snapshotState(fresh) === "failed" ? `which ended ${fresh.status}` : "whose copy is done"}.`);
    }
    return plan;
}

function wouldFail(plan: ClusterSharePlan, reason: string): void {
    plan.outcome = "would-fail";
    plan.reason = reason;
    plan.wouldDo.push(`Would share nothing of ${plan.cluster}: ${reason}.`);
}

/** The source and the cycle's copy: what a run would take, copy and share. Undefined when it would share nothing. */
async function planCycleCopy(context: PlanContext, cluster: SharedCluster, api: ClusterSnapshotApi, plan: ClusterSharePlan): Promise<CycleCopy | undefined> {
    const { settings, run, inventory } = context;
    const targets = settings.targetAccountIds.join(", ");
    const finding = await findSource(settings, run, inventory, cluster, api);
    switch (finding.kind) {
        case "none":
            wouldFail(plan, finding.reason);
            return undefined;
        case "failed": {
            const { identifier, status } = finding.snapshot;
            plan.wouldDelete.push(identifier);
            plan.wouldDo.push(`Would delete fresh snapshot ${identifier}, which ended ${status}.`);
            wouldFail(plan, `fresh snapshot ${identifier} of ${cluster.clusterIdentifier} ended ${status}; the next cycle takes another`);
            return undefined;
        }
        case "to-take":
            plan.wouldTakeSnapshot = finding.identifier;
            plan.reason = `the cycle takes a fresh snapshot of ${cluster.clusterIdentifier} (source: fresh), ${finding.identifier}`;
            plan.wouldDo.push(
                `Would take fresh snapshot ${finding.identifier} of ${cluster.clusterIdentifier}.`,
                `Would copy it under the share key once it is available, and share the copy with exactly ${targets} once that is available.`,
            );
            planFreshSourceDeletion(plan, finding.identifier);
            return { availableNow: false, sourceCreatedAt: run.now };
        case "in-progress": {
            const { identifier, status } = finding.snapshot;
            plan.reason = `fresh snapshot ${identifier} of ${cluster.clusterIdentifier}, which is ${status}`;
            plan.wouldDo.push(`Would wait for fresh snapshot ${identifier}, which is ${status}, copy it under the share key, and share the copy with exactly ${targets} once that is available.`);
            planFreshSourceDeletion(plan, identifier);
            return { availableNow: false, sourceCreatedAt: run.now };
        }
        case "available":
            plan.source = sourceOf(finding.snapshot);
            plan.reason = `${finding.snapshot.identifier} (taken ${plan.source.createdAt}) is ${finding.why}`;
            return planCopyOf(context, cluster, api, plan, plan.source, finding.snapshot);
    }
}

async function planCopyOf(
    context: PlanContext,
    cluster: SharedCluster,
    api: ClusterSnapshotApi,
    plan: ClusterSharePlan,
    source: SourceSnapshot,
    sourceSnapshot: ClusterSnapshot,
): Promise<CycleCopy | undefined> {
    const { settings, inventory } = context;
    const targets = settings.targetAccountIds;
    const identifier = copyIdentifier(settings.snapshotIdentifierPrefix, cluster.engine, { arn: source.arn, createdAt: new Date(source.createdAt) });
    plan.copy = identifier;
    const pending: CycleCopy = { identifier, availableNow: false, sourceCreatedAt: new Date(source.createdAt) };
    const existing = inventory.copies.find((candidate) => candidate.snapshot.identifier === identifier);
    if (settings.source === "fresh") planFreshSourceDeletion(plan, sourceSnapshot.identifier, existing);
    if (existing === undefined) {
        planCopy(plan, source, identifier, settings);
        planSharingOnceAvailable(plan, identifier, targets);
        return pending;
    }
    switch (snapshotState(existing.snapshot)) {
        case "in-progress":
            plan.wouldDo.push(`Would wait for copy ${identifier}, which is ${existing.snapshot.status}.`);
            planSharingOnceAvailable(plan, identifier, targets);
            return pending;
        case "deleting":
            plan.wouldDo.push(`Would wait for copy ${identifier}, which is being deleted, then copy its source again.`);
            planCopy(plan, source, identifier, settings);
            planSharingOnceAvailable(plan, identifier, targets);
            return pending;
        case "failed":
            plan.wouldDelete.push(identifier);
            plan.wouldDo.push(`Would delete copy ${identifier}, which ended ${existing.snapshot.status}.`);
            wouldFail(plan, `copy ${identifier} of ${source.identifier} ended ${existing.snapshot.status}; the next cycle copies its own data again`);
            return undefined;
        case "available": {
            const change = { snapshot: identifier, ...exactSharing(await api.sharedWith(identifier), targets) };
            if (isChange(change)) {
                plan.sharingChanges.push(change);
                plan.wouldDo.push(`${sharingSentence(change)}.`);
            } else {
                plan.wouldDo.push(`Would leave ${identifier} shared with exactly ${targets.join(", ")}, as it is.`);
            }
            return { ...pending, availableNow: true };
        }
    }
}

function planCopy(plan: ClusterSharePlan, source: SourceSnapshot, identifier: string, settings: ShareSettings): void {
    plan.wouldCopy = { from: source.identifier, to: identifier, ...(source.encrypted ? { kmsKeyArn: settings.kmsKeyArn } : {}) };
    plan.wouldDo.push(
        `Would copy ${source.identifier} to ${identifier} ` +
        (source.encrypted ? `under the share key ${settings.kmsKeyArn}.` : "unencrypted, as its source is (AWS cannot encrypt a cluster snapshot while copying it)."),
    );
}

function planSharingOnceAvailable(plan: ClusterSharePlan, identifier: string, targets: readonly string[]): void {
    plan.sharingChanges.push({ snapshot: identifier, added: [...targets], removed: [] });
    plan.wouldDo.push(`Would share ${identifier} with exactly ${targets.join(", ")} once the copy is available.`);
}

/**
 * The fresh snapshot the cycle copies goes once its copy is available, and stays until then. One whose copy is
 * available (or failed) already has served now: {@link servedFreshSnapshots} names it.
 */
function planFreshSourceDeletion(plan: ClusterSharePlan, identifier: string, copy?: { snapshot: ClusterSnapshot }): void {
    if (copy !== undefined && ["available", "failed"].includes(snapshotState(copy.snapshot))) return;
    plan.wouldDelete.push(identifier);
    plan.wouldDo.push(`Would delete fresh snapshot ${identifier} once its copy is available.`);
}

/**
 * The cluster's other copies: the kept ones shared with exactly the targets, the ones beyond keepShared unshared
 * and deleted, failed ones deleted. A run deletes what is beyond keepShared without the cycle's copy now, and
 * what the cycle's copy pushes beyond once a check has shared it.
 */
async function planRetention(context: PlanContext, cluster: SharedCluster, api: ClusterSnapshotApi, plan: ClusterSharePlan, cycleCopy: CycleCopy | undefined): Promise<void> {
    const { keepShared, targetAccountIds } = context.settings;
    const copies = copiesByCluster(context.inventory.copies).get(clusterKey(cluster.engine, cluster.clusterIdentifier)) ?? [];
    const available = copies.filter((copy) => snapshotState(copy.snapshot) === "available").map(candidateOf);
    const now = retainedCopies(available, keepShared, cycleCopy?.availableNow ? cycleCopy.identifier : undefined);
    for (const { identifier } of now.kept) {
        if (identifier === cycleCopy?.identifier) continue;
        const change = { snapshot: identifier, ...exactSharing(await api.sharedWith(identifier), targetAccountIds) };
        if (!isChange(change)) continue;
        plan.sharingChanges.push(change);
        plan.wouldDo.push(`${sharingSentence(change)}: it is among the newest keepShared (${keepShared}).`);
    }
    // A copy not yet available counts once a check has shared it: what it pushes beyond keepShared goes then.
    const pending: RetentionCandidate | undefined = cycleCopy === undefined || cycleCopy.availableNow ? undefined
        : { identifier: cycleCopy.identifier ?? UNNAMED_CYCLE_COPY, sourceCreatedAt: cycleCopy.sourceCreatedAt };
    const once = pending === undefined ? now : retainedCopies([...available, pending], keepShared, pending.identifier);
    for (const { identifier } of once.beyond) {
        const sharedWith = await api.sharedWith(identifier);
        plan.beyondKeepShared.push({ snapshot: identifier, unshareFrom: sharedWith });
        const action = sharedWith.length > 0 ? `stop sharing ${identifier} with ${sharedWith.join(", ")}, and delete it` : `delete ${identifier}`;
        const beyondNow = now.beyond.some((copy) => copy.identifier === identifier);
        const would = beyondNow || pending === undefined ? "Would" : `Once ${pending.identifier} is shared, would`;
        plan.wouldDo.push(`${would} ${action}: it is beyond keepShared (${keepShared}).`);
    }
    for (const copy of copies.filter((candidate) => snapshotState(candidate.snapshot) === "failed" && !plan.wouldDelete.includes(candidate.snapshot.identifier))) {
        plan.wouldDelete.push(copy.snapshot.identifier);
        plan.wouldDo.push(`Would delete copy ${copy.snapshot.identifier}, which ended ${copy.snapshot.status}.`);
    }
}

/** Copies and fresh snapshots of clusters no longer configured: a run unshares the copies and keeps them. */
async function planUnconfigured(context: PlanContext): Promise<void> {
    const configured = context.settings.clusters.map((cluster) => clusterKey(cluster.engine, cluster.clusterIdentifier));
    for (const [key, copies] of copiesByCluster(context.inventory.copies)) {
        if (configured.includes(key)) continue;
        const api = context.apis.snapshots(copies[0].engine);
        const unshared: string[] = [];
        for (const copy of copies.filter((candidate) => snapshotState(candidate.snapshot) === "available").sort(byNewestSource)) {
            const sharedWith = await api.sharedWith(copy.snapshot.identifier);
            if (sharedWith.length > 0) unshared.push(`${copy.snapshot.identifier} (shared with ${sharedWith.join(", ")})`);
        }
        if (unshared.length > 0) {
            context.warnings.push(`${key} is no longer in clusters: a run would stop sharing its copies ${unshared.join(", ")}, and keep them; delete them when nothing needs them`);
        }
        for (const copy of copies.filter((candidate) => snapshotState(candidate.snapshot) === "failed")) {
            context.warnings.push(`a run would delete copy ${copy.snapshot.identifier} of ${key}, which is no longer in clusters, as it ended ${copy.snapshot.status}`);
        }
    }
    const configuredClusters = context.settings.clusters.map((cluster) => cluster.clusterIdentifier.toLowerCase());
    for (const fresh of servedFreshSnapshots(context.inventory, []).filter((snapshot) => !configuredClusters.includes(snapshot.clusterIdentifier ?? ""))) {
        context.warnings.push(`a run would delete fresh snapshot ${fresh.identifier} of ${fresh.clusterIdentifier ?? "a cluster"}, which is no longer in clusters, as it has served`);
    }
}

function isChange(change: SharingChange): boolean {
    return change.added.length > 0 || change.removed.length > 0;
}

/** `Would share X with A, and stop sharing it with B`, without the full stop. */
function sharingSentence(change: SharingChange): string {
    const add = change.added.length > 0 ? `share ${change.snapshot} with ${change.added.join(", ")}` : "";
    const remove = change.removed.length > 0 ? `stop sharing ${add === "" ? change.snapshot : "it"} with ${change.removed.join(", ")}` : "";
    return `Would ${[add, remove].filter((part) => part !== "").join(", and ")}`;
}
