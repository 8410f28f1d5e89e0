import { SFNClient } from "@aws-sdk/client-sfn";
import { runWithSummary } from "./run-summary";
import { readStarterSettings } from "./settings";
import { ScheduleEvent, startCycle, StartSummary } from "./start-cycle";
import { stepFunctionsExecutions } from "./step-functions";

/** The part of Lambda's context object the handlers use. */
export interface LambdaContext {
    invokedFunctionArn: string;
    functionName: string;
    awsRequestId: string;
}

/**
 * Throttling is the normal state of an account with thousands of snapshots: let the SDK's standard retry
 * strategy (exponential backoff with jitter) try harder than its default of 3 attempts.
 */
export const MAX_ATTEMPTS = 8;

/** Clients are made once per Lambda environment, on first use, and reused by later invocations. */
export function lazy<T>(make: () => T): () => T {
    let made: T | undefined;
    return () => (made ??= make());
}

/** The account a function runs in, from the ARN it was invoked by. */
export function accountOf(context: LambdaContext): string {
    return context.invokedFunctionArn.split(":")[4];
}

/**
 * The Lambda handler a cycle's schedule invokes, on either side: starts the cycle's execution, or logs when the
 * next cycle is. `label` names the function in its log lines.
 */
export function createStarterHandler(label: string): () => (event: ScheduleEvent, context: LambdaContext) => Promise<StartSummary> {
    return () => {
        const client = lazy(() => new SFNClient({ maxAttempts: MAX_ATTEMPTS }));
        return async (event, context) => runWithSummary(
            { label, requestId: context.awsRequestId, readSettings: () => readStarterSettings(process.env) },
            (settings) => startCycle(settings, event ?? {}, new Date(), { executions: stepFunctionsExecutions(client()) }),
            (summary) => ({ ...summary }),
        );
    };
}
