import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { clusterSnapshotApis } from "../cluster-snapshots";
import { createStarterHandler, LambdaContext, lazy, MAX_ATTEMPTS } from "../lambda";
import { jsonLogger } from "../log";
import { parseShareRequest } from "./run-request";
import { readShareSettings } from "./settings";
import { shareSnapshots, ShareSummary } from "./share-snapshots";

/** How the production side's functions are known in logs, names and messages. */
export const SHARE_FUNCTION_LABELS = {
    share: "db-share-latest-snapshots",
    starter: "start-share-cycle",
} as const;


/** The Lambda handler of db-share-latest-snapshots, for `CallbackFunction`'s `callbackFactory`. */
export function createShareHandler(): (event: unknown, context: LambdaContext) => Promise<ShareSummary> {
    const clients = lazy(() => clusterSnapshotApis(new RDSClient({ maxAttempts: MAX_ATTEMPTS }), new DocDBClient({ maxAttempts: MAX_ATTEMPTS })));
    return async (event, context) => {
        const settings = readShareSettings(process.env);
        const request = parseShareRequest(SHARE_FUNCTION_LABELS.share, event);
        const log = jsonLogger({ function: SHARE_FUNCTION_LABELS.share, instance: settings.instanceName, cycle: request.cycle?.name, requestId: context.awsRequestId });
        const now = new Date();
        const cycle = request.cycle;
        return shareSnapshots(
            settings,
            {
                cycleName: cycle?.name ?? `manual-${context.awsRequestId}`,
                cycleStartedAt: cycle?.startedAt ?? now,
                waitUntil: cycle === undefined ? undefined : new Date(cycle.startedAt.getTime() + settings.maintenanceWindowMinutes * 60_000),
                now,
                previous: request.previous,
            },
            { ...clients(), log },
        );
    };
}

/** The Lambda handler that starts the share cycles, for `CallbackFunction`'s `callbackFactory`. */
export const createShareStarterHandler = createStarterHandler(SHARE_FUNCTION_LABELS.starter);
