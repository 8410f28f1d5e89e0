import {
    CYCLE_PARAMETERS,
    EXECUTION_MARGIN_MINUTES,
    lambdaTask,
    StateMachineDefinition,
    throttledAttemptsThrough,
} from "../state-machine";

/**
 * The share cycle as a Step Functions state machine (Amazon States Language): one execution is one cycle.
 *
 *   ShareSnapshots -> CopiesInProgress? --no--> Shared
 *                          ^     | yes
 *        CheckCopies <-----+     +--> WaitForCopies --> CheckCopies
 *
 * The first run finds each cluster's source snapshot, starts its copy under the share key and makes the
 * sharing of the kept copies exact; while a snapshot or copy is in progress the execution waits, then checks
 * again, handing each check the previous run's findings (the cycle's state lives in the execution, not in the
 * account). A check shares what became available and deletes what it replaced. A run that cannot share a
 * cluster fails the execution once nothing is left in progress.
 */

/** The states' names: what an operator sees in the console's execution graph. */
export const SHARE_CYCLE_STATES = {
    share: "ShareSnapshots",
    copiesInProgress: "CopiesInProgress",
    wait: "WaitForCopies",
    check: "CheckCopies",
    shared: "Shared",
} as const;

export interface ShareCycleDefinitionArgs {
    /** The component's name, for the definition's comment. */
    instanceName: string;
    shareFunctionArn: string;
    /** Seconds the function may run: its Task times out a minute later. */
    functionTimeoutSeconds: number;
    /** Minutes from the cycle's start it waits for snapshots and copies; the execution is given two hours more. */
    maintenanceWindowMinutes: number;
}

export function shareCycleDefinition(args: ShareCycleDefinitionArgs): StateMachineDefinition {
    const states = SHARE_CYCLE_STATES;
    const task = (parameters: object) => lambdaTask({
        functionArn: args.shareFunctionArn,
        functionTimeoutSeconds: args.functionTimeoutSeconds,
        throttledAttempts: throttledAttemptsThrough(args.maintenanceWindowMinutes),
        parameters,
    });
    return {
        Comment: `snapshot-refresh ${args.instanceName}: one share cycle. Copy each cluster's newest snapshot under the share key, ` +
            `share it with the target accounts once it is available, waiting until ${args.maintenanceWindowMinutes} minutes after the start, ` +
            "and unshare and delete the copies it replaces.",
        StartAt: states.share,
        TimeoutSeconds: (args.maintenanceWindowMinutes + EXECUTION_MARGIN_MINUTES) * 60,
        States: {
            [states.share]: {
                ...task(CYCLE_PARAMETERS),
                Comment: "db-share-latest-snapshots: start the copies, share what is ready with exactly the target accounts, keep the newest keepShared",
                ResultPath: "$.share",
                Next: states.copiesInProgress,
            },
            [states.copiesInProgress]: {
                Type: "Choice",
                Choices: [{ Variable: "$.share.outcome", StringEquals: "waiting", Next: states.wait }],
                Default: states.shared,
            },
            [states.wait]: {
                Type: "Wait",
                Comment: "until the next check: copyRecheckMinutes later, and never after the maintenance window ends",
                TimestampPath: "$.share.nextCheckAt",
                Next: states.check,
            },
            [states.check]: {
                ...task({ ...CYCLE_PARAMETERS, "previous.$": "$.share" }),
                Comment: "db-share-latest-snapshots with the previous run's findings: share the copies that became available",
                ResultPath: "$.share",
                Next: states.copiesInProgress,
            },
            [states.shared]: { Type: "Succeed" },
        },
    };
}
