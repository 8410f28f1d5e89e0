import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clusterSnapshotApis, ClusterSnapshotApis } from "../cluster-snapshots";
import { describeError, isTransientAwsError, refreshError, transientFailure } from "../errors";
import { createStarterHandler, LambdaContext, lazy, MAX_ATTEMPTS } from "../lambda";
import { jsonLogger, LogFields, Logger } from "../log";
import { PauseState, pauseState, readPauseValue } from "../pause";
import { keyedBy, summarizeRun } from "../run-summary";
import { planShare } from "./dry-run";
import { parseShareRequest, ShareRequest } from "./run-request";
import { readShareSettings, ShareSettings } from "./settings";
import { ShareRun, shareSnapshots, ShareSummary } from "./share-snapshots";

/** How the production side's functions are known in logs, names and messages. */
export const SHARE_FUNCTION_LABELS = {
    share: "db-share-latest-snapshots",
    starter: "start-share-cycle",
} as const;

/** What the share function works with: both engines' snapshot APIs and SSM, for the pause. */
export interface ShareClients extends ClusterSnapshotApis {
    ssm: SSMClient;
}

/** One invocation: when it runs, and Lambda's id for it, which names a run by hand. */
export interface ShareInvocation {
    now: Date;
    requestId: string;
}

/** The Lambda handler of db-share-latest-snapshots, for `CallbackFunction`'s `callbackFactory`. */
export function createShareHandler(): (event: unknown, context: LambdaContext) => Promise<ShareSummary> {
    const clients = lazy((): ShareClients => ({
        ...clusterSnapshotApis(new RDSClient({ maxAttempts: MAX_ATTEMPTS }), new DocDBClient({ maxAttempts: MAX_ATTEMPTS })),
        ssm: new SSMClient({ maxAttempts: MAX_ATTEMPTS }),
    }));
    return async (event, context) => {
        let settings: ShareSettings;
        try {
            settings = readShareSettings(process.env);
        } catch (unusable) {
            // Still one summary line: a function whose environment was edited by hand shows up in the same query.
            const log = jsonLogger({ function: SHARE_FUNCTION_LABELS.share, requestId: context.awsRequestId });
            return summarizeRun(log, () => Promise.reject(unusable), summaryLine);
        }
        const log = jsonLogger({ function: SHARE_FUNCTION_LABELS.share, instance: settings.instanceName, requestId: context.awsRequestId });
        return handleShareEvent(settings, event, { now: new Date(), requestId: context.awsRequestId }, clients(), log);
    };
}

/**
 * One run of the share function, from its event to its one summary line: reads the request (refusing anything
 * else before AWS is called) and the pause, then shares, or with `dryRun` reports what it would do. The line
 * is written whatever happens, failures included.
 */
export function handleShareEvent(settings: ShareSettings, event: unknown, invocation: ShareInvocation, clients: ShareClients, log: Logger): Promise<ShareSummary> {
    return summarizeRun(log, async () => {
        const request = parseShareRequest(SHARE_FUNCTION_LABELS.share, event);
        const run = shareRunOf(settings, request, invocation, await readPause(settings, clients.ssm, invocation.now));
        return request.dryRun ? planShare(settings, run, clients) : shareSnapshots(settings, run, clients);
    }, summaryLine);
}

function shareRunOf(settings: ShareSettings, request: ShareRequest, invocation: ShareInvocation, pause: PauseState): ShareRun {
    const { cycle } = request;
    return {
        cycleName: cycle?.name ?? `manual-${invocation.requestId}`,
        cycleStartedAt: cycle?.startedAt ?? invocation.now,
        waitUntil: cycle === undefined ? undefined : new Date(cycle.startedAt.getTime() + settings.maintenanceWindowMinutes * 60_000),
        now: invocation.now,
        previous: request.previous,
        pause,
    };
}

/**
 * Whether the instance is paused. A parameter that cannot be read stops the run: carrying on could end a pause
 * an operator relies on.
 */
async function readPause(settings: ShareSettings, ssm: SSMClient, now: Date): Promise<PauseState> {
    // The deployed pause holds whatever the parameter says: no need to read it.
    if (settings.paused) return pauseState(true, undefined, settings.instanceName, now);
    try {
        return pauseState(false, await readPauseValue(ssm, settings.pauseParameter), settings.instanceName, now);
    } catch (error) {
        const nothingDone = `nothing was copied, shared or deleted: the pause parameter ${settings.pauseParameter} could not be read`;
        if (isTransientAwsError(error)) throw transientFailure(nothingDone, [error]);
        throw refreshError(
            "ShareFailedError",
            `${nothingDone} (ssm:GetParameter): ${describeError(error)}. pulumi up allows the share function's role to read it: run it for this stack`,
            error,
        );
    }
}

/** The summary as its log line has it: per cluster keyed by cluster identifier, so a query never depends on a list position. */
export function summaryLine(summary: ShareSummary): LogFields {
    const clusters: readonly { cluster: string }[] = summary.clusters;
    return { ...summary, dryRun: summary.outcome === "dry-run", clusters: keyedBy(clusters, (report) => report.cluster) };
}

/** The Lambda handler that starts the share cycles, for `CallbackFunction`'s `callbackFactory`. */
export const createShareStarterHandler = createStarterHandler(SHARE_FUNCTION_LABELS.starter);
