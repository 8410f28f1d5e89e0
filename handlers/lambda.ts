import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import { auroraSnapshotApi, ClusterSnapshotApi, documentDbSnapshotApi } from "./cluster-snapshots";
import { CycleDecision, CycleGate, decideCycle } from "./cycle";
import { EngineName } from "./engines";
import { jsonLogger, Logger } from "./log";
import { ssmParameterStore } from "./parameters";
import { codePipelineApi } from "./pipelines";
import { restoreFromLatest, RestoreSummary } from "./restore";
import { readSettings } from "./settings";
import { updateLatestSnapshots, UpdateSummary } from "./update-latest";

/**
 * What a schedule sends. A manual invocation sends `{}` (or any object without these fields) and runs at once,
 * outside any cycle.
 */
export interface InvocationEvent {
    /** The schedule's `<aws.scheduler.scheduled-time>`, ISO 8601. */
    scheduledTime?: string;
    /** Which firings of the schedule are refresh cycles; see components/cadence.ts. */
    gate?: CycleGate;
}

/** The part of Lambda's context object the handlers use. */
export interface LambdaContext {
    invokedFunctionArn: string;
    functionName: string;
    awsRequestId: string;
}

export interface SkippedRun {
    outcome: "skipped";
    reason: string;
}

/**
 * Throttling is the normal state of an account with thousands of snapshots: let the SDK's standard retry
 * strategy (exponential backoff with jitter) try harder than its default of 3 attempts.
 */
const MAX_ATTEMPTS = 8;

interface AwsClients {
    /** The RDS endpoint lists Aurora and DocumentDB cluster snapshots alike. */
    listing: ClusterSnapshotApi;
    snapshots: (engine: EngineName) => ClusterSnapshotApi;
    ssm: SSMClient;
    codePipeline: CodePipelineClient;
}

/** Clients are made once per Lambda environment, on first use, and reused by later invocations. */
function lazyClients(): () => AwsClients {
    let clients: AwsClients | undefined;
    return () => {
        if (clients === undefined) {
            const aurora = auroraSnapshotApi(new RDSClient({ maxAttempts: MAX_ATTEMPTS }));
            const documentDb = documentDbSnapshotApi(new DocDBClient({ maxAttempts: MAX_ATTEMPTS }));
            clients = {
                listing: aurora,
                snapshots: (engine) => (engine === "aurora" ? aurora : documentDb),
                ssm: new SSMClient({ maxAttempts: MAX_ATTEMPTS }),
                codePipeline: new CodePipelineClient({ maxAttempts: MAX_ATTEMPTS }),
            };
        }
        return clients;
    };
}

function accountOf(context: LambdaContext): string {
    return context.invokedFunctionArn.split(":")[4];
}

function startRun(functionLabel: string, event: InvocationEvent | null | undefined, context: LambdaContext) {
    const settings = readSettings(process.env);
    const log: Logger = jsonLogger({ function: functionLabel, instance: settings.instanceName, requestId: context.awsRequestId });
    const cycle: CycleDecision = decideCycle(event?.gate, event?.scheduledTime);
    if (!cycle.run) log.info("not a refresh cycle", { reason: cycle.reason, scheduledTime: event?.scheduledTime });
    return { settings, log, cycle };
}

/** The Lambda handler of db-update-latest-snapshot-id, for `CallbackFunction`'s `callbackFactory`. */
export function createUpdateHandler(): (event: InvocationEvent, context: LambdaContext) => Promise<UpdateSummary | SkippedRun> {
    const clients = lazyClients();
    return async (event, context) => {
        const { settings, log, cycle } = startRun("db-update-latest-snapshot-id", event, context);
        if (!cycle.run) return { outcome: "skipped", reason: cycle.reason };
        const { listing, snapshots, ssm } = clients();
        return updateLatestSnapshots(settings, { listing, snapshots, parameters: ssmParameterStore(ssm), log });
    };
}

/** The Lambda handler of db-restore-from-snapshot, for `CallbackFunction`'s `callbackFactory`. */
export function createRestoreHandler(): (event: InvocationEvent, context: LambdaContext) => Promise<RestoreSummary | SkippedRun> {
    const clients = lazyClients();
    return async (event, context) => {
        const { settings, log, cycle } = startRun("db-restore-from-snapshot", event, context);
        if (!cycle.run) return { outcome: "skipped", reason: cycle.reason };
        const { listing, snapshots, ssm, codePipeline } = clients();
        const manual = event?.scheduledTime === undefined;
        const now = new Date();
        return restoreFromLatest(
            settings,
            {
                accountId: accountOf(context),
                functionName: context.functionName,
                cycleId: manual ? `manual-${context.awsRequestId}` : cycle.cycleId,
                windowStart: manual ? now : new Date(cycle.windowStart),
                sharedCreatedBy: manual ? now : new Date(cycle.cycleStart),
                lastAttempt: manual || cycle.lastAttempt,
            },
            { listing, snapshots, parameters: ssmParameterStore(ssm), pipelines: codePipelineApi(codePipeline), log },
        );
    };
}
