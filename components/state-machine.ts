/**
 * What both cycles' state machines (Amazon States Language) have in common: the shape of a definition, the
 * retries of a Lambda task, and how a task learns which cycle it runs in.
 */

/** A state machine definition, as JSON. */
export interface StateMachineDefinition {
    Comment: string;
    StartAt: string;
    TimeoutSeconds: number;
    States: Record<string, Record<string, unknown>>;
}

/** The cycle's name and start are the execution's: `cycle-2026-12-06`, started at the scheduled time. */
export const CYCLE_PARAMETERS = { cycle: { "name.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" } } as const;

/** Lambda's own transient failures, with the retry AWS recommends for Lambda tasks. */
const LAMBDA_SERVICE_ERRORS = {
    ErrorEquals: ["Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
};

/**
 * Each function runs one at a time (reserved concurrency 1): while an operator's run by hand holds it (up to
 * its 5-minute timeout), Lambda refuses the cycle's. Retried for about 20 minutes.
 */
const LAMBDA_BUSY = {
    ErrorEquals: ["Lambda.TooManyRequestsException"],
    IntervalSeconds: 30,
    MaxAttempts: 12,
    BackoffRate: 1.5,
    MaxDelaySeconds: 120,
};

/** A run that met throttling (beyond the SDK's own retries) or a brief AWS outage changed nothing it cannot repeat. */
const AWS_THROTTLED = {
    ErrorEquals: ["TransientAwsError"],
    IntervalSeconds: 60,
    BackoffRate: 2,
    MaxDelaySeconds: 600,
};

/** A throttled task is retried 1, 2, 4, 8 and 10 minutes later. */
export const THROTTLED_ATTEMPTS = 5;

/** Retries after a cycle's window would stretch its execution; beyond this it times out (and says so). */
export const EXECUTION_MARGIN_MINUTES = 120;

/** Enough throttled attempts, at most 10 minutes apart, to keep retrying for as long as a window lasts, and a little beyond. */
export function throttledAttemptsThrough(windowMinutes: number): number {
    return THROTTLED_ATTEMPTS + Math.ceil(windowMinutes / (AWS_THROTTLED.MaxDelaySeconds / 60));
}

/** A Task state that invokes a function with the given payload, retried as above. */
export function lambdaTask(args: { functionArn: string; functionTimeoutSeconds: number; throttledAttempts: number; parameters: object }): Record<string, unknown> {
    return {
        Type: "Task",
        Resource: args.functionArn,
        Parameters: args.parameters,
        TimeoutSeconds: args.functionTimeoutSeconds + 60,
        Retry: [LAMBDA_SERVICE_ERRORS, LAMBDA_BUSY, { ...AWS_THROTTLED, MaxAttempts: args.throttledAttempts }],
    };
}
