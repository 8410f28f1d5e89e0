import { createHash } from "node:crypto";
import { EngineName } from "../engines";
import { describeError, isRefreshErrorName, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { Logger } from "../log";
import { ParameterStore } from "./parameters";
import { mayHaveStarted, PipelineApi } from "./pipelines";
import { EngineSettings, UNSET_SNAPSHOT } from "./settings";

/** One engine's snapshot to promote: what `current` will name, and why. */
export interface RestoreTarget {
    engine: EngineSettings;
    /** The snapshot `current` is set to: an ARN, or the identifier `latest` named. */
    snapshot: string;
    /** Whether `latest` moves there too. */
    advancesLatest: boolean;
    /** When production took the data it holds; unknown only for a snapshot that AWS reports without a time. */
    takenAt?: Date;
    /** Why this snapshot, in words, for a dry run's report. */
    why: string;
    /** Named by the request (`{"restore": {...}}`) rather than picked by the cycle's rules. */
    chosen: boolean;
}

/** A parameter write of a promotion, with the value to put back should the pipeline not start. */
export interface PromotionWrite {
    engine: EngineName;
    parameter: string;
    value: string;
    /** The value it had when the run read it (`none` while unset). */
    previous: string;
}

export interface PromotionDependencies {
    parameters: ParameterStore;
    pipelines: PipelineApi;
    log: Logger;
}

export interface Promotion {
    /** Names the cycle: one cycle starts the pipeline at most once for the same snapshots. */
    cycleName: string;
    /** This function's name: its role's session name, which marks the pipeline executions it started. */
    functionName: string;
    pipelineName: string;
    /** The engines whose `current` (and perhaps `latest`) changes; the others keep theirs. */
    targets: readonly RestoreTarget[];
    /** Every parameter's value as the run read it. */
    values: ReadonlyMap<string, string>;
}

/** The writes a promotion makes: only the parameters whose value changes, engine by engine, `latest` first. */
export function promotionWrites(targets: readonly RestoreTarget[], values: ReadonlyMap<string, string>): PromotionWrite[] {
    return targets.flatMap((target) => {
        const parameters = target.advancesLatest ? [target.engine.latestParameter, target.engine.currentParameter] : [target.engine.currentParameter];
        return parameters
            .filter((parameter) => values.get(parameter) !== target.snapshot)
            .map((parameter) => ({ engine: target.engine.engine, parameter, value: target.snapshot, previous: values.get(parameter) ?? UNSET_SNAPSHOT }));
    });
}

/**
 * Writes `latest`/`current` and starts the pipeline; returns the execution's id. If the start fails, CodePipeline
 * is asked first whether this function's execution started after all (the SDK retries a start, and an attempt it
 * gave up on may have been accepted): a pipeline that runs keeps the values it restores from. Only a start that
 * certainly did not happen puts every written parameter back.
 */
export async function promote(promotion: Promotion, dependencies: PromotionDependencies): Promise<string> {
    const writes = promotionWrites(promotion.targets, promotion.values);
    const written: PromotionWrite[] = [];
    let startRequestedAt: Date | undefined;
    try {
        for (const write of writes) {
            await dependencies.parameters.write(write.parameter, write.value);
            written.push(write);
        }
        const token = idempotencyToken(promotion.cycleName, promotion.pipelineName, promotion.targets.map((target) => target.snapshot));
        startRequestedAt = new Date();
        return await dependencies.pipelines.start(promotion.pipelineName, token);
    } catch (error) {
        if (startRequestedAt === undefined) throw await putBack(written, error, dependencies);
        return await resolveFailedStart(promotion, startRequestedAt, error, written, dependencies);
    }
}

/** A start that failed: the execution it may have started after all, or an error, with the parameters put back only when nothing can run. */
async function resolveFailedStart(
    promotion: Promotion,
    startRequestedAt: Date,
    startError: unknown,
    written: readonly PromotionWrite[],
    dependencies: PromotionDependencies,
): Promise<string> {
    const pipelineName = promotion.pipelineName;
    // CodePipeline's clock and this function's may differ by a little.
    const since = new Date(startRequestedAt.getTime() - 60_000);
    let executionId: string | undefined;
    try {
        executionId = await dependencies.pipelines.findStartedSince(pipelineName, promotion.functionName, since);
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
async function putBack(written: readonly PromotionWrite[], error: unknown, dependencies: PromotionDependencies): Promise<Error> {
    const notRestored: string[] = [];
    for (const write of [...written].reverse()) {
        await dependencies.parameters.write(write.parameter, write.previous).catch(() => notRestored.push(`${write.parameter}=${write.previous}`));
    }
    const restoredNote = notRestored.length === 0
        ? "every parameter was set back to its value before the run"
        : `could not set back ${notRestored.join(", ")}: set them by hand`;
    if (notRestored.length === 0 && isTransientAwsError(error)) return transientFailure(`the pipeline did not start (${restoredNote})`, [error]);
    const name = error instanceof Error && isRefreshErrorName(error.name) ? error.name : "RestoreAbortedError";
    return refreshError(name, `${describeError(error)} (${restoredNote})`, error);
}

/** Same cycle, pipeline and snapshots: same token, so a retried run cannot start a second execution. */
function idempotencyToken(cycleName: string, pipelineName: string, snapshots: readonly string[]): string {
    const digest = createHash("sha256").update([cycleName, pipelineName, ...snapshots].join("\n")).digest("hex");
    return `snapshot-refresh-${digest.slice(0, 40)}`;
}
