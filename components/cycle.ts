import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CycleSide } from "../handlers/monitoring/settings";
import { NOT_PAUSED, pauseParameterName } from "../handlers/pause";
import { StarterSettings } from "../handlers/settings";
import { ScheduleEvent } from "../handlers/start-cycle";
import { CadencePlan } from "./cadence";
import { CycleMonitoring } from "./cycle-monitoring";
import { LambdaFunction } from "./lambda-function";
import { instanceResourceName, MAX_STATE_MACHINE_NAME_LENGTH } from "./names";
import { MonitoringOptions } from "./operations-args";
import {
    failedCyclesQueuePolicy,
    schedulerPolicy,
    schedulerTrustPolicy,
    starterPolicy,
    stateMachinePolicy,
    stateMachineTrustPolicy,
} from "./policies";

/** A firing the starter could not run (after Lambda's retries) is kept in the dead-letter queue. */
const MAX_EVENT_AGE_SECONDS = 3600;

export interface CycleArgs {
    /** The name of the component the cycle belongs to: every child is named after it. */
    readonly instanceName: string;
    /** Which side the cycle is on: what its executions' output holds, for the messages. */
    readonly side: CycleSide;
    /** What one cycle is, in names and logs: `refresh-cycle`, `share-cycle`. */
    readonly cycleLabel: string;
    /** What each execution's name starts with: `cycle` names them `cycle-2026-12-06`. */
    readonly executionNamePrefix: string;
    /** What one cycle does, for descriptions. */
    readonly purpose: string;
    /** The starter's label: its function's name ends with it, its log lines carry it. */
    readonly starterLabel: string;
    /** Builds the starter's handler inside Lambda (`createStarterHandler`'s result for the side). */
    readonly starterFactory: aws.lambda.CallbackFactory<never, unknown>;
    /** The functions the state machine runs: it may invoke exactly these. */
    readonly functionArns: pulumi.Input<string>[];
    /** The state machine's definition (Amazon States Language), given the functions' ARNs in the same order. */
    readonly definition: (functionArns: string[]) => object;
    /** When the cycles start: the schedule's expression, timezone and gate. */
    readonly plan: CadencePlan;
    /** The account, Region and partition the stack deploys into: the ARNs the policies name. */
    readonly accountId: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
    readonly partition: pulumi.Input<string>;
    /** Whether the stack config pauses the instance: the schedule is then disabled. */
    readonly paused: boolean;
    /** Where messages and alarms go, and when data counts as stale. */
    readonly monitoring: MonitoringOptions;
    /** Days the starter's and the state machine's logs are kept. */
    readonly logRetentionDays: number;
    /** Tags for every resource that takes tags. */
    readonly tags: Record<string, string>;
}

/**
 * A cycle that runs on a schedule as one Step Functions execution per cycle, the same way on both sides: the
 * state machine with its role and logs, the one schedule and the starter it invokes (which names each
 * execution after its cycle), and the dead-letter queue that receives failed cycles and undeliverable firings.
 */
export class Cycle extends pulumi.ComponentResource {
    readonly stateMachineArn: pulumi.Output<string>;
    readonly stateMachineName: pulumi.Output<string>;
    readonly scheduleName: pulumi.Output<string>;
    readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The SNS topic the cycle's messages and alarms go to. */
    readonly notificationTopicArn: pulumi.Output<string>;
    /** The parameter that pauses the instance without a deployment. */
    readonly pauseParameterName: string;

    constructor(name: string, args: CycleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("snapshot-refresh:index:Cycle", name, {}, opts);
        const { instanceName, cycleLabel, tags } = args;
        // Children are named after the instance, as they were when they were the instance's own children: the
        // alias keeps a `pulumi up` of an existing stack from replacing those that existed then.
        const parent = { parent: this, aliases: opts?.parent ? [{ parent: opts.parent }] : [] };

        const deadLetters = new aws.sqs.Queue(`${instanceName}-dead-letters`, {
            messageRetentionSeconds: 14 * 24 * 3600,
            sqsManagedSseEnabled: true,
            tags,
        }, parent);

        const stateMachineName = instanceResourceName(instanceName, cycleLabel, MAX_STATE_MACHINE_NAME_LENGTH);
        const stateMachineArn = pulumi.interpolate`arn:${args.partition}:states:${args.region}:${args.accountId}:stateMachine:${stateMachineName}`;
        const role = new aws.iam.Role(`${instanceName}-${cycleLabel}-role`, {
            description: `Runs the ${cycleLabel} of snapshot-refresh ${instanceName}`,
            assumeRolePolicy: pulumi.all([args.accountId, stateMachineArn]).apply(([account, arn]) => JSON.stringify(stateMachineTrustPolicy(account, arn))),
            tags,
        }, parent);
        const rolePolicy = new aws.iam.RolePolicy(`${instanceName}-${cycleLabel}-policy`, {
            role: role.id,
            policy: pulumi.all(args.functionArns).apply((arns) => JSON.stringify(stateMachinePolicy(arns))),
        }, parent);
        // Under /aws/vendedlogs/, CloudWatch Logs need not add this log group to the account's size-limited resource policy.
        const logs = new aws.cloudwatch.LogGroup(`${instanceName}-${cycleLabel}-logs`, {
            name: `/aws/vendedlogs/states/snapshot-refresh/${instanceName}/${cycleLabel}`,
            retentionInDays: args.logRetentionDays,
            tags,
        }, parent);
        const stateMachine = new aws.sfn.StateMachine(`${instanceName}-${cycleLabel}`, {
            name: stateMachineName,
            type: "STANDARD",
            roleArn: role.arn,
            definition: pulumi.all(args.functionArns).apply((arns) => JSON.stringify(args.definition(arns), undefined, 2)),
            loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: pulumi.interpolate`${logs.arn}:*` },
            tags,
        }, { ...parent, dependsOn: [rolePolicy] });

        // A cycle that fails or times out lands in the dead-letter queue too, as its execution's status event.
        const failures = new aws.cloudwatch.EventRule(`${instanceName}-cycle-failures`, {
            description: `Failed ${cycleLabel}s of snapshot-refresh ${instanceName}`,
            eventPattern: stateMachine.arn.apply((arn) => JSON.stringify(failedExecutionsPattern(arn))),
            tags,
        }, parent);
        const failuresPolicy = new aws.sqs.QueuePolicy(`${instanceName}-dead-letters-policy`, {
            queueUrl: deadLetters.url,
            policy: pulumi.all([deadLetters.arn, failures.arn]).apply(([queue, rule]) => JSON.stringify(failedCyclesQueuePolicy(queue, rule))),
        }, parent);
        new aws.cloudwatch.EventTarget(`${instanceName}-cycle-failures`, { rule: failures.name, arn: deadLetters.arn }, { ...parent, dependsOn: [failuresPolicy] });

        const starter = new LambdaFunction(`${instanceName}-starter`, {
            instanceName,
            label: args.starterLabel,
            purpose: `starts each ${cycleLabel}'s execution`,
            logRetentionDays: args.logRetentionDays,
            callbackFactory: args.starterFactory,
            policy: (logGroupArn) => pulumi.all([stateMachine.arn, logGroupArn, deadLetters.arn]).apply(([machine, logGroup, queue]) =>
                JSON.stringify(starterPolicy(machine, logGroup, queue))),
            settings: pulumi.jsonStringify(stateMachine.arn.apply((arn): StarterSettings => ({
                instanceName,
                stateMachineArn: arn,
                cycleLabel: cycleLabel.replace("-", " "),
                executionNamePrefix: args.executionNamePrefix,
            }))),
            timeoutSeconds: 60,
            // The schedule invokes it asynchronously; a start that keeps failing lands in the dead-letter queue.
            asyncInvocation: { retries: 2, maximumEventAgeSeconds: MAX_EVENT_AGE_SECONDS, deadLetterQueueArn: deadLetters.arn },
            tags,
        }, parent);

        // Created unpaused; from then on its value belongs to operators, so no later `pulumi up` resets a pause.
        new aws.ssm.Parameter(`${instanceName}-pause`, {
            name: pauseParameterName(instanceName),
            type: "String",
            value: NOT_PAUSED,
            description: `Pauses snapshot-refresh ${instanceName} without a deployment: none, indefinitely, or a time such as 2027-01-04T06:00:00Z`,
            tags,
        }, { ...parent, ignoreChanges: ["value"] });

        const schedulerRole = new aws.iam.Role(`${instanceName}-scheduler-role`, {
            description: `Lets the schedule of snapshot-refresh ${instanceName} invoke its ${cycleLabel} starter`,
            assumeRolePolicy: pulumi.output(args.accountId).apply((account) => JSON.stringify(schedulerTrustPolicy(account))),
            tags,
        }, parent);
        const schedulerRolePolicy = new aws.iam.RolePolicy(`${instanceName}-scheduler-policy`, {
            role: schedulerRole.id,
            policy: pulumi.all([starter.arn, deadLetters.arn]).apply(([starterArn, queue]) => JSON.stringify(schedulerPolicy(starterArn, queue))),
        }, parent);
        const group = new aws.scheduler.ScheduleGroup(`${instanceName}-schedules`, { tags }, parent);
        const schedule = new aws.scheduler.Schedule(`${instanceName}-cycle`, {
            description: `Starts the ${cycleLabel}s of snapshot-refresh ${instanceName} (${args.purpose}): ${args.plan.rule}`,
            groupName: group.name,
            scheduleExpression: args.plan.expression,
            scheduleExpressionTimezone: args.plan.timezone,
            flexibleTimeWindow: { mode: "OFF" },
            state: args.paused ? "DISABLED" : "ENABLED",
            target: {
                arn: starter.arn,
                roleArn: schedulerRole.arn,
                input: JSON.stringify(schedulePayload(args.plan)),
                retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS },
                deadLetterConfig: { arn: deadLetters.arn },
            },
        }, { ...parent, dependsOn: [schedulerRolePolicy] });

        const monitoring = new CycleMonitoring(`${instanceName}-${cycleLabel}-monitoring`, {
            instanceName,
            side: args.side,
            cycleLabel,
            stateMachineArn: stateMachine.arn,
            deadLetterQueueArn: deadLetters.arn,
            deadLetterQueueName: deadLetters.name,
            options: args.monitoring,
            logRetentionDays: args.logRetentionDays,
            tags,
        }, { parent: this });

        this.stateMachineArn = stateMachine.arn;
        this.stateMachineName = stateMachine.name;
        this.scheduleName = schedule.name;
        this.deadLetterQueueUrl = deadLetters.url;
        this.notificationTopicArn = monitoring.topicArn;
        this.pauseParameterName = pauseParameterName(instanceName);
        this.registerOutputs({
            stateMachineArn: this.stateMachineArn,
            stateMachineName: this.stateMachineName,
            scheduleName: this.scheduleName,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            notificationTopicArn: this.notificationTopicArn,
            pauseParameterName: this.pauseParameterName,
        });
    }
}

/** The EventBridge pattern of a state machine's executions that did not succeed. */
export function failedExecutionsPattern(stateMachineArn: string): Record<string, unknown> {
    return {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        detail: { stateMachineArn: [stateMachineArn], status: ["FAILED", "TIMED_OUT", "ABORTED"] },
    };
}

/** The schedule's input: Scheduler fills in the firing's time, the gate tells the starter which firings are cycles. */
export function schedulePayload(plan: CadencePlan): ScheduleEvent {
    return { scheduledTime: "<aws.scheduler.scheduled-time>", ...(plan.gate ? { gate: plan.gate } : {}) };
}
