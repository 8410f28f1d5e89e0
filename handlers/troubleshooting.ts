import { RefreshErrorName } from "./errors";

/** What an error means for the databases, and what the operator does about it. */
export interface ErrorGuide {
    /** What the failure left changed (the restore is all or nothing, so usually: nothing the pipeline uses). */
    changed: string;
    /** What to do, in the order to try. */
    action: string;
}

/** Errors Step Functions and Lambda raise themselves, besides snapshot-refresh's own. */
type PlatformErrorName = "States.Timeout" | "States.TaskFailed" | "States.Runtime" | "Sandbox.Timedout" | "Aborted";

const NOTHING_RESTORED = "No current parameter changed and the main pipeline was not started.";

/**
 * One entry per error a cycle can end with: the notifications, the README's troubleshooting section and the
 * tests read this table, so the advice an operator gets at 2 a.m. is the advice the README gives.
 */
export const ERROR_GUIDE: Readonly<Record<RefreshErrorName | PlatformErrorName, ErrorGuide>> = {
    InvalidRequestError: {
        changed: "Nothing: the input was refused before any AWS call.",
        action: "Start the execution (or invoke the function) with one of the forms the message lists: {}, {\"dryRun\": true}, or, on the acceptance side, {\"restore\": {...}}.",
    },
    NothingSharedError: {
        changed: "latest stays as it was; the restore may have restored latest again, with a warning.",
        action: "In production, check that the SnapshotShare stack lists this account in targetAccountIds and that its share cycles succeed (npm run status -- --stack <production stack>); here, check sourceAccountId, sourceStack and sourceClusters.",
    },
    EncryptedSourceNeedsKeyError: {
        changed: `Nothing was copied. ${NOTHING_RESTORED}`,
        action: "Give the engine a kmsKeyArn of this account (pulumi config set snapshot-refresh:engines ... with kmsKeyArn) and pulumi up, then start a cycle.",
    },
    CopyFailedError: {
        changed: `The failed copy was deleted (or will be by the next run). ${NOTHING_RESTORED}`,
        action: "Check the source key's policy allows this account (kms:CreateGrant, kms:Decrypt via RDS) and start the cycle again: it copies again.",
    },
    SnapshotQuotaError: {
        changed: `Old copies beyond keepCopies were deleted; the new copy did not start. ${NOTHING_RESTORED}`,
        action: "Delete manual cluster snapshots you no longer need, or ask AWS for a higher manual snapshot quota, then start the cycle again.",
    },
    LatestSnapshotUnusableError: {
        changed: NOTHING_RESTORED,
        action: "Run db-update-latest-snapshot-id (or start a cycle) so latest names a snapshot that exists, or set the latest parameter to one by hand.",
    },
    CopyNotReadyError: {
        changed: `The copy keeps going; the next cycle restores it. ${NOTHING_RESTORED}`,
        action: "Restore now once the copy is available: start the refresh state machine with {}. For cycles that should restore an older copy instead, set whenCopyNotReady to restore-available, or lengthen maintenanceWindowMinutes.",
    },
    PipelineNotFoundError: {
        changed: NOTHING_RESTORED,
        action: "Set the main_cicd_name parameter (pipelineName in the stack config) to the main pipeline's name and pulumi up, then start the cycle again.",
    },
    PipelineNotAllowedError: {
        changed: NOTHING_RESTORED,
        action: "The function's role may start only the pipeline named at deployment: after renaming the pipeline, pulumi config set snapshot-refresh:pipelineName and pulumi up.",
    },
    SourceAccountRefusedError: {
        changed: "Nothing.",
        action: "This stack is deployed in the production account: deploy the refresh role in the account that receives the snapshots, and the share role in production.",
    },
    EnginesFailedError: {
        changed: "The engines that did not fail moved latest and started their copies; for the failed ones latest stays as it was.",
        action: "Read each engine's reason in the message; the restore that follows says whether it could restore anyway.",
    },
    RestoreAbortedError: {
        changed: "Every parameter the run wrote was set back (the message says so, or names what to set back by hand); the pipeline was not started.",
        action: "Fix what the message names (usually the pipeline) and start the cycle again.",
    },
    ShareFailedError: {
        changed: "Copies already shared stay shared; nothing acceptance restores from was deleted.",
        action: "Read the reason per cluster; fix it (clusters, key policy, quota) and start the share cycle again with {}.",
    },
    TransientAwsError: {
        changed: "Nothing that cannot be repeated: the run was retried with backoff and still met throttling or an AWS outage.",
        action: "Start the cycle again with {} later; if it keeps happening, check the account's API throttling (CloudTrail) for other heavy callers.",
    },
    "States.Timeout": {
        changed: "A step or the whole cycle ran past its time; a restore that had not started the pipeline changed nothing.",
        action: "Check the functions' logs for the step that hung; lengthen maintenanceWindowMinutes if copies routinely take longer.",
    },
    "States.TaskFailed": {
        changed: "Unknown in general: read the error; the restore step is all or nothing.",
        action: "Read the function's run summary in its log group (the README's Logs Insights query) and act on its error.",
    },
    "States.Runtime": {
        changed: "Nothing after the failing state ran.",
        action: "The state machine met an input it could not process: redeploy with pulumi up so definition and functions match.",
    },
    "Sandbox.Timedout": {
        changed: "The run was cut off: a restore cut off before starting the pipeline wrote nothing it did not set back; check the current parameters' history if unsure.",
        action: "Check the function's log for what it waited on (throttling, a slow pipeline API) and start the cycle again.",
    },
    Aborted: {
        changed: "The execution was stopped by hand or by a deployment; steps that finished stay done.",
        action: "Start the cycle again when ready: aws stepfunctions start-execution with input {}.",
    },
};

/** The guide for an error name, or the generic one for an error this table does not know. */
export function guideFor(errorName: string | undefined): ErrorGuide {
    // Own entries only: `in` would take an error named `constructor` for the object's own constructor.
    return (errorName !== undefined && Object.hasOwn(ERROR_GUIDE, errorName))
        ? ERROR_GUIDE[errorName as keyof typeof ERROR_GUIDE]
        : ERROR_GUIDE["States.TaskFailed"];
}
