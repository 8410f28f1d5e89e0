import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { copyKey, startCopy } from "./copies";
import { EngineState, inspectEngines, newestAvailableCopy } from "./engine-state";
import { EngineName, isSnapshotOfEngine } from "../engines";
import { awsErrorName, describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { snapshotValue } from "./parameters";
import { RestoreTarget } from "./promotion";
import type { EngineRestoreReport } from "./restore";
import { EngineSettings, RefreshSettings } from "./settings";
import { isOfFollowedCluster, names, parseCopyIdentifier, snapshotState } from "../snapshots";

/** The check a cycle's restore makes: where, for which cycle, until when it may wait, and whether it only reports. */
export interface CycleCheck {
    /** The account this function runs in. */
    accountId: string;
    /** When the cycle started: snapshots taken after it belong to the next cycle. */
    cycleStartedAt: Date;
    /** Until when a copy still in progress is waited for; from then on `whenCopyNotReady` decides. */
    waitUntil: Date;
    now: Date;
    /** Start no copy: report the copy a run would start. */
    dryRun: boolean;
}

/** One engine's decision, made before anything is written. */
type EnginePlan =
    | { kind: "ready"; target: RestoreTarget; warning?: string }
    | { kind: "waiting"; copy: string; copyStarted?: boolean; copyNotStarted?: string; dryRunStart?: { source: string; kmsKeyId?: string } }
    /** The cycle's copy will not be ready: the window is over, or the copy failed. */
    | { kind: "not-ready"; reason: string; fallback?: RestoreTarget }
    | { kind: "failed"; reason: string }
    | { kind: "transient"; error: unknown };

/** One target per engine whose data is ready; `waiting` while a copy can still become ready. */
export interface CycleTargets {
    targets: RestoreTarget[];
    waiting: boolean;
}

/**
 * The cycle's targets: per engine, the newest production data of the cycle, or that a copy is still awaited.
 * Throws with every reason when an engine cannot be restored.
 */
export async function cycleTargets(
    settings: RefreshSettings,
    check: CycleCheck,
    values: Map<string, string>,
    report: (engine: EngineName) => EngineRestoreReport,
    apis: ClusterSnapshotApis,
): Promise<CycleTargets> {
    const final = check.now >= check.waitUntil;
    const states = inspectEngines(apis.listing, settings.engines, { ...settings, sharedCreatedBy: check.cycleStartedAt });
    const plans = await Promise.all(
        settings.engines.map((engine) =>
            planEngine(settings, engine, values, states.then((all) => all.get(engine.engine)!), check, final, apis).catch(
                (error: unknown): EnginePlan => (isTransientAwsError(error) ? { kind: "transient", error } : { kind: "failed", reason: describeError(error) }),
            ),
        ),
    );
    return settleTargets(settings, check, plans, report);
}

async function planEngine(
    settings: RefreshSettings,
    engine: EngineSettings,
    values: Map<string, string>,
    engineState: Promise<EngineState>,
    check: CycleCheck,
    final: boolean,
    apis: ClusterSnapshotApis,
): Promise<EnginePlan> {
    const api = apis.snapshots(engine.engine);
    const latest = snapshotValue(values.get(engine.latestParameter));
    const state = await engineState;
    const newest = state.newestShared;
    if (newest === undefined) return planFromLatestAlone(settings, engine, latest, api, check.accountId);
    const sharedBy = `the newest available ${engine.engine} snapshot account ${settings.sourceAccountId} shared by ${check.cycleStartedAt.toISOString()}`;
    const ready = async (snapshot: string, takenAt: Date | undefined, why: string): Promise<EnginePlan> => ({
        kind: "ready",
        target: { engine, snapshot, takenAt, why, chosen: false, advancesLatest: await isNewerThanLatest(takenAt, latest, state, settings, api, check.accountId) },
    });
    if (!engine.copy) return ready(newest.arn, newest.createdAt, sharedBy);

    const copy = state.copyOfNewest;
    const fallback = fallbackOf(engine, state);
    const windowOver = `the maintenance window ended at ${check.waitUntil.toISOString()}`;
    if (copy === undefined) {
        if (final) return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `does not exist, and ${windowOver}: no later check could wait for a copy started now`), fallback };
        return startMissingCopy(settings, engine, api, state, latest, check.dryRun);
    }
    switch (snapshotState(copy.snapshot)) {
        case "available":
            return ready(copy.snapshot.arn, copy.sourceCreatedAt, `this account's copy of ${newest.arn}, ${sharedBy}`);
        case "in-progress":
        // Someone is deleting the copy: once it is gone, the next check makes it again.
        case "deleting":
            if (final) return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `is ${copy.snapshot.status}, and ${windowOver}`), fallback };
            return { kind: "waiting", copy: copy.snapshot.identifier };
        default:
            // A failed copy never becomes available: waiting for it cannot help, so the cycle decides now.
            return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `is ${copy.snapshot.status}; the next db-update-latest-snapshot-id run deletes it and copies again`), fallback };
    }
}

/** The newest available older copy, which `whenCopyNotReady: restore-available` restores when the cycle's copy is not ready. */
function fallbackOf(engine: EngineSettings, state: EngineState): RestoreTarget | undefined {
    const copy = newestAvailableCopy(state);
    if (copy === undefined) return undefined;
    return {
        engine,
        snapshot: copy.snapshot.arn,
        takenAt: copy.sourceCreatedAt,
        why: "the newest available older copy, as whenCopyNotReady is restore-available",
        chosen: false,
        advancesLatest: false,
    };
}

/**
 * `latest` records the newest usable data; the restore moves it only forward (to a copy that finished after the
 * update ran, say), never back past a newer snapshot an operator or a later update recorded.
 */
async function isNewerThanLatest(
    takenAt: Date | undefined,
    latest: string | undefined,
    state: EngineState,
    settings: RefreshSettings,
    api: ClusterSnapshotApi,
    accountId: string,
): Promise<boolean> {
    if (latest === undefined) return true;
    const latestCopy = state.ownCopies.find((copy) => names(latest, copy.snapshot));
    // A copy of a cluster no longer followed is no record to keep: the followed data replaces it.
    if (latestCopy !== undefined && !latestCopy.followed) return true;
    const latestTakenAt =
        latestCopy?.sourceCreatedAt ??
        parseCopyIdentifier(settings.copyIdentifierPrefix, latest.slice(latest.lastIndexOf(":") + 1))?.sourceCreatedAt ??
        (state.newestShared !== undefined && names(latest, state.newestShared) ? state.newestShared.createdAt : undefined) ??
        (await api.find(latest, accountId))?.createdAt;
    // What latest names is gone or unknown: the restored snapshot is the better record.
    return latestTakenAt === undefined || takenAt === undefined || takenAt > latestTakenAt;
}

/**
 * The cycle's newest snapshot has no copy: it was shared after the update ran, the update could not copy it
 * (throttled, a quota), or someone deleted the copy. Starting the copy now and waiting for it restores the
 * cycle's data instead of giving up on it. A copy the quota keeps from starting is tried again at the next
 * check; one that cannot start for another reason (a key) will not start later either: the cycle decides now.
 * A dry run starts nothing, and reports the copy it would start (or why it could not).
 */
async function startMissingCopy(
    settings: RefreshSettings,
    engine: EngineSettings,
    api: ClusterSnapshotApi,
    state: EngineState,
    latest: string | undefined,
    dryRun: boolean,
): Promise<EnginePlan> {
    const identifier = state.copyIdentifierOfNewest!;
    const source = state.newestShared!;
    try {
        if (dryRun) return { kind: "waiting", copy: identifier, dryRunStart: { source: source.arn, kmsKeyId: copyKey(engine, source) } };
        const start = await startCopy(settings.instanceName, engine, api, source, identifier);
        return { kind: "waiting", copy: identifier, copyStarted: start === "started" };
    } catch (error) {
        if (isTransientAwsError(error)) return { kind: "transient", error };
        if (awsErrorName(error) === "SnapshotQuotaError") return { kind: "waiting", copy: identifier, copyNotStarted: describeError(error) };
        return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `does not exist and cannot be started: ${describeError(error)}`), fallback: fallbackOf(engine, state) };
    }
}

/** No snapshot is shared (as of this cycle): restore what `latest` names, if it is still there and still followed. */
async function planFromLatestAlone(
    settings: RefreshSettings,
    engine: EngineSettings,
    latest: string | undefined,
    api: ClusterSnapshotApi,
    accountId: string,
): Promise<EnginePlan> {
    if (latest === undefined) {
        return {
            kind: "failed",
            reason: `${engine.latestParameter} is unset and no ${engine.engine} snapshot is shared by the source account: nothing to restore`,
        };
    }
    const snapshot = await api.find(latest, accountId);
    const problem = snapshot === undefined ? "no longer exists"
        : snapshotState(snapshot) !== "available" ? `is ${snapshot.status}`
            : !isSnapshotOfEngine(engine.engine, snapshot.engine) ? `is a ${snapshot.engine} snapshot, not one of ${engine.engine}`
                : !isOfFollowedCluster(snapshot, engine.sourceClusters) ? `is of cluster ${snapshot.clusterIdentifier ?? "(unknown)"}, which sourceClusters no longer follows`
                    : undefined;
    if (snapshot === undefined || problem !== undefined) {
        return {
            kind: "failed",
            reason: `${engine.latestParameter} names ${latest}, which ${problem}; ` +
                "run db-update-latest-snapshot-id to record the newest usable snapshot, or set the parameter to one that exists",
        };
    }
    // A copy's own creation time is when it was copied; its identifier carries when production took the data.
    const takenAt = parseCopyIdentifier(settings.copyIdentifierPrefix, snapshot.identifier)?.sourceCreatedAt ?? snapshot.createdAt;
    return {
        kind: "ready",
        target: { engine, snapshot: latest, takenAt, why: `what ${engine.latestParameter} names, as no ${engine.engine} snapshot is shared`, chosen: false, advancesLatest: false },
        warning: `no ${engine.engine} snapshot is shared by the source account; restoring ${latest} again`,
    };
}

function copyNotReadyReason(state: EngineState, latest: string | undefined, copyCondition: string): string {
    const latestIsGone = latest !== undefined && !state.ownCopies.some((copy) => names(latest, copy.snapshot));
    const latestNote = latestIsGone ? ` (latest names ${latest}, which no longer exists)` : "";
    return `the copy ${state.copyIdentifierOfNewest} of the cycle's newest shared snapshot ${state.newestShared!.arn} ${copyCondition}${latestNote}`;
}

/**
 * Turns the engines' plans into one target per engine, and whether a copy can still become ready, or throws
 * with every reason. A fallback to an older copy is only ever taken once waiting is over for its engine.
 */
function settleTargets(
    settings: RefreshSettings,
    check: CycleCheck,
    plans: EnginePlan[],
    report: (engine: EngineName) => EngineRestoreReport,
): CycleTargets {
    const transient: unknown[] = [];
    const failures: string[] = [];
    const notReady: string[] = [];
    const targets: RestoreTarget[] = [];
    let waiting = false;
    plans.forEach((plan, index) => {
        const engine = settings.engines[index].engine;
        const engineReport = report(engine);
        switch (plan.kind) {
            case "ready":
                engineReport.warning = plan.warning;
                targets.push(plan.target);
                return;
            case "transient":
                transient.push(plan.error);
                return;
            case "failed":
                failures.push(`${engine}: ${plan.reason}`);
                return;
            case "waiting":
                waiting = true;
                if (check.dryRun) {
                    reportDryRunWait(settings, check, engineReport, plan);
                    return;
                }
                engineReport.waitingFor = plan.copy;
                if (plan.copyStarted) engineReport.copyStarted = plan.copy;
                if (plan.copyNotStarted !== undefined) engineReport.copyNotStarted = plan.copyNotStarted;
                return;
            case "not-ready":
                if (settings.whenCopyNotReady === "restore-available" && plan.fallback !== undefined) {
                    engineReport.warning = `${plan.reason}; restoring the older ${plan.fallback.snapshot} (whenCopyNotReady: restore-available)`;
                    targets.push(plan.fallback);
                    return;
                }
                notReady.push(`${engine}: ${plan.reason}`);
                return;
        }
    });
    // What AWS could not answer is unknown, not absent: no decision is taken on it, the step is retried.
    if (transient.length > 0) throw transientFailure("nothing was restored and no parameter was changed", transient);
    if (failures.length > 0 || notReady.length > 0) {
        const policyHint = notReady.length > 0 && settings.whenCopyNotReady === "fail"
            ? " To restore the newest available older copy instead, set whenCopyNotReady to restore-available."
            : "";
        throw refreshError(
            failures.length > 0 ? "LatestSnapshotUnusableError" : "CopyNotReadyError",
            `nothing was restored and no parameter was changed: ${[...failures, ...notReady].join("; ")}.${policyHint}`,
        );
    }
    return { targets, waiting };
}

/** A dry run never waits: it says which copy a run would wait for (after starting it, if it is missing), and until when. */
function reportDryRunWait(settings: RefreshSettings, check: CycleCheck, engineReport: EngineRestoreReport, plan: Extract<EnginePlan, { kind: "waiting" }>): void {
    const until = `checking every ${settings.copyRecheckMinutes} minutes until ${check.waitUntil.toISOString()}`;
    engineReport.wouldWaitFor = plan.copy;
    if (plan.dryRunStart !== undefined) {
        engineReport.wouldStartCopy = plan.copy;
        const key = plan.dryRunStart.kmsKeyId === undefined ? "" : `, re-encrypted with ${plan.dryRunStart.kmsKeyId}`;
        engineReport.wouldDo = [`Would copy ${plan.dryRunStart.source} to ${plan.copy}${key}, then wait for the copy, ${until}.`];
    } else {
        engineReport.wouldDo = [`Would wait for the copy ${plan.copy}, which is not available yet, ${until}.`];
    }
}
