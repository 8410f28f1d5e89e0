import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { startCopy } from "./copies";
import { EngineState, inspectEngines, newestAvailableCopy } from "./engine-state";
import { EngineName } from "../engines";
import { describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { Logger } from "../log";
import { ParameterStore, snapshotValue } from "./parameters";
import { EngineSettings, RefreshSettings } from "./settings";
import { copiesToDelete, names, OwnCopy, SnapshotState, snapshotState } from "../snapshots";

export interface UpdateDependencies extends ClusterSnapshotApis {
    parameters: ParameterStore;
    log: Logger;
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
}

export interface UpdateSummary {
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
 * it safely can and still fails, saying why.
 */
export async function updateLatestSnapshots(settings: RefreshSettings, dependencies: UpdateDependencies): Promise<UpdateSummary> {
    const parameterNames = settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter]);
    const values = await dependencies.parameters.read(parameterNames);
    // One scan for all engines; if it fails, every engine reports why.
    const states = inspectEngines(dependencies.listing, settings.engines, settings);
    const outcomes = await Promise.all(
        settings.engines.map((engine) =>
            updateEngine(settings, engine, values, states.then((all) => all.get(engine.engine)!), dependencies).catch((failure: unknown): EngineOutcome => ({
                report: { engine: engine.engine, latestBefore: snapshotValue(values.get(engine.latestParameter)), deletedCopies: [], warnings: [] },
                failure,
            })),
        ),
    );
    const failed = outcomes.filter((outcome) => outcome.failure !== undefined);
    for (const { report, failure } of failed) report.error = describeError(failure);
    const summary = { engines: outcomes.map((outcome) => outcome.report) };
    dependencies.log[failed.length > 0 ? "error" : "info"]("update summary", { summary });
    if (failed.length === 0) return summary;
    const failures = failed.map((outcome) => outcome.failure);
    const failedEngines = failed.map(({ report }) => report.engine).join(", ");
    if (failures.every(isTransientAwsError)) throw transientFailure(`db-update-latest-snapshot-id failed for ${failedEngines}`, failures);
    throw refreshError(
        "EnginesFailedError",
        `db-update-latest-snapshot-id failed for ${failed.map(({ report }) => `${report.engine} (${report.error})`).join("; ")}`,
    );
}

async function updateEngine(
    settings: RefreshSettings,
    engine: EngineSettings,
    values: Map<string, string>,
    engineState: Promise<EngineState>,
    dependencies: UpdateDependencies,
): Promise<EngineOutcome> {
    const api = dependencies.snapshots(engine.engine);
    const latestBefore = snapshotValue(values.get(engine.latestParameter));
    const current = snapshotValue(values.get(engine.currentParameter));
    const state = await engineState;
    const newest = state.newestShared;
    const report: EngineUpdateReport = { engine: engine.engine, newestShared: newest?.arn, latestBefore, deletedCopies: [], warnings: [] };
    if (!engine.copy) {
        if (newest === undefined) return { report, failure: nothingShared(settings, engine, latestBefore) };
        await recordLatest(engine, report, newest.arn, dependencies);
        return { report };
    }

    // A failed copy of the newest snapshot is deleted first: its identifier would block the copy made next.
    const existing = state.copyOfNewest;
    const existingState = existing === undefined ? undefined : snapshotState(existing.snapshot);
    let failedCopyLeft: unknown;
    if (existing !== undefined && existingState === "failed") {
        await api.delete(existing.snapshot.identifier).catch((error: unknown) => (failedCopyLeft = error));
    }
    const ownCopies = existingState === "failed" ? state.ownCopies.filter((copy) => copy !== existing) : state.ownCopies;

    // A copy of a cluster no longer followed never stays latest once a followed one is available.
    const latestCopy = state.ownCopies.find((copy) => names(latestBefore, copy.snapshot));
    const newestCopy = newestAvailableCopy({ ownCopies })?.snapshot.arn;
    await recordLatest(engine, report, newestCopy ?? latestBefore, dependencies);
    if (newestCopy === undefined && latestCopy !== undefined && !latestCopy.followed) {
        report.warnings.push(`latest names ${latestBefore}, a copy of cluster ${latestCopy.snapshot.clusterIdentifier ?? "(unknown)"}, which is no ` +
            "longer followed: it moves to a copy of a followed cluster once one is available, and the restore does not use it");
    }
    // Trimming comes before copying, so that a run at the snapshot quota makes room for its own copy.
    await trimCopies(engine, api, ownCopies, [report.latestAfter, current], report);
    if (newest === undefined) return { report, failure: nothingShared(settings, engine, latestBefore) };

    const identifier = state.copyIdentifierOfNewest!;
    if (existing !== undefined) {
        report.copy = { identifier, outcome: OUTCOME_OF_EXISTING_COPY[existingState!] };
        if (existingState === "failed") {
            const deleted = failedCopyLeft === undefined
                ? "it was deleted so that the next run copies again (invoke db-update-latest-snapshot-id, or start a refresh cycle, to retry now)"
                : `deleting it failed (${describeError(failedCopyLeft)}); the next run tries again`;
            return { report, failure: refreshError("CopyFailedError", `the copy ${identifier} of ${newest.arn} failed; ${deleted}`, failedCopyLeft) };
        }
        if (existingState === "deleting") {
            return { report, failure: refreshError("CopyFailedError", `the copy ${identifier} of ${newest.arn} is being deleted by someone else; the next run copies again`) };
        }
        return { report };
    }
    try {
        const start = await startCopy(settings.instanceName, engine, api, newest, identifier);
        report.copy = { identifier, outcome: start === "started" ? "started" : "in-progress" };
        return { report };
    } catch (failure) {
        report.copy = { identifier, outcome: "not-started" };
        return { report, failure };
    }
}

/** `latest` is written only when it changes: each write is a version the pipeline and operators see. */
async function recordLatest(engine: EngineSettings, report: EngineUpdateReport, latestAfter: string | undefined, dependencies: UpdateDependencies): Promise<void> {
    if (latestAfter !== undefined && latestAfter !== report.latestBefore) {
        await dependencies.parameters.write(engine.latestParameter, latestAfter);
    }
    report.latestAfter = latestAfter;
}

/** Deletes own copies beyond retention; a copy that cannot be deleted is a warning, tried again next run. */
async function trimCopies(
    engine: EngineSettings,
    api: ClusterSnapshotApi,
    ownCopies: readonly OwnCopy[],
    protectedValues: readonly (string | undefined)[],
    report: EngineUpdateReport,
): Promise<void> {
    for (const doomed of copiesToDelete(ownCopies, engine.keepCopies, protectedValues)) {
        try {
            await api.delete(doomed.snapshot.identifier);
            report.deletedCopies.push(doomed.snapshot.identifier);
        } catch (error) {
            report.warnings.push(`could not delete old copy ${doomed.snapshot.identifier}: ${describeError(error)}`);
        }
    }
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
