import { ClusterSnapshotApis } from "../cluster-snapshots";
import { chosenTargets } from "./chosen-snapshots";
import { cycleTargets } from "./cycle-targets";
import { EngineName } from "../engines";
import { refreshError } from "../errors";
import { Logger } from "../log";
import { pauseState } from "../pause";
import { ParameterStore, ParameterWrite, snapshotValue } from "./parameters";
import { PauseReport, pauseReport } from "../pause";
import { PipelineApi } from "./pipelines";
import { promote, promotionWrites, RestoreTarget } from "./promotion";
import { ChosenSnapshots } from "../run-request";
import { withPartialSummary } from "../run-summary";
import { RefreshSettings } from "./settings";

export interface RestoreDependencies extends ClusterSnapshotApis {
    parameters: ParameterStore;
    pipelines: PipelineApi;
    log: Logger;
}

/** Who runs this restore, where, for which cycle, and what was asked for. */
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
    /** Report what the run would do, and change nothing: no parameter write, no copy, no pipeline start. */
    dryRun: boolean;
    /** Restore these snapshots instead of the cycle's newest data; the engines not named keep `current`. */
    chosen?: ChosenSnapshots;
}

/** `dry-run`: the run only reported what it would do. `paused`: the instance is paused, and nothing was summarySoFar. */
export type RestoreOutcome = "restored" | "waiting" | "paused" | "dry-run";

export interface EngineRestoreReport {
    engine: EngineName;
    latestBefore?: string;
    currentBefore?: string;
    /** The snapshot `current` names after the run (and `latest`, when the restore advanced it). */
    restoredFrom?: string;
    /** When production took the data of `restoredFrom` (or, in a dry run, of `wouldRestoreFrom`), ISO 8601. */
    takenAt?: string;
    /** The snapshot was named by the request (`{"restore": {...}}`), not picked by the cycle's rules. */
    chosen?: true;
    /** The copy the cycle waits for. */
    waitingFor?: string;
    /** This check started the copy it waits for: the update had not made it, or it was deleted since. */
    copyStarted?: string;
    /** Why a copy it needs could not be started yet; the next check tries again. */
    copyNotStarted?: string;
    warning?: string;
    /** Dry run: the snapshot `current` would name. */
    wouldRestoreFrom?: string;
    /** Dry run: why that snapshot. */
    why?: string;
    /** Dry run: the parameters a run would write. */
    wouldWrite?: ParameterWrite[];
    /** Dry run: the copy a run would start, to wait for it. */
    wouldStartCopy?: string;
    /** Dry run: the copy a run would wait for. */
    wouldWaitFor?: string;
    /** Dry run: what a run would do, in sentences. */
    wouldDo?: string[];
}

export interface RestoreSummary extends PauseReport {
    outcome: RestoreOutcome;
    cycle: string;
    pipelineName: string;
    executionId?: string;
    /** When waiting: when the cycle checks again (never after the maintenance window ends). ISO 8601. */
    nextCheckAt?: string;
    /** Dry run: the pipeline a run would start, which exists. */
    wouldStartPipeline?: string;
    /** Dry run: what a run would do beyond each engine's part (the pause, the pipeline), in sentences. */
    wouldDo?: string[];
    engines: EngineRestoreReport[];
}

/** The summary as far as the run got: what it read, before it decided anything. */
type SummarySoFar = Omit<RestoreSummary, "outcome">;

/**
 * db-restore-from-snapshot: points each engine's `current` at the newest production data of its cycle (or at the
 * snapshots the request chose) and starts the main pipeline once, or reports that a copy is still in progress and
 * when to check again. All or nothing: if any engine cannot be restored, or the pipeline cannot be started, every
 * parameter keeps the value it had. While the instance is paused it changes nothing and starts nothing; a dry run
 * makes every decision and reports it instead.
 */
export async function restoreSnapshots(
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
    const values = await dependencies.parameters.read(
        [settings.pipelineParameter, ...settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter])],
        [settings.pauseParameter],
    );
    const pause = pauseState(settings.paused, values.get(settings.pauseParameter), settings.instanceName, invocation.now);
    const summarySoFar: SummarySoFar = {
        cycle: invocation.cycleName,
        pipelineName: values.get(settings.pipelineParameter)!,
        ...pauseReport(pause),
        engines: settings.engines.map((engine): EngineRestoreReport => ({
            engine: engine.engine,
            latestBefore: snapshotValue(values.get(engine.latestParameter)),
            currentBefore: snapshotValue(values.get(engine.currentParameter)),
        })),
    };
    if (pause.paused && !invocation.dryRun) return { outcome: "paused", ...summarySoFar };
    try {
        return await restoreNow(settings, invocation, values, summarySoFar, dependencies);
    } catch (error) {
        // The summary line of a failed run still says what it found and decided.
        throw error instanceof Error ? withPartialSummary(error, summarySoFar) : error;
    }
}

async function restoreNow(
    settings: RefreshSettings,
    invocation: RestoreInvocation,
    values: Map<string, string>,
    summarySoFar: SummarySoFar,
    dependencies: RestoreDependencies,
): Promise<RestoreSummary> {
    await dependencies.pipelines.ensureExists(summarySoFar.pipelineName);
    const engineReport = (engine: EngineName) => summarySoFar.engines.find((candidate) => candidate.engine === engine)!;
    const { targets, waiting } = invocation.chosen !== undefined
        ? { targets: await chosenTargets(settings, invocation.chosen, invocation.accountId, dependencies), waiting: false }
        : await cycleTargets(settings, invocation, values, engineReport, dependencies);
    if (invocation.dryRun) return dryRunSummary(settings, invocation, values, summarySoFar, targets, waiting, engineReport);
    if (waiting) {
        const nextCheckMs = Math.min(invocation.now.getTime() + settings.copyRecheckMinutes * 60_000, invocation.waitUntil.getTime());
        return { outcome: "waiting", ...summarySoFar, nextCheckAt: new Date(nextCheckMs).toISOString() };
    }
    const executionId = await promote(
        { cycleName: invocation.cycleName, functionName: invocation.functionName, pipelineName: summarySoFar.pipelineName, targets, values },
        dependencies,
    );
    for (const target of targets) {
        Object.assign(engineReport(target.engine.engine), { restoredFrom: target.snapshot, takenAt: target.takenAt?.toISOString(), ...(target.chosen ? { chosen: true } : {}) });
    }
    return { outcome: "restored", ...summarySoFar, executionId };
}

/** What a run would do, from the same decisions: every write, the copies it would start or wait for, the pipeline. */
function dryRunSummary(
    settings: RefreshSettings,
    invocation: RestoreInvocation,
    values: Map<string, string>,
    summarySoFar: SummarySoFar,
    targets: readonly RestoreTarget[],
    waiting: boolean,
    report: (engine: EngineName) => EngineRestoreReport,
): RestoreSummary {
    const writes = promotionWrites(targets, values);
    for (const target of targets) {
        const engineReport = report(target.engine.engine);
        const engineWrites = writes.filter((write) => write.engine === target.engine.engine);
        const takenAt = target.takenAt?.toISOString();
        Object.assign(engineReport, {
            wouldRestoreFrom: target.snapshot,
            why: target.why,
            takenAt,
            ...(target.chosen ? { chosen: true } : {}),
            wouldWrite: engineWrites.map((write) => ({ parameter: write.parameter, value: write.value, ...(snapshotValue(write.previous) === undefined ? {} : { before: write.previous }) })),
        });
        const sentences = [`Would restore from ${target.snapshot}${takenAt === undefined ? "" : `, taken ${takenAt}`}: ${target.why}.`];
        for (const write of engineWrites) sentences.push(`Would set ${write.parameter} to ${write.value} (it names ${snapshotValue(write.previous) ?? "no snapshot yet"}).`);
        if (!engineWrites.some((write) => write.parameter === target.engine.currentParameter)) sentences.push(`Would leave ${target.engine.currentParameter} as it is: it already names ${target.snapshot}.`);
        if (waiting) sentences.push("Would write nothing until every copy the cycle waits for is available.");
        engineReport.wouldDo = [...(engineReport.wouldDo ?? []), ...sentences];
    }
    const unnamed = invocation.chosen === undefined ? [] : settings.engines.filter((engine) => !targets.some((target) => target.engine === engine));
    for (const engine of unnamed) {
        report(engine.engine).wouldDo = [`Would leave ${engine.currentParameter} as it is (${report(engine.engine).currentBefore ?? "no snapshot yet"}): the request does not name ${engine.engine}.`];
    }
    const sentences: string[] = [];
    if (summarySoFar.paused !== undefined) sentences.push(`A run now would change nothing and start nothing: ${summarySoFar.paused}. Once resumed, it would do what follows.`);
    sentences.push(waiting
        ? `Would start pipeline ${summarySoFar.pipelineName} once every copy it waits for is available (checking every ${settings.copyRecheckMinutes} minutes until ${invocation.waitUntil.toISOString()}).`
        : `Would start pipeline ${summarySoFar.pipelineName} once, which restores from the ${settings.engines.map((engine) => engine.currentParameter).join(" and ")} values above.`);
    return { outcome: "dry-run", ...summarySoFar, wouldStartPipeline: summarySoFar.pipelineName, wouldDo: sentences };
}
