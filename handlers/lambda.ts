import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { ClusterSnapshotApi, docDbSnapshotApi, rdsSnapshotApi } from "./cluster-snapshots";
import { ENGINES, EngineName, SnapshotClientKind } from "./engines";
import { jsonLogger } from "./log";
import { ssmParameterStore } from "./parameters";
import { codePipelineApi } from "./pipelines";
import { restoreFromLatest, RestoreSummary } from "./restore";
import { parseRunRequest } from "./run-request";
import { readSettings, readStarterSettings, RefreshSettings } from "./settings";
import { ScheduleEvent, startCycle, StartSummary } from "./start-cycle";
import { stepFunctionsExecutions } from "./step-functions";
import { updateLatestSnapshots, UpdateSummary } from "./update-latest";

/** The part of Lambda's context object the handlers use. */
export interface LambdaContext {
    invokedFunctionArn: string;
    functionName: string;
    awsRequestId: string;
}

/** How the functions are known in logs, names and messages. */
export const FUNCTION_LABELS = {
    update: "db-update-latest-snapshot-id",
    restore: "db-restore-from-snapshot",
    starter: "start-refresh-cycle",
} as const;

/**
 * Throttling is the normal state of an account with thousands of snapshots: let the SDK's standard retry
 * strategy (exponential backoff with jitter) try harder than its default of 3 attempts.
 */
const MAX_ATTEMPTS = 8;

interface RefreshClients {
    /** The RDS endpoint lists every engine's cluster snapshots alike. */
    listing: ClusterSnapshotApi;
    snapshots: (engine: EngineName) => ClusterSnapshotApi;
    ssm: SSMClient;
    codePipeline: CodePipelineClient;
}

/** Clients are made once per Lambda environment, on first use, and reused by later invocations. */
function lazy<T>(make: () => T): () => T {
    let made: T | undefined;
    return () => (made ??= make());
}

function refreshClients(): RefreshClients {
    const apis: Record<SnapshotClientKind, ClusterSnapshotApi> = {
        rds: rdsSnapshotApi(new RDSClient({ maxAttempts: MAX_ATTEMPTS })),
        docdb: docDbSnapshotApi(new DocDBClient({ maxAttempts: MAX_ATTEMPTS })),
    };
    return {
        listing: apis.rds,
        snapshots: (engine) => apis[ENGINES[engine].client],
        ssm: new SSMClient({ maxAttempts: MAX_ATTEMPTS }),
        codePipeline: new CodePipelineClient({ maxAttempts: MAX_ATTEMPTS }),
    };
}

function startRun(functionLabel: string, event: unknown, context: LambdaContext) {
    const settings: RefreshSettings = readSettings(process.env);
    const request = parseRunRequest(functionLabel, event);
    const log = jsonLogger({ function: functionLabel, instance: settings.instanceName, cycle: request.cycle?.name, requestId: context.awsRequestId });
    return { settings, log, request };
}

/** The Lambda handler of db-update-latest-snapshot-id, for `CallbackFunction`'s `callbackFactory`. */
export function createUpdateHandler(): (event: unknown, context: LambdaContext) => Promise<UpdateSummary> {
    const clients = lazy(refreshClients);
    return async (event, context) => {
        const { settings, log } = startRun(FUNCTION_LABELS.update, event, context);
        const { listing, snapshots, ssm } = clients();
        return updateLatestSnapshots(settings, { listing, snapshots, parameters: ssmParameterStore(ssm), log });
    };
}

/** The Lambda handler of db-restore-from-snapshot, for `CallbackFunction`'s `callbackFactory`. */
export function createRestoreHandler(): (event: unknown, context: LambdaContext) => Promise<RestoreSummary> {
    const clients = lazy(refreshClients);
    return async (event, context) => {
        const { settings, log, request } = startRun(FUNCTION_LABELS.restore, event, context);
        const { listing, snapshots, ssm, codePipeline } = clients();
        const now = new Date();
        const cycle = request.cycle;
        return restoreFromLatest(
            settings,
            {
                accountId: context.invokedFunctionArn.split(":")[4],
                functionName: context.functionName,
                cycleName: cycle?.name ?? `manual-${context.awsRequestId}`,
                cycleStartedAt: cycle?.startedAt ?? now,
                // Invoked by hand, nothing will check again: the run decides at once.
                waitUntil: cycle === undefined ? now : new Date(cycle.startedAt.getTime() + settings.maintenanceWindowMinutes * 60_000),
                now,
            },
            { listing, snapshots, parameters: ssmParameterStore(ssm), pipelines: codePipelineApi(codePipeline), log },
        );
    };
}

/** The Lambda handler the schedule invokes: starts the cycle's execution, or logs when the next cycle is. */
export function createStarterHandler(): (event: ScheduleEvent, context: LambdaContext) => Promise<StartSummary> {
    const client = lazy(() => new SFNClient({ maxAttempts: MAX_ATTEMPTS }));
    return async (event, context) => {
        const settings = readStarterSettings(process.env);
        const log = jsonLogger({ function: FUNCTION_LABELS.starter, instance: settings.instanceName, requestId: context.awsRequestId });
        return startCycle(settings, event ?? {}, new Date(), { executions: stepFunctionsExecutions(client()), log });
    };
}
