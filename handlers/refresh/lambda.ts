import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clusterSnapshotApis, ClusterSnapshotApis } from "../cluster-snapshots";
import { accountOf, createStarterHandler, LambdaContext, lazy, MAX_ATTEMPTS } from "../lambda";
import { jsonLogger } from "../log";
import { parseRunRequest } from "../run-request";
import { ssmParameterStore } from "./parameters";
import { codePipelineApi } from "./pipelines";
import { restoreFromLatest, RestoreSummary } from "./restore";
import { readSettings, RefreshSettings } from "./settings";
import { updateLatestSnapshots, UpdateSummary } from "./update-latest";

/** How the acceptance side's functions are known in logs, names and messages. */
export const REFRESH_FUNCTION_LABELS = {
    update: "db-update-latest-snapshot-id",
    restore: "db-restore-from-snapshot",
    starter: "start-refresh-cycle",
} as const;

interface RefreshClients extends ClusterSnapshotApis {
    ssm: SSMClient;
    codePipeline: CodePipelineClient;
}

function refreshClients(): RefreshClients {
    return {
        ...clusterSnapshotApis(new RDSClient({ maxAttempts: MAX_ATTEMPTS }), new DocDBClient({ maxAttempts: MAX_ATTEMPTS })),
        ssm: new SSMClient({ maxAttempts: MAX_ATTEMPTS }),
        codePipeline: new CodePipelineClient({ maxAttempts: MAX_ATTEMPTS }),
    };
}

const REFRESH_REQUEST_FORMS = {
    acceptedForms: '{} (run now, outside any cycle) or {"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}} ' +
        "(what the refresh cycle's state machine passes)",
};

function startRun(functionLabel: string, event: unknown, context: LambdaContext) {
    const settings: RefreshSettings = readSettings(process.env);
    const request = parseRunRequest(functionLabel, event, REFRESH_REQUEST_FORMS);
    const log = jsonLogger({ function: functionLabel, instance: settings.instanceName, cycle: request.cycle?.name, requestId: context.awsRequestId });
    return { settings, log, request };
}

/** The Lambda handler of db-update-latest-snapshot-id, for `CallbackFunction`'s `callbackFactory`. */
export function createUpdateHandler(): (event: unknown, context: LambdaContext) => Promise<UpdateSummary> {
    const clients = lazy(refreshClients);
    return async (event, context) => {
        const { settings, log } = startRun(REFRESH_FUNCTION_LABELS.update, event, context);
        const { listing, snapshots, ssm } = clients();
        return updateLatestSnapshots(settings, { listing, snapshots, parameters: ssmParameterStore(ssm), log });
    };
}

/** The Lambda handler of db-restore-from-snapshot, for `CallbackFunction`'s `callbackFactory`. */
export function createRestoreHandler(): (event: unknown, context: LambdaContext) => Promise<RestoreSummary> {
    const clients = lazy(refreshClients);
    return async (event, context) => {
        const { settings, log, request } = startRun(REFRESH_FUNCTION_LABELS.restore, event, context);
        const { listing, snapshots, ssm, codePipeline } = clients();
        const now = new Date();
        const cycle = request.cycle;
        return restoreFromLatest(
            settings,
            {
                accountId: accountOf(context),
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

/** The Lambda handler that starts the refresh cycles, for `CallbackFunction`'s `callbackFactory`. */
export const createRefreshStarterHandler = createStarterHandler(REFRESH_FUNCTION_LABELS.starter);
