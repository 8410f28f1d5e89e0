import {
    CYCLE_PARAMETERS,
    EXECUTION_MARGIN_MINUTES,
    failWithCaughtError,
    lambdaTask,
    REQUEST_REFUSED_ERROR,
    StateMachineDefinition,
    THROTTLED_ATTEMPTS,
    throttledAttemptsThrough,
} from "../state-machine";

/**
 * The refresh cycle as a Step Functions state machine (Amazon States Language): one execution is one cycle.
 *
 *   ChosenSnapshots? --no--> UpdateLatestSnapshotIds -> RestoreFromSnapshot -> CopiesInProgress? --no--> Restored
 *          | yes                                                ^   ^                      | yes
 *          +------------------------------------------------------+   +---- WaitForCopies <--+
 *
 * An execution whose input is `{"restore": {...}}` restores the snapshots an operator chose: it skips the update,
 * which would move `latest`. Otherwise the update runs first; its failure is recorded and the restore runs anyway, since the restore starts the
 * copies the update could not. The restore then either restores at once or reports that a copy is still in
 * progress and when to check again; the Wait state waits until then, never past the maintenance window, after
 * which the restore's `whenCopyNotReady` decides. Waits and retries are declared here, not hand-written.
 */

/** The states' names: what an operator sees in the console's execution graph. */
export const REFRESH_CYCLE_STATES = {
    update: "UpdateLatestSnapshotIds",
    chosen: "ChosenSnapshots",
    requestRefused: "RequestRefused",
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

export function refreshCycleDefinition(args: RefreshCycleDefinitionArgs): StateMachineDefinition {
    const states = REFRESH_CYCLE_STATES;
    const task = (functionArn: string, throttledAttempts: number) =>
        lambdaTask({ functionArn, functionTimeoutSeconds: args.functionTimeoutSeconds, throttledAttempts, parameters: CYCLE_PARAMETERS });
    return {
        Comment: `snapshot-refresh ${args.instanceName}: one refresh cycle. Update latest, then restore as soon as every engine's ` +
            `data is ready, waiting for copies in progress until ${args.maintenanceWindowMinutes} minutes after the start.`,
        StartAt: states.chosen,
        TimeoutSeconds: (args.maintenanceWindowMinutes + EXECUTION_MARGIN_MINUTES) * 60,
        States: {
            [states.chosen]: {
                Type: "Choice",
                Comment: "an operator's {\"restore\": {...}} restores the snapshots it names and leaves latest alone",
                Choices: [{ Variable: "$.restore", IsPresent: true, Next: states.restore }],
                Default: states.update,
            },
            [states.update]: {
                ...task(args.updateFunctionArn, THROTTLED_ATTEMPTS),
                Comment: "db-update-latest-snapshot-id: record the newest shared snapshots, trim old copies, start the copies a restore needs",
                ResultPath: "$.update",
                // An update that failed (a copy that could not start, one engine with nothing shared) still
                // leaves the restore something to do: it starts missing copies itself, or says why not.
                Catch: [
                    { ErrorEquals: [REQUEST_REFUSED_ERROR], ResultPath: "$.update", Next: states.requestRefused },
                    { ErrorEquals: ["States.ALL"], ResultPath: "$.update", Next: states.restore },
                ],
                Next: states.restore,
            },
            [states.restore]: {
                ...task(args.restoreFunctionArn, throttledAttemptsThrough(args.maintenanceWindowMinutes)),
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
            [states.requestRefused]: failWithCaughtError("$.update", "the execution's input is not a form the functions accept: nothing ran"),
        },
    };
}
