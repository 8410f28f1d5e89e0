import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { copyKey, startCopy } from "./copies";
import { EngineState, inspectEngines, newestAvailableCopy } from "./engine-state";
import { EngineName } from "../engines";
import { describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { Logger } from "../log";
import { pauseState } from "../pause";
import { ParameterStore, ParameterWrite, snapshotValue } from "./parameters";
import { PauseReport, pauseReport } from "../pause";
import { withPartialSummary } from "../run-summary";
import { EngineSettings, RefreshSettings } from "./settings";
import { ClusterSnapshot, copiesToDelete, names, OwnCopy, SnapshotState, snapshotState } from "../snapshots";

export interface UpdateDependencies extends ClusterSnapshotApis {
    parameters: ParameterStore;
    log: Logger;
}

/** How this run was asked for. */
export interface UpdateInvocation {
    /** Report what the run would do, and change nothing: no parameter write, no copy, no deletion. */
    dryRun: boolean;
    /** When the run started: a pause that ended before it is reported as ended. */
    now: Date;
}

/** What happened to the copy of the newest shared snapshot during this run. */
export type CopyOutcome = "started" | "not-started" | "in-progress" | "available" | "failed-and-deleted" | "being-deleted";

export interface EngineUpdateReport {
    engine: EngineName;
    /** ARN of the newest snapshot the source account shares for this engine. */
    newestShared?: string;
    /** Copy engines only: the copy of `newestShared`. */
    copy?: { identifier: string; outcome: CopyOutcome };
    latestBefore?: string;
    latestAfter?: string;
    deletedCopies: string[];
    /** Cleanup that failed: the refresh itself is done, the next run tries again. */
    warnings: string[];
    error?: string;
    /** Dry run: why `newestShared` is the snapshot a run picks. */
    why?: string;
    /** Dry run: the write of `latest` a run would make. */
    wouldWrite?: ParameterWrite[];
    /** Dry run: the copy a run would start. */
    wouldStartCopy?: string;
    /** Dry run: the copies a run would delete (a failed copy of the newest snapshot, and those beyond retention). */
    wouldDelete?: string[];
    /** Dry run: what a run would do, in sentences. */
    wouldDo?: string[];
}

export type UpdateOutcome = "updated" | "dry-run";

export interface UpdateSummary extends PauseReport {
    /** `dry-run` when the run only reported what it would do. */
    outcome: UpdateOutcome;
    engines: EngineUpdateReport[];
}

/** One engine's report, and the error behind `report.error`, which decides whether the run may be retried. */
interface EngineOutcome {
    report: EngineUpdateReport;
    failure?: unknown;
}

/**
 * db-update-latest-snapshot-id: per engine, finds the newest snapshot production shares, points `latest` at the
 * newest snapshot a restore can use now, trims old copies and starts the local copy where a restore needs one.
 * Engines are independent, and within an engine a copy that cannot start stops nothing else: the run does all
 * it safely can and still fails, saying why. A pause does not stop it: it moves only `latest`, which nothing
 * restores from until a restore promotes it. A dry run makes the same decisions and reports them instead.
 */
export async function updateLatestSnapshots(
    settings: RefreshSettings,
    dependencies: UpdateDependencies,
    invocation: UpdateInvocation = { dryRun: false, now: new Date() },
): Promise<UpdateSummary> {
    const parameterNames = settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter]);
    const values = await dependencies.parameters.read(parameterNames, [settings.pauseParameter]);
    const pause = pauseState(settings.paused, values.get(settings.pauseParameter), settings.instanceName, invocation.now);
    // One scan for all engines; if it fails, every engine reports why.
    const states = inspectEngines(dependencies.listing, settings.engines, settings);
    const outcomes = await Promise.all(
        settings.engines.map((engine) =>
            updateEngine(settings, engine, values, states.then((all) => all.get(engine.engine)!), invocation.dryRun, dependencies).catch((failure: unknown): EngineOutcome => ({
                report: { engine: engine.engine, latestBefore: snapshotValue(values.get(engine.latestParameter)), deletedCopies: [], warnings: [] },
                failure,
            })),
        ),
    );
    const failed = outcomes.filter((outcome) => outcome.failure !== undefined);
    for (const { report, failure } of failed) report.error = describeError(failure);
    const summary: UpdateSummary = {
        outcome: invocation.dryRun ? "dry-run" : "updated",
        ...pauseReport(pause),
        engines: outcomes.map((outcome) => outcome.report),
    };
    if (failed.length === 0) return summary;
    const failures = failed.map((outcome) => outcome.failure);
    const failedEngines = failed.map(({ report }) => report.engine).join(", ");
    if (failures.every(isTransientAwsError)) throw withPartialSummary(transientFailure(`db-update-latest-snapshot-id failed for ${failedEngines}`, failures), summary);
    throw withPartialSummary(refreshError(
        "EnginesFailedError",
        `db-update-latest-snapshot-id ${invocation.dryRun ? "would fail" : "failed"} for ${failed.map(({ report }) => `${report.engine} (${report.error})`).join("; ")}`,
    ), summary);
}

async function updateEngine(
    settings: RefreshSettings,
    engine: EngineSettings,
    values: Map<string, string>,
    engineState: Promise<EngineState>,
    dryRun: boolean,
    dependencies: UpdateDependencies,
): Promise<EngineOutcome> {
    const api = dependencies.snapshots(engine.engine);
    const latestBefore = snapshotValue(values.get(engine.latestParameter));
    const current = snapshotValue(values.get(engine.currentParameter));
    const state = await engineState;
    const newest = state.newestShared;
    const report: EngineUpdateReport = { engine: engine.engine, newestShared: newest?.arn, latestBefore, deletedCopies: [], warnings: [] };
    if (dryRun && newest !== undefined) {
        report.why = whyNewest(settings, engine, newest);
        wouldDo(report, `Would pick ${newest.arn}: ${report.why}.`);
    }
    if (!engine.copy) {
        if (newest === undefined) return { report, failure: nothingShared(settings, engine, latestBefore) };
        await recordLatest(engine, report, newest.arn, dryRun, dependencies);
        return { report };
    }

    // A failed copy of the newest snapshot is deleted first: its identifier would block the copy made next.
    const existing = state.copyOfNewest;
    const existingState = existing === undefined ? undefined : snapshotState(existing.snapshot);
    let failedCopyLeft: unknown;
    if (existing !== undefined && existingState === "failed") {
        if (dryRun) wouldDelete(report, existing.snapshot.identifier, "it is a failed copy of the newest shared snapshot, whose identifier would block a new copy");
        else await api.delete(existing.snapshot.identifier).catch((error: unknown) => (failedCopyLeft = error));
    }
    const ownCopies = existingState === "failed" ? state.ownCopies.filter((copy) => copy !== existing) : state.ownCopies;

    // A copy of a cluster no longer followed never stays latest once a followed one is available.
    const latestCopy = state.ownCopies.find((copy) => names(latestBefore, copy.snapshot));
    const newestCopy = newestAvailableCopy({ ownCopies })?.snapshot.arn;
    const latestAfter = await recordLatest(engine, report, newestCopy ?? latestBefore, dryRun, dependencies);
    if (newestCopy === undefined && latestCopy !== undefined && !latestCopy.followed) {
        report.warnings.push(`latest names ${latestBefore}, a copy of cluster ${latestCopy.snapshot.clusterIdentifier ?? "(unknown)"}, which is no ` +
            "longer followed: it moves to a copy of a followed cluster once one is available, and the restore does not use it");
    }
    // Trimming comes before copying, so that a run at the snapshot quota makes room for its own copy.
    await trimCopies(engine, api, ownCopies, [latestAfter, current], dryRun, report);
    if (newest === undefined) return { report, failure: nothingShared(settings, engine, latestBefore) };

    const identifier = state.copyIdentifierOfNewest!;
    if (existing !== undefined) {
        if (existingState === "failed") {
            if (dryRun) {
                return { report, failure: refreshError("CopyFailedError", `the copy ${identifier} of ${newest.arn} failed; a run would delete it so that the run after it copies again`) };
            }
            report.copy = { identifier, outcome: OUTCOME_OF_EXISTING_COPY[existingState] };
            const deleted = failedCopyLeft === undefined
                ? "it was deleted so that the next run copies again (invoke db-update-latest-snapshot-id, or start a refresh cycle, to retry now)"
                : `deleting it failed (${describeError(failedCopyLeft)}); the next run tries again`;
            return { report, failure: refreshError("CopyFailedError", `the copy ${identifier} of ${newest.arn} failed; ${deleted}`, failedCopyLeft) };
        }
        report.copy = { identifier, outcome: OUTCOME_OF_EXISTING_COPY[existingState!] };
        if (existingState === "deleting") {
            return { report, failure: refreshError("CopyFailedError", `the copy ${identifier} of ${newest.arn} is being deleted by someone else; the next run copies again`) };
        }
        if (dryRun) wouldDo(report, `Would start no copy: ${identifier}, the copy of ${newest.arn}, is ${existing.snapshot.status}.`);
        return { report };
    }
    if (dryRun) return wouldCopy(engine, report, newest, identifier);
    try {
        const start = await startCopy(settings.instanceName, engine, api, newest, identifier);
        report.copy = { identifier, outcome: start === "started" ? "started" : "in-progress" };
        return { report };
    } catch (failure) {
        report.copy = { identifier, outcome: "not-started" };
        return { report, failure };
    }
}

/** Why a run picks `newest`: the rules every shared snapshot is held to, in words. */
function whyNewest(settings: RefreshSettings, engine: EngineSettings, newest: ClusterSnapshot): string {
    const clusters = engine.sourceClusters.length > 0 ? ` of cluster(s) ${engine.sourceClusters.join(", ")}` : "";
    const named = settings.sourceSnapshotPrefix !== undefined ? ` named ${settings.sourceSnapshotPrefix}*` : "";
    return `the newest available ${engine.engine} snapshot${clusters}${named} that account ${settings.sourceAccountId} shares with this ` +
        `account, taken ${newest.createdAt?.toISOString() ?? "at an unknown time"}`;
}

/** The copy a run would start; fails as the run would when the copy needs a key that is not configured. */
function wouldCopy(engine: EngineSettings, report: EngineUpdateReport, source: ClusterSnapshot, identifier: string): EngineOutcome {
    try {
        const key = copyKey(engine, source);
        report.wouldStartCopy = identifier;
        wouldDo(report, `Would copy ${source.arn} to ${identifier} in this account${key === undefined ? "" : `, re-encrypted with ${key}`}.`);
        return { report };
    } catch (failure) {
        return { report, failure };
    }
}

function wouldDo(report: EngineUpdateReport, sentence: string): void {
    (report.wouldDo ??= []).push(sentence);
}

function wouldDelete(report: EngineUpdateReport, identifier: string, reason: string): void {
    (report.wouldDelete ??= []).push(identifier);
    wouldDo(report, `Would delete ${identifier}: ${reason}.`);
}

/**
 * `latest` is written only when it changes: each write is a version the pipeline and operators see. Returns what
 * `latest` names after the run (or, in a dry run, would name).
 */
async function recordLatest(
    engine: EngineSettings,
    report: EngineUpdateReport,
    latestAfter: string | undefined,
    dryRun: boolean,
    dependencies: UpdateDependencies,
): Promise<string | undefined> {
    const changes = latestAfter !== undefined && latestAfter !== report.latestBefore;
    if (dryRun) {
        if (changes) {
            report.wouldWrite = [{ parameter: engine.latestParameter, value: latestAfter, ...(report.latestBefore === undefined ? {} : { before: report.latestBefore }) }];
            wouldDo(report, `Would set ${engine.latestParameter} to ${latestAfter} (it names ${report.latestBefore ?? "no snapshot yet"}).`);
        } else {
            wouldDo(report, `Would leave ${engine.latestParameter} as it is (${report.latestBefore ?? "no snapshot yet"}).`);
        }
        return latestAfter;
    }
    if (changes) await dependencies.parameters.write(engine.latestParameter, latestAfter);
    report.latestAfter = latestAfter;
    return latestAfter;
}

/** Deletes own copies beyond retention; a copy that cannot be deleted is a warning, tried again next run. */
async function trimCopies(
    engine: EngineSettings,
    api: ClusterSnapshotApi,
    ownCopies: readonly OwnCopy[],
    protectedValues: readonly (string | undefined)[],
    dryRun: boolean,
    report: EngineUpdateReport,
): Promise<void> {
    const doomed = copiesToDelete(ownCopies, engine.keepCopies, protectedValues);
    if (dryRun) {
        for (const copy of doomed) wouldDelete(report, copy.snapshot.identifier, whyDeleted(copy, engine));
        if (doomed.length === 0) wouldDo(report, `Would delete no copy: none is beyond keepCopies (${engine.keepCopies}).`);
        return;
    }
    for (const copy of doomed) {
        try {
            await api.delete(copy.snapshot.identifier);
            report.deletedCopies.push(copy.snapshot.identifier);
        } catch (error) {
            report.warnings.push(`could not delete old copy ${copy.snapshot.identifier}: ${describeError(error)}`);
        }
    }
}

/** Why retention deletes a copy, in the terms of {@link copiesToDelete}. */
function whyDeleted(copy: OwnCopy, engine: EngineSettings): string {
    if (snapshotState(copy.snapshot) !== "available") return `it is ${copy.snapshot.status}, and holds nothing to restore`;
    if (!copy.followed) return `its cluster ${copy.snapshot.clusterIdentifier ?? "(unknown)"} is no longer followed, and neither latest nor current names it`;
    return `older than the newest ${engine.keepCopies} available copies (keepCopies), and neither latest nor current names it`;
}

function nothingShared(settings: RefreshSettings, engine: EngineSettings, latestBefore: string | undefined): Error {
    const clusters = engine.sourceClusters.length > 0 ? ` from cluster(s) ${engine.sourceClusters.join(", ")}` : "";
    const named = settings.sourceSnapshotPrefix !== undefined ? ` named ${settings.sourceSnapshotPrefix}*` : "";
    return refreshError(
        "NothingSharedError",
        `no available ${engine.engine} snapshot${clusters}${named} of account ${settings.sourceAccountId} is shared with this account; ` +
        `latest stays ${latestBefore ?? "unset"}. In the source account, check that its SnapshotShare stack lists this account in ` +
        "targetAccountIds and that its share cycles succeed (or share a manual cluster snapshot with this account), or fix " +
        "sourceAccountId / sourceClusters / sourceStack in the stack configuration.",
    );
}

const OUTCOME_OF_EXISTING_COPY: Record<SnapshotState, CopyOutcome> = {
    available: "available",
    "in-progress": "in-progress",
    deleting: "being-deleted",
    failed: "failed-and-deleted",
};
