/** What a program run learns of the promises its program leaves unhandled. */
export interface RunRejections {
    /** Rejects with the first unhandled rejection of the run. */
    first: Promise<never>;
    /** Every unhandled rejection of the run, in order. */
    all: unknown[];
    /** Marks the run failed with `error`: what it rejected with is its failure, also when it comes again later. */
    failed(error: unknown): void;
    stop(): void;
}

/**
 * What failed runs threw. Pulumi rethrows one error through every output that depends on it, some of them after
 * the run is over: a later run must not take them for its own.
 */
const failedRunErrors = new WeakSet<object>();

/** Runs watching for unhandled rejections now: at most one, as runs happen one at a time. */
let watchingRuns = 0;

/**
 * Whether an unhandled rejection is one the plan accounts for: a running program's failure (the run reports it),
 * or the repeat of a failure a run has reported already.
 */
export function isProgramRejection(reason: unknown): boolean {
    return watchingRuns > 0 || isFailureOfEndedRun(reason);
}

function isFailureOfEndedRun(reason: unknown): boolean {
    return typeof reason === "object" && reason !== null && failedRunErrors.has(reason);
}

/**
 * An error inside an apply (a check that needs the account) rejects outputs nobody awaits: `pulumi up` reports the
 * first such rejection as the program's failure, and so does the plan.
 */
export function watchUnhandledRejections(): RunRejections {
    const all: unknown[] = [];
    let rejectFirst: (reason: unknown) => void = () => undefined;
    const first = new Promise<never>((_, reject) => {
        rejectFirst = reject;
    });
    first.catch(() => undefined);
    const listener = (reason: unknown) => {
        if (isFailureOfEndedRun(reason)) return;
        all.push(reason);
        rejectFirst(reason);
    };
    process.on("unhandledRejection", listener);
    watchingRuns++;
    return {
        first,
        all,
        failed: (error) => {
            for (const reason of [error, ...all]) if (typeof reason === "object" && reason !== null) failedRunErrors.add(reason);
        },
        stop: () => {
            process.off("unhandledRejection", listener);
            watchingRuns--;
        },
    };
}

