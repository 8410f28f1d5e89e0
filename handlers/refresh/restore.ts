import { createHash } from "node:crypto";
import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { startCopy } from "./copies";
import { EngineState, inspectEngines, newestAvailableCopy } from "./engine-state";
import { EngineName, isSnapshotOfEngine } from "../engines";
import { awsErrorName, describeError, isRefreshErrorName, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { Logger } from "../log";
import { ParameterStore, snapshotValue } from "./parameters";
import { mayHaveStarted, PipelineApi } from "./pipelines";
import { EngineSettings, RefreshSettings, UNSET_SNAPSHOT } from "./settings";
import { isOfFollowedCluster, names, parseCopyIdentifier, snapshotState } from "../snapshots";

export interface RestoreDependencies extends ClusterSnapshotApis {
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
    /** Names the refresh cycle; one cycle starts the pipeline at most once for the same snapshots. */
    cycleName: string;
    /** When the cycle started: snapshots taken after it belong to the next cycle. */
    cycleStartedAt: Date;
    /** Until when a copy still in progress is waited for; from then on `whenCopyNotReady` decides. */
    waitUntil: Date;
    now: Date;
}

export type RestoreOutcome = "restored" | "waiting";

export interface EngineRestoreReport {
    engine: EngineName;
    latestBefore?: string;
    currentBefore?: string;
    /** The snapshot `current` names after the run (and `latest`, when the restore advanced it). */
    restoredFrom?: string;
    /** The copy the cycle waits for. */
    waitingFor?: string;
    /** This check started the copy it waits for: the update had not made it, or it was deleted since. */
    copyStarted?: string;
    /** Why a copy it needs could not be started yet; the next check tries again. */
    copyNotStarted?: string;
    warning?: string;
}

export interface RestoreSummary {
    outcome: RestoreOutcome;
    cycle: string;
    pipelineName: string;
    executionId?: string;
    /** When waiting: when the cycle checks again (never after the maintenance window ends). ISO 8601. */
    nextCheckAt?: string;
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
    | { kind: "waiting"; copy: string; copyStarted?: boolean; copyNotStarted?: string }
    /** The cycle's copy will not be ready: the window is over, or the copy failed. */
    | { kind: "not-ready"; reason: string; fallback?: string }
    | { kind: "failed"; reason: string }
    | { kind: "transient"; error: unknown };

/**
 * db-restore-from-snapshot: points each engine's `current` at the newest production data of its cycle and
 * starts the main pipeline once, or reports that a copy is still in progress and when to check again. All or
 * nothing: if any engine cannot be restored, or the pipeline cannot be started, every parameter keeps the value
 * it had.
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
    await dependencies.pipelines.ensureExists(pipelineName);
    const reports: EngineRestoreReport[] = settings.engines.map((engine) => ({
        engine: engine.engine,
        latestBefore: snapshotValue(values.get(engine.latestParameter)),
        currentBefore: snapshotValue(values.get(engine.currentParameter)),
    }));
    const final = invocation.now >= invocation.waitUntil;
    const states = inspectEngines(dependencies.listing, settings.engines, { ...settings, sharedCreatedBy: invocation.cycleStartedAt });
    const plans = await Promise.all(
        settings.engines.map((engine) =>
            planEngine(settings, engine, values, states.then((all) => all.get(engine.engine)!), invocation, final, dependencies).catch(
                (error: unknown): EnginePlan => (isTransientAwsError(error) ? { kind: "transient", error } : { kind: "failed", reason: describeError(error) }),
            ),
        ),
    );
    const summary = { cycle: invocation.cycleName, pipelineName, engines: reports };
    const targets = settleTargets(settings, plans, reports);
    if (targets === "waiting") {
        const nextCheckMs = Math.min(invocation.now.getTime() + settings.copyRecheckMinutes * 60_000, invocation.waitUntil.getTime());
        return finish(dependencies.log, { outcome: "waiting", ...summary, nextCheckAt: new Date(nextCheckMs).toISOString() });
    }
    const executionId = await applyAndStart(settings, invocation, pipelineName, targets, values, dependencies);
    settings.engines.forEach((_, index) => (reports[index].restoredFrom = targets[index].snapshot));
    return finish(dependencies.log, { outcome: "restored", ...summary, executionId });
}

async function planEngine(
    settings: RefreshSettings,
    engine: EngineSettings,
    values: Map<string, string>,
    engineState: Promise<EngineState>,
    invocation: RestoreInvocation,
    final: boolean,
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
    const windowOver = `the maintenance window ended at ${invocation.waitUntil.toISOString()}`;
    if (copy === undefined) {
        if (final) return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `does not exist, and ${windowOver}: no later check could wait for a copy started now`), fallback };
        return startMissingCopy(settings, engine, api, state, latest);
    }
    switch (snapshotState(copy.snapshot)) {
        case "available":
            return ready(copy.snapshot.arn, copy.sourceCreatedAt);
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
 */
async function startMissingCopy(settings: RefreshSettings, engine: EngineSettings, api: ClusterSnapshotApi, state: EngineState, latest: string | undefined): Promise<EnginePlan> {
    const identifier = state.copyIdentifierOfNewest!;
    try {
        const start = await startCopy(settings.instanceName, engine, api, state.newestShared!, identifier);
        return { kind: "waiting", copy: identifier, copyStarted: start === "started" };
    } catch (error) {
        if (isTransientAwsError(error)) return { kind: "transient", error };
        if (awsErrorName(error) === "SnapshotQuotaError") return { kind: "waiting", copy: identifier, copyNotStarted: describeError(error) };
        return { kind: "not-ready", reason: copyNotReadyReason(state, latest, `does not exist and cannot be started: ${describeError(error)}`), fallback: newestAvailableCopy(state)?.snapshot.arn };
    }
}

/** No snapshot is shared (as of this cycle): restore what `latest` names, if it is still there and still followed. */
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
    const problem = snapshot === undefined ? "no longer exists"
        : snapshotState(snapshot) !== "available" ? `is ${snapshot.status}`
            : !isSnapshotOfEngine(engine.engine, snapshot.engine) ? `is a ${snapshot.engine} snapshot, not one of ${engine.engine}`
                : !isOfFollowedCluster(snapshot, engine.sourceClusters) ? `is of cluster ${snapshot.clusterIdentifier ?? "(unknown)"}, which sourceClusters no longer follows`
                    : undefined;
    if (problem !== undefined) {
        return {
            kind: "failed",
            reason: `${engine.latestParameter} names ${latest}, which ${problem}; ` +
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

/**
 * Turns the engines' plans into one target per engine, or "waiting" while a copy can still become ready, or
 * throws with every reason. A fallback to an older copy is only ever taken once waiting is over for its engine.
 */
function settleTargets(settings: RefreshSettings, plans: EnginePlan[], reports: EngineRestoreReport[]): RestoreTarget[] | "waiting" {
    const transient: unknown[] = [];
    const failures: string[] = [];
    const notReady: string[] = [];
    let waiting = false;
    const none: RestoreTarget = { snapshot: "", advancesLatest: false };
    const targets = plans.map((plan, index): RestoreTarget => {
        const engine = settings.engines[index].engine;
        switch (plan.kind) {
            case "ready":
                reports[index].warning = plan.warning;
                return { snapshot: plan.target, advancesLatest: plan.advancesLatest ?? false };
            case "transient":
                transient.push(plan.error);
                return none;
            case "failed":
                failures.push(`${engine}: ${plan.reason}`);
                return none;
            case "waiting":
                reports[index].waitingFor = plan.copy;
                if (plan.copyStarted) reports[index].copyStarted = plan.copy;
                if (plan.copyNotStarted !== undefined) reports[index].copyNotStarted = plan.copyNotStarted;
                waiting = true;
                return none;
            case "not-ready":
                if (settings.whenCopyNotReady === "restore-available" && plan.fallback !== undefined) {
                    reports[index].warning = `${plan.reason}; restoring the older ${plan.fallback} (whenCopyNotReady: restore-available)`;
                    return { snapshot: plan.fallback, advancesLatest: false };
                }
                notReady.push(`${engine}: ${plan.reason}`);
                return none;
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
    return waiting ? "waiting" : targets;
}

/**
 * Writes `latest`/`current` and starts the pipeline. If the start fails, CodePipeline is asked first whether this
 * function's execution started after all (the SDK retries a start, and an attempt it gave up on may have been
 * accepted): a pipeline that runs keeps the values it restores from. Only a start that certainly did not happen
 * puts every written parameter back.
 */
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
    let startRequestedAt: Date | undefined;
    try {
        for (const write of writes) {
            await dependencies.parameters.write(write.name, write.value);
            written.push(write);
        }
        const snapshots = targets.map((target) => target.snapshot);
        startRequestedAt = new Date();
        return await dependencies.pipelines.start(pipelineName, idempotencyToken(invocation.cycleName, pipelineName, snapshots));
    } catch (error) {
        if (startRequestedAt === undefined) throw await putBack(written, error, dependencies);
        return await resolveFailedStart(invocation, pipelineName, startRequestedAt, error, written, dependencies);
    }
}

/** A start that failed: the execution it may have started after all, or an error, with the parameters put back only when nothing can run. */
async function resolveFailedStart(
    invocation: RestoreInvocation,
    pipelineName: string,
    startRequestedAt: Date,
    startError: unknown,
    written: readonly { name: string; previous: string }[],
    dependencies: RestoreDependencies,
): Promise<string> {
    // CodePipeline's clock and this function's may differ by a little.
    const since = new Date(startRequestedAt.getTime() - 60_000);
    let executionId: string | undefined;
    try {
        executionId = await dependencies.pipelines.findStartedSince(pipelineName, invocation.functionName, since);
    } catch (lookupError) {
        // A pipeline that does not exist, or that this function may not use, cannot be running.
        if (startError instanceof Error && (startError.name === "PipelineNotFoundError" || startError.name === "PipelineNotAllowedError")) {
            throw await putBack(written, startError, dependencies);
        }
        throw refreshError(
            "RestoreAbortedError",
            `the start of pipeline "${pipelineName}" failed (${describeError(startError)}), and listing its executions failed too ` +
            `(${describeError(lookupError)}), so whether it started is unknown. The parameters were left as written, so that an ` +
            "execution that did start restores what they name: check the pipeline's executions, and start it by hand if none started.",
            startError,
        );
    }
    if (executionId !== undefined) {
        dependencies.log.warn("pipeline start answered with an error, but the execution started", {
            pipelineName, executionId, startError: describeError(startError),
        });
        return executionId;
    }
    if (mayHaveStarted(startError)) {
        throw refreshError(
            "TransientAwsError",
            `the start of pipeline "${pipelineName}" failed without saying whether it started (${describeError(startError)}), and no ` +
            "execution of it shows yet. The parameters stay as written, so that an execution that did start restores what they name. " +
            "A refresh cycle retries this step, whose start carries the same idempotency token; invoked by hand, check the pipeline's " +
            "executions and start it if none started.",
            startError,
        );
    }
    throw await putBack(written, startError, dependencies);
}

/** Puts every written parameter back, newest write first, and says so in the error it returns. */
async function putBack(written: readonly { name: string; previous: string }[], error: unknown, dependencies: RestoreDependencies): Promise<Error> {
    const notRestored: string[] = [];
    for (const write of [...written].reverse()) {
        await dependencies.parameters.write(write.name, write.previous).catch(() => notRestored.push(`${write.name}=${write.previous}`));
    }
    const restoredNote = notRestored.length === 0
        ? "every parameter was set back to its value before the run"
        : `could not set back ${notRestored.join(", ")}: set them by hand`;
    if (notRestored.length === 0 && isTransientAwsError(error)) return transientFailure(`the pipeline did not start (${restoredNote})`, [error]);
    const name = error instanceof Error && isRefreshErrorName(error.name) ? error.name : "RestoreAbortedError";
    return refreshError(name, `${describeError(error)} (${restoredNote})`, error);
}

/** Same cycle, pipeline and snapshots: same token, so a retried run cannot start a second execution. */
function idempotencyToken(cycleName: string, pipelineName: string, targets: string[]): string {
    const digest = createHash("sha256").update([cycleName, pipelineName, ...targets].join("\n")).digest("hex");
    return `snapshot-refresh-${digest.slice(0, 40)}`;
}

function finish(log: Logger, summary: RestoreSummary): RestoreSummary {
    log.info("restore summary", { summary });
    return summary;
}
