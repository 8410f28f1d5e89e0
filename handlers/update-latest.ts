import { ClusterSnapshotApi } from "./cluster-snapshots";
import { EngineState, inspectEngines, newestAvailableCopy } from "./engine-state";
import { EngineName } from "./engines";
import { startCopy } from "./copies";
import { describeError, refreshError } from "./errors";
import { Logger } from "./log";
import { ParameterStore, snapshotValue } from "./parameters";
import { EngineSettings, RefreshSettings } from "./settings";
import { ClusterSnapshot, copiesToDelete, OwnCopy, SnapshotState, snapshotState } from "./snapshots";

export interface UpdateDependencies {
    /** Lists every engine's cluster snapshots: the RDS endpoint serves Aurora and DocumentDB alike. */
    listing: ClusterSnapshotApi;
    /** Copies and deletes through each engine's own API. */
    snapshots: (engine: EngineName) => ClusterSnapshotApi;
    parameters: ParameterStore;
    log: Logger;
}

/** What happened to the copy of the newest shared snapshot during this run. */
export type CopyOutcome = "started" | "in-progress" | "available" | "failed-and-deleted" | "being-deleted";

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

/**
 * db-update-latest-snapshot-id: per engine, finds the newest snapshot production shares, starts its local copy
 * where a restore needs one, points `latest` at the newest snapshot a restore can use now and trims old copies.
 * Engines are independent: one engine's failure leaves the others' work done, and the run still fails.
 */
export async function updateLatestSnapshots(settings: RefreshSettings, dependencies: UpdateDependencies): Promise<UpdateSummary> {
    const parameterNames = settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter]);
    const values = await dependencies.parameters.read(parameterNames);
    // One scan for all engines; if it fails, every engine reports why.
    const states = inspectEngines(dependencies.listing, settings.engines, settings);
    const reports = await Promise.all(
        settings.engines.map((engine) =>
            updateEngine(settings, engine, values, states.then((all) => all.get(engine.engine)!), dependencies).catch((error: unknown): EngineUpdateReport => ({
                engine: engine.engine,
                latestBefore: snapshotValue(values.get(engine.latestParameter)),
                deletedCopies: [],
                warnings: [],
                error: describeError(error),
            })),
        ),
    );
    const summary = { engines: reports };
    const failed = reports.filter((report) => report.error !== undefined);
    dependencies.log[failed.length > 0 ? "error" : "info"]("update summary", { summary });
    if (failed.length > 0) {
        throw refreshError(
            "EnginesFailedError",
            `db-update-latest-snapshot-id failed for ${failed.map((report) => `${report.engine} (${report.error})`).join("; ")}`,
        );
    }
    return summary;
}

async function updateEngine(
    settings: RefreshSettings,
    engine: EngineSettings,
    values: Map<string, string>,
    engineState: Promise<EngineState>,
    dependencies: UpdateDependencies,
): Promise<EngineUpdateReport> {
    const api = dependencies.snapshots(engine.engine);
    const latestBefore = snapshotValue(values.get(engine.latestParameter));
    const state = await engineState;
    const newest = state.newestShared;
    if (newest === undefined) {
        const clusters = engine.sourceClusters.length > 0 ? ` from cluster(s) ${engine.sourceClusters.join(", ")}` : "";
        throw refreshError(
            "NothingSharedError",
            `no available ${engine.engine} snapshot${clusters} of account ${settings.sourceAccountId} is shared with this account; ` +
            `latest stays ${latestBefore ?? "unset"}. In the source account, share a manual cluster snapshot with this account ` +
            "(restore permission), or fix sourceAccountId / sourceClusters in the stack configuration.",
        );
    }
    const report: EngineUpdateReport = { engine: engine.engine, newestShared: newest.arn, latestBefore, deletedCopies: [], warnings: [] };

    let latestAfter: string | undefined = newest.arn;
    let ownCopies = state.ownCopies;
    if (engine.copy) {
        const identifier = state.copyIdentifierOfNewest!;
        const outcome = await ensureCopy(settings, engine, api, newest, identifier, state.copyOfNewest);
        report.copy = { identifier, outcome: outcome.outcome };
        ownCopies = outcome.started ? [outcome.started, ...ownCopies] : ownCopies;
        latestAfter = newestAvailableCopy({ ownCopies })?.snapshot.arn ?? latestBefore;
        if (outcome.outcome === "failed-and-deleted") {
            report.error = `the copy ${identifier} of ${newest.arn} failed; it was deleted so that the next run copies again ` +
                "(invoke db-update-latest-snapshot-id to retry now)";
        } else if (outcome.outcome === "being-deleted") {
            report.error = `the copy ${identifier} of ${newest.arn} is being deleted by someone else; the next run copies again`;
        }
    }
    if (latestAfter !== undefined && latestAfter !== latestBefore) {
        await dependencies.parameters.write(engine.latestParameter, latestAfter);
    }
    report.latestAfter = latestAfter;

    if (engine.copy) {
        const current = snapshotValue(values.get(engine.currentParameter));
        const justDeleted = report.copy?.outcome === "failed-and-deleted" ? report.copy.identifier : undefined;
        for (const doomed of copiesToDelete(ownCopies, engine.keepCopies, [latestAfter, current])) {
            if (doomed.snapshot.identifier === justDeleted) continue;
            try {
                await api.delete(doomed.snapshot.identifier);
                report.deletedCopies.push(doomed.snapshot.identifier);
            } catch (error) {
                report.warnings.push(`could not delete old copy ${doomed.snapshot.identifier}: ${describeError(error)}`);
            }
        }
    }
    return report;
}

const OUTCOME_OF_EXISTING_COPY: Record<Exclude<SnapshotState, "failed">, CopyOutcome> = {
    available: "available",
    "in-progress": "in-progress",
    deleting: "being-deleted",
};

interface EnsureCopyResult {
    outcome: CopyOutcome;
    /** The copy this run started, as AWS first reported it. */
    started?: OwnCopy;
}

/** Starts the copy of the newest shared snapshot unless it exists or is under way. */
async function ensureCopy(
    settings: RefreshSettings,
    engine: EngineSettings,
    api: ClusterSnapshotApi,
    source: ClusterSnapshot,
    identifier: string,
    existing: OwnCopy | undefined,
): Promise<EnsureCopyResult> {
    if (existing !== undefined) {
        const state = snapshotState(existing.snapshot);
        if (state !== "failed") return { outcome: OUTCOME_OF_EXISTING_COPY[state] };
        await api.delete(identifier);
        return { outcome: "failed-and-deleted" };
    }
    return { outcome: "started", started: await startCopy(settings.instanceName, engine, api, source, identifier) };
}
