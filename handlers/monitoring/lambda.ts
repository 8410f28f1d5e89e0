import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { LambdaContext, lazy, MAX_ATTEMPTS } from "../lambda";
import { runWithSummary } from "../run-summary";
import { measureFreshness, FreshnessSummary } from "./freshness";
import { ExecutionStatusEvent, notifyCycleEnd, NotifySummary } from "./notify";
import { readMonitorSettings } from "./settings";

/** How the monitoring functions are known in logs and names, on either side. */
export const MONITOR_FUNCTION_LABELS = {
    notify: "notify-cycle-end",
    freshness: "measure-data-age",
} as const;

/** The Lambda handler that sends a message when a cycle's execution ends, for `CallbackFunction`'s `callbackFactory`. */
export function createNotifyHandler(): (event: ExecutionStatusEvent, context: LambdaContext) => Promise<NotifySummary> {
    const clients = lazy(() => ({ stepFunctions: new SFNClient({ maxAttempts: MAX_ATTEMPTS }), sns: new SNSClient({ maxAttempts: MAX_ATTEMPTS }) }));
    return async (event, context) => runWithSummary(
        { label: MONITOR_FUNCTION_LABELS.notify, requestId: context.awsRequestId, readSettings: () => readMonitorSettings(process.env) },
        (settings) => notifyCycleEnd(settings, event, clients()),
        (summary) => ({ outcome: "sent", ...summary }),
    );
}

/** The Lambda handler that publishes the age of the delivered data every hour, for `CallbackFunction`'s `callbackFactory`. */
export function createFreshnessHandler(): (event: unknown, context: LambdaContext) => Promise<FreshnessSummary> {
    const clients = lazy(() => ({ stepFunctions: new SFNClient({ maxAttempts: MAX_ATTEMPTS }), cloudWatch: new CloudWatchClient({ maxAttempts: MAX_ATTEMPTS }) }));
    return async (_event, context) => runWithSummary(
        { label: MONITOR_FUNCTION_LABELS.freshness, requestId: context.awsRequestId, readSettings: () => readMonitorSettings(process.env) },
        (settings) => measureFreshness(settings, new Date(), clients()),
        (summary) => ({ outcome: "measured", ...summary }),
    );
}
