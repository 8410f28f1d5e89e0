import { jsonLogger, LogFields, Logger } from "./log";

/** The event of the one line every run writes, succeeded or failed: the README's Logs Insights query filters on it. */
export const RUN_SUMMARY_EVENT = "run summary";

/**
 * The property of an error that carries what its run got done before it failed, to the summary line. A string,
 * not a symbol: a symbol does not survive the serialization of an inline Lambda.
 */
const PARTIAL_SUMMARY = "snapshotRefreshPartialSummary";

/** Attaches what a run did before failing to the error it fails with, for its summary line (not enumerable: never logged twice). */
export function withPartialSummary<E extends Error>(error: E, summary: object): E {
    Object.defineProperty(error, PARTIAL_SUMMARY, { value: summary, enumerable: false, configurable: true, writable: true });
    return error;
}

/**
 * Runs one invocation and writes its one summary line: `outcome` and the summary's fields when it returns,
 * `outcome: "failed"` with the error (and what the run did before it failed) when it throws. Per-engine state is
 * keyed by engine (`engines.aurora.restoredFrom`), so a query never depends on an engine's place in a list.
 */
export async function summarizeRun<T extends object>(log: Logger, run: () => Promise<T>, fields: (result: T) => LogFields): Promise<T> {
    let result: T;
    try {
        result = await run();
    } catch (error) {
        const partial = error instanceof Error ? (error as Error & { [PARTIAL_SUMMARY]?: object })[PARTIAL_SUMMARY] : undefined;
        log.error(RUN_SUMMARY_EVENT, {
            ...(partial === undefined ? {} : fields(partial as T)),
            outcome: "failed",
            error: error instanceof Error ? { name: error.name, message: error.message } : { name: "Error", message: String(error) },
        });
        throw error;
    }
    log.info(RUN_SUMMARY_EVENT, fields(result));
    return result;
}

/** A list of per-engine (or per-cluster) reports as one object keyed by `key`. */
export function keyedBy<R>(reports: readonly R[], key: (report: R) => string): Record<string, R> {
    return Object.fromEntries(reports.map((report) => [key(report), report]));
}

/**
 * One invocation of a function, from its settings to its summary line: a function whose settings are unusable
 * (its environment edited by hand) still writes its one line, so it shows up in the same query.
 */
export async function runWithSummary<S extends { instanceName: string }, T extends object>(
    invocation: { label: string; requestId: string; readSettings: () => S },
    run: (settings: S, log: Logger) => Promise<T>,
    fields: (result: T) => LogFields,
): Promise<T> {
    let settings: S;
    try {
        settings = invocation.readSettings();
    } catch (unusable) {
        return summarizeRun(jsonLogger({ function: invocation.label, requestId: invocation.requestId }), () => Promise.reject(unusable), fields);
    }
    const log = jsonLogger({ function: invocation.label, instance: settings.instanceName, requestId: invocation.requestId });
    return summarizeRun(log, () => run(settings, log), fields);
}
