/**
 * The refresh cycle as a Step Functions state machine (Amazon States Language): one execution is one cycle.
 *
 *   UpdateLatestSnapshotIds -> RestoreFromSnapshot -> CopiesInProgress? --no--> Restored
 *                                     ^                      | yes
 *                                     +---- WaitForCopies <--+
 *
 * The update runs first; its failure is recorded and the restore runs anyway, since the restore starts the
 * copies the update could not. The restore then either restores at once or reports that a copy is still in
 * progress and when to check again; the Wait state waits until then, never past the maintenance window, after
 * which the restore's `whenCopyNotReady` decides. Waits and retries are declared here, not hand-written.
 */

/** The states' names: what an operator sees in the console's execution graph. */
export const REFRESH_CYCLE_STATES = {
    update: "UpdateLatestSnapshotIds",
    restore: "RestoreFromSnapshot",
    copiesInProgress: "CopiesInProgress",
    wait: "WaitForCopies",
    restored: "Restored",
} as const;

export interface RefreshCycleDefinitionArgs {
    /** The component's name, for the definition's comment. */
    instanceName: string;
    updateFunctionArn: string;
    restoreFunctionArn: string;
    /** Seconds a function may run: its Task times out a minute later. */
    functionTimeoutSeconds: number;
    /** Minutes from the cycle's start the restore waits for copies; the execution is given two hours more. */
    maintenanceWindowMinutes: number;
}

/** A state machine definition, as JSON. */
export interface StateMachineDefinition {
    Comment: string;
    StartAt: string;
    TimeoutSeconds: number;
    States: Record<string, Record<string, unknown>>;
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
/** The update is retried 1, 2, 4, 8 and 10 minutes later; then the restore starts the copies it could not. */
const UPDATE_THROTTLED_ATTEMPTS = 5;
/** The restore, every 10 minutes at most, for as long as the maintenance window lasts, and a little beyond. */
function restoreThrottledAttempts(maintenanceWindowMinutes: number): number {
    return UPDATE_THROTTLED_ATTEMPTS + Math.ceil(maintenanceWindowMinutes / (AWS_THROTTLED.MaxDelaySeconds / 60));
}

/** Retries after the window would stretch the execution; beyond this it times out (and says so). */
const EXECUTION_MARGIN_MINUTES = 120;

export function refreshCycleDefinition(args: RefreshCycleDefinitionArgs): StateMachineDefinition {
    const states = REFRESH_CYCLE_STATES;
    // The cycle's name and start are the execution's: `cycle-2026-12-06`, started at the scheduled time.
    const cycle = { cycle: { "name.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" } };
    const task = (functionArn: string, throttledAttempts: number) => ({
        Type: "Task",
        Resource: functionArn,
        Parameters: cycle,
        TimeoutSeconds: args.functionTimeoutSeconds + 60,
        Retry: [LAMBDA_SERVICE_ERRORS, LAMBDA_BUSY, { ...AWS_THROTTLED, MaxAttempts: throttledAttempts }],
    });
    return {
        Comment: `snapshot-refresh ${args.instanceName}: one refresh cycle. Update latest, then restore as soon as every engine's ` +
            `data is ready, waiting for copies in progress until ${args.maintenanceWindowMinutes} minutes after the start.`,
        StartAt: states.update,
        TimeoutSeconds: (args.maintenanceWindowMinutes + EXECUTION_MARGIN_MINUTES) * 60,
        States: {
            [states.update]: {
                ...task(args.updateFunctionArn, UPDATE_THROTTLED_ATTEMPTS),
                Comment: "db-update-latest-snapshot-id: record the newest shared snapshots, trim old copies, start the copies a restore needs",
                ResultPath: "$.update",
                // An update that failed (a copy that could not start, one engine with nothing shared) still
                // leaves the restore something to do: it starts missing copies itself, or says why not.
                Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.update", Next: states.restore }],
                Next: states.restore,
            },
            [states.restore]: {
                ...task(args.restoreFunctionArn, restoreThrottledAttempts(args.maintenanceWindowMinutes)),
                Comment: "db-restore-from-snapshot: promote the cycle's data to current and start the main pipeline, or report a copy in progress",
                ResultPath: "$.restore",
                Next: states.copiesInProgress,
            },
            [states.copiesInProgress]: {
                Type: "Choice",
                Choices: [{ Variable: "$.restore.outcome", StringEquals: "waiting", Next: states.wait }],
                Default: states.restored,
            },
            [states.wait]: {
                Type: "Wait",
                Comment: "until the restore's next check: copyRecheckMinutes later, and never after the maintenance window ends",
                TimestampPath: "$.restore.nextCheckAt",
                Next: states.restore,
            },
            [states.restored]: { Type: "Succeed" },
        },
    };
}
