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

/**
 * What every task is given: the cycle (the execution's name, `cycle-2026-12-06`, and its start) and, as
 * `request`, the execution's input, which is what an operator would give the function directly (`{}`,
 * `{"dryRun": true}`, ...). The functions read and check it, so both ways of running accept the same forms.
 */
export const CYCLE_PARAMETERS = {
    cycle: { "name.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" },
    "request.$": "$$.Execution.Input",
} as const;

/** The error a function raises for an input it does not accept: no retry or fallback can make it acceptable. */
export const REQUEST_REFUSED_ERROR = "InvalidRequestError";

/** A Fail state that ends the execution with the error a task caught at `resultPath`, message and all. */
export function failWithCaughtError(resultPath: string, comment: string): Record<string, unknown> {
    return { Type: "Fail", Comment: comment, ErrorPath: `${resultPath}.Error`, CausePath: `${resultPath}.Cause` };
}

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
