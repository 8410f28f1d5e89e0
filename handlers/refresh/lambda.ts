import { CodePipelineClient } from "@aws-sdk/client-codepipeline";
import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clusterSnapshotApis, ClusterSnapshotApis } from "../cluster-snapshots";
import { EngineName } from "../engines";
import { refreshError } from "../errors";
import { accountOf, createStarterHandler, LambdaContext, lazy, MAX_ATTEMPTS } from "../lambda";
import { jsonLogger, LogFields, Logger } from "../log";
import { parseRunRequest, RequestForms, RunRequest } from "../run-request";
import { keyedBy, summarizeRun } from "../run-summary";
import { ssmParameterStore } from "./parameters";
import { codePipelineApi } from "./pipelines";
import { restoreSnapshots, RestoreSummary } from "./restore";
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

const MACHINE_FORM = '{"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}, "request": <the execution\'s input, one of the forms above>} ' +
    "(what the refresh cycle's state machine passes)";

const UPDATE_FORMS: RequestForms = { acceptsRestore: false, machineForm: MACHINE_FORM };
const RESTORE_FORMS: RequestForms = { acceptsRestore: true, machineForm: MACHINE_FORM };

/**
 * The update's request. `restore` is a form of the cycle's input that the update never gets from its state
 * machine (which skips it): given to the update directly, it is refused with where it belongs.
 */
function parseUpdateRequest(event: unknown): RunRequest {
    const label = REFRESH_FUNCTION_LABELS.update;
    try {
        return parseRunRequest(label, event, UPDATE_FORMS);
    } catch (refusal) {
        let asRestore: RunRequest | undefined;
        try {
            asRestore = parseRunRequest(label, event, RESTORE_FORMS);
        } catch {
            throw refusal;
        }
        if (asRestore.restore === undefined) throw refusal;
        throw refreshError(
            "InvalidRequestError",
            `${label} does not restore chosen snapshots (it would move latest, and restores nothing): give ` +
            `${JSON.stringify({ restore: asRestore.restore })} to ${REFRESH_FUNCTION_LABELS.restore}, or start the refresh cycle's ` +
            "execution with it as its input, which skips this function. Nothing was changed.",
        );
    }
}

/** One run of a function: its settings, its request and its logger, which names both. */
interface Run {
    settings: RefreshSettings;
    request: RunRequest;
    log: Logger;
}

/**
 * Reads the settings and the request and runs `work`, writing the run's one summary line, whether it returns,
 * fails, or is refused before it starts.
 */
async function summarized<T extends { engines: { engine: EngineName }[] }>(
    label: string,
    event: unknown,
    context: LambdaContext,
    parse: (event: unknown) => RunRequest,
    work: (run: Run) => Promise<T>,
): Promise<T> {
    let settings: RefreshSettings | undefined;
    let request: RunRequest;
    try {
        settings = readSettings(process.env);
        request = parse(event);
    } catch (refusal) {
        const log = jsonLogger({ function: label, instance: settings?.instanceName, requestId: context.awsRequestId });
        return summarizeRun(log, () => Promise.reject(refusal), summaryFields);
    }
    const log = jsonLogger({ function: label, instance: settings.instanceName, cycle: request.cycle?.name, requestId: context.awsRequestId });
    return summarizeRun(log, () => work({ settings: settings!, request, log }), summaryFields);
}

/** A summary's fields for its log line, with per-engine reports keyed by engine (`engines.aurora.restoredFrom`). */
export function summaryFields(summary: { engines?: { engine: EngineName }[] }): LogFields {
    const { engines, ...rest } = summary;
    return engines === undefined ? rest : { ...rest, engines: keyedBy(engines, (report) => report.engine) };
}

/** The Lambda handler of db-update-latest-snapshot-id, for `CallbackFunction`'s `callbackFactory`. */
export function createUpdateHandler(): (event: unknown, context: LambdaContext) => Promise<UpdateSummary> {
    const clients = lazy(refreshClients);
    return (event, context) => summarized(REFRESH_FUNCTION_LABELS.update, event, context, parseUpdateRequest, ({ settings, request, log }) => {
        const { listing, snapshots, ssm } = clients();
        return updateLatestSnapshots(settings, { listing, snapshots, parameters: ssmParameterStore(ssm), log }, { dryRun: request.dryRun, now: new Date() });
    });
}

/** The Lambda handler of db-restore-from-snapshot, for `CallbackFunction`'s `callbackFactory`. */
export function createRestoreHandler(): (event: unknown, context: LambdaContext) => Promise<RestoreSummary> {
    const clients = lazy(refreshClients);
    const parse = (event: unknown) => parseRunRequest(REFRESH_FUNCTION_LABELS.restore, event, RESTORE_FORMS);
    return (event, context) => summarized(REFRESH_FUNCTION_LABELS.restore, event, context, parse, ({ settings, request, log }) => {
        const { listing, snapshots, ssm, codePipeline } = clients();
        const now = new Date();
        const cycle = request.cycle;
        return restoreSnapshots(
            settings,
            {
                accountId: accountOf(context),
                functionName: context.functionName,
                cycleName: cycle?.name ?? `manual-${context.awsRequestId}`,
                cycleStartedAt: cycle?.startedAt ?? now,
                // Invoked by hand, nothing will check again: the run decides at once.
                waitUntil: cycle === undefined ? now : new Date(cycle.startedAt.getTime() + settings.maintenanceWindowMinutes * 60_000),
                now,
                dryRun: request.dryRun,
                chosen: request.restore,
            },
            { listing, snapshots, parameters: ssmParameterStore(ssm), pipelines: codePipelineApi(codePipeline), log },
        );
    });
}

/** The Lambda handler that starts the refresh cycles, for `CallbackFunction`'s `callbackFactory`. */
export const createRefreshStarterHandler = createStarterHandler(REFRESH_FUNCTION_LABELS.starter);
