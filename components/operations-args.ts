import * as pulumi from "@pulumi/pulumi";

/** How an instance tells people how its cycles went, and how it is paused; the same on both sides. */
export interface OperationsArgs {
    /**
     * ARN of an existing SNS topic the messages and alarms go to (for instance the team's alerts topic).
     * Default: the instance creates its own topic.
     */
    readonly notificationTopicArn?: pulumi.Input<string>;
    /** Email addresses subscribed to the topic; each receives a confirmation message first. Default: none. */
    readonly notificationEmails?: readonly string[];
    /** Whether a cycle that succeeds (or is paused, or a dry run) sends a message; failures always do. Default: `true`. */
    readonly notifyOnSuccess?: boolean;
    /**
     * Hours: the stale-data alarm goes off when the data the last successful cycle delivered is older than this.
     * A whole number from the longest time between two cycles of the cadence to 2160 (or to the default, for a
     * cadence whose default is larger). Default: the longest time between two cycles, plus 48 hours (the age of
     * the newest automated snapshot when it is shared, and a day's slack).
     */
    readonly staleAfterHours?: number;
    /**
     * Pauses the instance: the schedule is disabled and no run changes what acceptance restores from or what
     * production shares, until set back to `false` (each followed by `pulumi up`). To pause without a deployment,
     * see the pause parameter in the README. Default: `false`.
     */
    readonly paused?: boolean;
}

export const OPERATIONS_ARG_NAMES: readonly (keyof OperationsArgs)[] = ["notificationTopicArn", "notificationEmails", "notifyOnSuccess", "staleAfterHours", "paused"];

/** How a cycle reports, as the user configures it (resolved: defaults applied, values checked). */
export interface MonitoringOptions {
    /** An existing SNS topic to notify; undefined: the instance creates its own. */
    readonly topicArn?: pulumi.Input<string>;
    /** Email addresses subscribed to the topic; each confirms from the message AWS sends it. */
    readonly emails: readonly string[];
    /** Whether a cycle that succeeds sends a message too; failures always do. */
    readonly notifyOnSuccess: boolean;
    /** Hours of data age past which the stale-data alarm goes off. */
    readonly staleAfterHours: number;
}
