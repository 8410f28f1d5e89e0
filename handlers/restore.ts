import { createHash } from "node:crypto";
import { ClusterSnapshotApi } from "./cluster-snapshots";
import { EngineState, inspectEngines, newestAvailableCopy } from "./engine-state";
import { EngineName } from "./engines";
import { startCopy } from "./copies";
import { describeError, isRefreshErrorName, refreshError } from "./errors";
import { Logger } from "./log";
import { ParameterStore, snapshotValue } from "./parameters";
import { PipelineApi } from "./pipelines";
import { EngineSettings, RefreshSettings, UNSET_SNAPSHOT } from "./settings";
import { names, parseCopyIdentifier, snapshotState } from "./snapshots";

export interface RestoreDependencies {
    /** Lists every engine's cluster snapshots: the RDS endpoint serves Aurora and DocumentDB alike. */
    listing: ClusterSnapshotApi;
    /** Finds and copies through each engine's own API. */
    snapshots: (engine: EngineName) => ClusterSnapshotApi;
    parameters: ParameterStore;
    pipelines: PipelineApi;
    log: Logger;
}

/** Who runs this restore, where, and for which cycle. */
export interface RestoreInvocation {
    /** The account this function runs in. */
    accountId: string;
    /** This function's name: its role's session name, which marks the pipeline executions it started. */
    functionName: string;
    /** Identifies the refresh cycle; one cycle starts the pipeline at most once. */
    cycleId: string;
    /** When this cycle's restore window opened: executions this function started since then are this cycle's. */
    windowStart: Date;
    /** The cycle's update time: snapshots taken after it belong to the next cycle. */
    sharedCreatedBy: Date;
    /** No later attempt will come in this window: a copy still in progress is now a copy not ready. */
    lastAttempt: boolean;
}

export type RestoreOutcome = "restored" | "already-restored" | "waiting";

export interface EngineRestoreReport {
    engine: EngineName;
    latestBefore?: string;
    currentBefore?: string;
    /** The snapshot `current` names after the run (and `latest`, when the restore advanced it). */
    restoredFrom?: string;
    waitingFor?: string;
    /** This attempt started the copy it waits for: the update had not made it. */
    copyStarted?: string;
    warning?: string;
}

export interface RestoreSummary {
    outcome: RestoreOutcome;
    pipelineName: string;
    executionId?: string;
    engines: EngineRestoreReport[];
}

/** What one engine is restored from, and whether `latest` moves there too. */
interface RestoreTarget {
    snapshot: string;
    advancesLatest: boolean;
}

/** One engine's decision, made before anything is written. */
type EnginePlan =
    | { kind: "ready"; target: string; warning?: string; advancesLatest?: boolean }
    | { kind: "waiting"; copy: string; fallback?: string; copyStarted?: boolean }
    | { kind: "not-ready"; reason: string; fallback?: string }
    | { kind: "failed"; reason: string };

/**
 * db-restore-from-snapshot: points each engine's `current` at the newest production data this cycle can use and
 * starts the main pipeline once. All or nothing: if any engine cannot be restored, or the pipeline cannot be
 * started, every parameter keeps the value it had.
 */
export async function restoreFromLatest(
    settings: RefreshSettings,
    invocation: RestoreInvocation,
    dependencies: RestoreDependencies,
): Promise<RestoreSummary> {
    if (invocation.accountId === settings.sourceAccountId) {
        throw refreshError(
            "SourceAccountRefusedError",
            `refusing to restore in account ${invocation.accountId}: it is the source (production) account. ` +
            "db-restore-from-snapshot belongs in the account that receives the snapshots; nothing was changed.",
        );
    }
    const values = await dependencies.parameters.read([
        settings.pipelineParameter,
        ...settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter]),
    ]);
    const pipelineName = values.get(settings.pipelineParameter)!;
    const previous = await dependencies.pipelines.findStartedSince(pipelineName, invocation.functionName, invocation.windowStart);
    const reports: EngineRestoreReport[] = settings.engines.map((engine) => ({
        engine: engine.engine,
        latestBefore: snapshotValue(values.get(engine.latestParameter)),
        currentBefore: snapshotValue(values.get(engine.currentParameter)),
    }));
    if (previous !== undefined) {
        return finish(dependencies.log, { outcome: "already-restored", pipelineName, executionId: previous, engines: reports });
    }

    const states = inspectEngines(dependencies.listing, settings.engines, { ...settings, sharedCreatedBy: invocation.sharedCreatedBy });
    const plans = await Promise.all(
        settings.engines.map((engine) =>
            planEngine(settings, engine, values, states.then((all) => all.get(engine.engine)!), invocation, dependencies).catch(
                (error: unknown): EnginePlan => ({ kind: "failed", reason: describeError(error) }),
            ),
        ),
    );
    const targets = settleTargets(settings, invocation, plans, reports, dependencies.log);
    if (targets === "waiting") return finish(dependencies.log, { outcome: "waiting", pipelineName, engines: reports });

    const executionId = await applyAndStart(settings, invocation, pipelineName, targets, values, dependencies);
    settings.engines.forEach((_, index) => (reports[index].restoredFrom = targets[index].snapshot));
    return finish(dependencies.log, { outcome: "restored", pipelineName, executionId, engines: reports });
}

async function planEngine(
    settings: RefreshSettings,
    engine: EngineSettings,
    values: Map<string, string>,
    engineState: Promise<EngineState>,
    invocation: RestoreInvocation,
    dependencies: RestoreDependencies,
): Promise<EnginePlan> {
    const api = dependencies.snapshots(engine.engine);
    const latest = snapshotValue(values.get(engine.latestParameter));
    const state = await engineState;
    const newest = state.newestShared;
    if (newest === undefined) return planFromLatestAlone(engine, latest, api, invocation.accountId);
    const ready = async (target: string, takenAt: Date | undefined): Promise<EnginePlan> =>
        ({ kind: "ready", target, advancesLatest: await isNewerThanLatest(takenAt, latest, state, settings, api, invocation.accountId) });
    if (!engine.copy) return ready(newest.arn, newest.createdAt);

    const copy = state.copyOfNewest;
    const fallback = newestAvailableCopy(state)?.snapshot.arn;
    if (copy === undefined) return startMissingCopy(settings, engine, api, state, latest, invocation, fallback);
    switch (snapshotState(copy.snapshot)) {
        case "available":
            return ready(copy.snapshot.arn, copy.sourceCreatedAt);
        case "in-progress":
            return { kind: "waiting", copy: copy.snapshot.identifier, fallback };
        default:
            return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `is ${copy.snapshot.status}`), fallback };
    }
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
    const latestTakenAt =
        state.ownCopies.find((copy) => names(latest, copy.snapshot))?.sourceCreatedAt ??
        parseCopyIdentifier(settings.copyIdentifierPrefix, latest.slice(latest.lastIndexOf(":") + 1))?.sourceCreatedAt ??
        (state.newestShared !== undefined && names(latest, state.newestShared) ? state.newestShared.createdAt : undefined) ??
        (await api.find(latest, accountId))?.createdAt;
    // What latest names is gone or unknown: the restored snapshot is the better record.
    return latestTakenAt === undefined || takenAt === undefined || takenAt > latestTakenAt;
}

/**
 * The cycle's newest snapshot has no copy: it was shared after the update ran, the update could not copy it
 * (throttled, a quota), or someone deleted the copy. Starting the copy now and waiting for it in the window
 * restores the cycle's data instead of giving up on it.
 */
async function startMissingCopy(
    settings: RefreshSettings,
    engine: EngineSettings,
    api: ClusterSnapshotApi,
    state: EngineState,
    latest: string | undefined,
    invocation: RestoreInvocation,
    fallback: string | undefined,
): Promise<EnginePlan> {
    if (invocation.lastAttempt) {
        return { kind: "not-ready", reason: copyNotReadyReason(state, latest, "does not exist, and no later attempt in this window could wait for one"), fallback };
    }
    try {
        const started = await startCopy(settings.instanceName, engine, api, state.newestShared!, state.copyIdentifierOfNewest!);
        return { kind: "waiting", copy: started.snapshot.identifier, fallback, copyStarted: true };
    } catch (error) {
        return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `does not exist and could not be started: ${describeError(error)}`), fallback };
    }
}

/** No snapshot is shared (as of this cycle): restore what `latest` names, if it is still there. */
async function planFromLatestAlone(
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
    if (snapshot === undefined || snapshotState(snapshot) !== "available") {
        return {
            kind: "failed",
            reason: `${engine.latestParameter} names ${latest}, which ${snapshot === undefined ? "no longer exists" : `is ${snapshot.status}`}; ` +
                "run db-update-latest-snapshot-id to record the newest usable snapshot, or set the parameter to one that exists",
        };
    }
    return { kind: "ready", target: latest, warning: `no ${engine.engine} snapshot is shared by the source account; restoring ${latest} again` };
}

function copyNotReadyReason(state: EngineState, latest: string | undefined, copyCondition: string): string {
    const latestIsGone = latest !== undefined && !state.ownCopies.some((copy) => names(latest, copy.snapshot));
    const latestNote = latestIsGone ? ` (latest names ${latest}, which no longer exists)` : "";
    return `the copy ${state.copyIdentifierOfNewest} of the cycle's newest shared snapshot ${state.newestShared!.arn} ${copyCondition}${latestNote}`;
}

/** Turns the engines' plans into one target per engine, or "waiting", or throws with every reason. */
function settleTargets(
    settings: RefreshSettings,
    invocation: RestoreInvocation,
    plans: EnginePlan[],
    reports: EngineRestoreReport[],
    log: Logger,
): RestoreTarget[] | "waiting" {
    const failures: string[] = [];
    const notReady: string[] = [];
    let waiting = false;
    const targets = plans.map((plan, index) => {
        const engine = settings.engines[index].engine;
        const none: RestoreTarget = { snapshot: "", advancesLatest: false };
        const targetWhenNotReady = (reason: string, fallback: string | undefined): RestoreTarget => {
            if (settings.whenCopyNotReady === "restore-available" && fallback !== undefined) {
                reports[index].warning = `${reason}; restoring the older ${fallback} (whenCopyNotReady: restore-available)`;
                return { snapshot: fallback, advancesLatest: false };
            }
            notReady.push(`${engine}: ${reason}`);
            return none;
        };
        switch (plan.kind) {
            case "ready":
                reports[index].warning = plan.warning;
                return { snapshot: plan.target, advancesLatest: plan.advancesLatest ?? false };
            case "failed":
                failures.push(`${engine}: ${plan.reason}`);
                return none;
            case "waiting":
                reports[index].waitingFor = plan.copy;
                if (plan.copyStarted) reports[index].copyStarted = plan.copy;
                if (!invocation.lastAttempt) {
                    waiting = true;
                    return none;
                }
                return targetWhenNotReady(`the copy ${plan.copy} was still in progress when the restore window ended`, plan.fallback);
            case "not-ready":
                return targetWhenNotReady(plan.reason, plan.fallback);
        }
    });
    if (failures.length > 0 || notReady.length > 0) {
        const policyHint = notReady.length > 0 && settings.whenCopyNotReady === "fail"
            ? " To restore the newest available older copy instead, set whenCopyNotReady to restore-available."
            : "";
        throw refreshError(
            failures.length > 0 ? "LatestSnapshotUnusableError" : "CopyNotReadyError",
            `nothing was restored and no parameter was changed: ${[...failures, ...notReady].join("; ")}.${policyHint}`,
        );
    }
    if (waiting) {
        log.info("waiting for a copy to finish", { cycleId: invocation.cycleId, engines: reports });
        return "waiting";
    }
    return targets;
}

/** Writes `latest`/`current` and starts the pipeline; any failure puts every written parameter back. */
async function applyAndStart(
    settings: RefreshSettings,
    invocation: RestoreInvocation,
    pipelineName: string,
    targets: RestoreTarget[],
    values: Map<string, string>,
    dependencies: RestoreDependencies,
): Promise<string> {
    const writes = settings.engines.flatMap((engine, index) => {
        const target = targets[index];
        const parameters = target.advancesLatest ? [engine.latestParameter, engine.currentParameter] : [engine.currentParameter];
        return parameters
            .filter((name) => values.get(name) !== target.snapshot)
            .map((name) => ({ name, value: target.snapshot, previous: values.get(name) ?? UNSET_SNAPSHOT }));
    });
    const written: typeof writes = [];
    try {
        for (const write of writes) {
            await dependencies.parameters.write(write.name, write.value);
            written.push(write);
        }
        const snapshots = targets.map((target) => target.snapshot);
        return await dependencies.pipelines.start(pipelineName, idempotencyToken(invocation, pipelineName, snapshots));
    } catch (error) {
        const notRestored: string[] = [];
        for (const write of written.reverse()) {
            await dependencies.parameters.write(write.name, write.previous).catch(() => notRestored.push(`${write.name}=${write.previous}`));
        }
        const restoredNote = notRestored.length === 0
            ? "every parameter was set back to its value before the run"
            : `could not set back ${notRestored.join(", ")}: set them by hand`;
        const name = error instanceof Error && isRefreshErrorName(error.name) ? error.name : "RestoreAbortedError";
        throw refreshError(name, `${describeError(error)} (${restoredNote})`, error);
    }
}

/** Same cycle, pipeline and snapshots: same token, so a retried invocation cannot start a second execution. */
function idempotencyToken(invocation: RestoreInvocation, pipelineName: string, targets: string[]): string {
    const digest = createHash("sha256").update([invocation.cycleId, pipelineName, ...targets].join("\n")).digest("hex");
    return `snapshot-refresh-${digest.slice(0, 40)}`;
}

function finish(log: Logger, summary: RestoreSummary): RestoreSummary {
    log.info("restore summary", { summary });
    return summary;
}
