import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createFreshnessHandler, createNotifyHandler, MONITOR_FUNCTION_LABELS } from "../handlers/monitoring/lambda";
import { CycleSide, DATA_AGE_METRIC, METRIC_NAMESPACE, MonitorSettings } from "../handlers/monitoring/settings";
import { LambdaFunction } from "./lambda-function";
import { MonitoringOptions } from "./operations-args";
import { freshnessPolicy, notifierPolicy } from "./policies";

export interface CycleMonitoringArgs {
    readonly instanceName: string;
    readonly side: CycleSide;
    /** What one cycle is, in names: `refresh-cycle`, `share-cycle`. */
    readonly cycleLabel: string;
    readonly stateMachineArn: pulumi.Output<string>;
    readonly deadLetterQueueArn: pulumi.Output<string>;
    readonly deadLetterQueueName: pulumi.Output<string>;
    readonly options: MonitoringOptions;
    readonly logRetentionDays: number;
    readonly tags: Record<string, string>;
}

/** The freshness function's period: the alarm sees three data points in each of its periods. */
const MEASURE_EVERY = "rate(1 hour)";
const STALE_ALARM_PERIOD_SECONDS = 3 * 3600;
const FAILURE_ALARM_PERIOD_SECONDS = 300;

/**
 * What tells people how a cycle went, so nobody reads logs at 9 a.m.: a topic, one message per execution that
 * ends (driven by Step Functions' status events, so a function that crashed is reported too), and alarms for a
 * cycle that failed, for data that stopped arriving, and for a dead-letter queue that is not empty.
 */
export class CycleMonitoring extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;
    readonly alarmNames: pulumi.Output<string>[];

    constructor(name: string, args: CycleMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("snapshot-refresh:index:CycleMonitoring", name, {}, opts);
        const { instanceName, cycleLabel, options, tags } = args;
        const parent = { parent: this };
        const label = cycleLabel.replace("-", " ");

        this.topicArn = options.topicArn !== undefined
            ? pulumi.output(options.topicArn)
            : new aws.sns.Topic(`${instanceName}-${cycleLabel}-notifications`, {
                displayName: `snapshot-refresh ${instanceName}`,
                tags,
            }, parent).arn;
        options.emails.forEach((email, index) => {
            new aws.sns.TopicSubscription(`${instanceName}-${cycleLabel}-email-${index}`, { topic: this.topicArn, protocol: "email", endpoint: email }, parent);
        });

        const settings = pulumi.all([args.stateMachineArn, this.topicArn]).apply(([stateMachineArn, topicArn]): MonitorSettings => ({
            instanceName, side: args.side, cycleLabel: label, stateMachineArn, topicArn,
        }));

        const notifier = new LambdaFunction(`${instanceName}-${cycleLabel}-notifier`, {
            instanceName,
            label: `${args.side}-${MONITOR_FUNCTION_LABELS.notify}`,
            purpose: `sends one message when a ${label} ends`,
            logRetentionDays: args.logRetentionDays,
            callbackFactory: createNotifyHandler,
            policy: (logGroupArn) => pulumi.all([args.stateMachineArn, this.topicArn, logGroupArn, args.deadLetterQueueArn]).apply(([machine, topic, logGroup, queue]) =>
                JSON.stringify(notifierPolicy(machine, topic, logGroup, queue))),
            settings: pulumi.jsonStringify(settings),
            timeoutSeconds: 60,
            // EventBridge invokes it asynchronously: a message that still cannot be sent lands in the dead-letter queue,
            // whose alarm then says so.
            asyncInvocation: { retries: 2, maximumEventAgeSeconds: 6 * 3600, deadLetterQueueArn: args.deadLetterQueueArn },
            tags,
        }, parent);
        const statuses = options.notifyOnSuccess ? ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] : ["FAILED", "TIMED_OUT", "ABORTED"];
        const endedRule = new aws.cloudwatch.EventRule(`${instanceName}-${cycleLabel}-ended`, {
            description: `${label}s of snapshot-refresh ${instanceName} that ended (${statuses.join(", ")})`,
            eventPattern: args.stateMachineArn.apply((arn) => JSON.stringify({
                source: ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                detail: { stateMachineArn: [arn], status: statuses },
            })),
            tags,
        }, parent);
        this.invokedBy(`${instanceName}-${cycleLabel}-ended`, endedRule, notifier);

        const freshness = new LambdaFunction(`${instanceName}-${cycleLabel}-freshness`, {
            instanceName,
            label: `${args.side}-${MONITOR_FUNCTION_LABELS.freshness}`,
            purpose: `publishes every hour how old the data the ${label}s delivered is`,
            logRetentionDays: args.logRetentionDays,
            callbackFactory: createFreshnessHandler,
            policy: (logGroupArn) => pulumi.all([args.stateMachineArn, logGroupArn]).apply(([machine, logGroup]) =>
                JSON.stringify(freshnessPolicy(machine, METRIC_NAMESPACE, logGroup))),
            settings: pulumi.jsonStringify(settings),
            timeoutSeconds: 60,
            tags,
        }, parent);
        const hourly = new aws.cloudwatch.EventRule(`${instanceName}-${cycleLabel}-measure`, {
            description: `Measures every hour the age of the data the ${label}s of snapshot-refresh ${instanceName} delivered`,
            scheduleExpression: MEASURE_EVERY,
            tags,
        }, parent);
        this.invokedBy(`${instanceName}-${cycleLabel}-measure`, hourly, freshness);

        const alarmActions = { alarmActions: [this.topicArn], okActions: [this.topicArn] };
        const failed = new aws.cloudwatch.MetricAlarm(`${instanceName}-${cycleLabel}-failed`, {
            alarmDescription: `A ${label} of snapshot-refresh ${instanceName} failed, timed out or was aborted: its message says why and what to do.`,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            evaluationPeriods: 1,
            metricQueries: [
                {
                    id: "ended",
                    label: "Executions that failed, timed out or were aborted",
                    expression: "failed + timedOut + aborted",
                    returnData: true,
                },
                ...(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"] as const).map((metricName, index) => ({
                    id: ["failed", "timedOut", "aborted"][index],
                    metric: { namespace: "AWS/States", metricName, dimensions: { StateMachineArn: args.stateMachineArn }, period: FAILURE_ALARM_PERIOD_SECONDS, stat: "Sum" },
                })),
            ],
            // No execution ended, nothing failed: silence here is covered by the stale-data alarm.
            treatMissingData: "notBreaching",
            ...alarmActions,
            tags,
        }, parent);
        const stale = new aws.cloudwatch.MetricAlarm(`${instanceName}-${cycleLabel}-stale`, {
            alarmDescription: `The data the ${label}s of snapshot-refresh ${instanceName} delivered is over ${options.staleAfterHours} hours old: ` +
                "production stopped sharing, the schedule is disabled or paused, or the cycles keep failing. npm run status -- --stack <stack> shows which.",
            namespace: METRIC_NAMESPACE,
            metricName: DATA_AGE_METRIC,
            dimensions: { Instance: instanceName, Cycle: label },
            statistic: "Maximum",
            period: STALE_ALARM_PERIOD_SECONDS,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: options.staleAfterHours,
            // The metric stops when its function does: silence is as stale as old data.
            treatMissingData: "breaching",
            ...alarmActions,
            tags,
        }, parent);
        const deadLetters = new aws.cloudwatch.MetricAlarm(`${instanceName}-${cycleLabel}-dead-letters`, {
            alarmDescription: `The dead-letter queue of snapshot-refresh ${instanceName} holds a failed cycle or a firing, start or message that could not be delivered: read it with aws sqs receive-message.`,
            namespace: "AWS/SQS",
            metricName: "ApproximateNumberOfMessagesVisible",
            dimensions: { QueueName: args.deadLetterQueueName },
            statistic: "Maximum",
            period: FAILURE_ALARM_PERIOD_SECONDS,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            // SQS stops publishing the metrics of a queue that stays empty and untouched: missing means empty here.
            treatMissingData: "notBreaching",
            ...alarmActions,
            tags,
        }, parent);
        this.alarmNames = [failed.name, stale.name, deadLetters.name];
        this.registerOutputs({ topicArn: this.topicArn, alarmNames: this.alarmNames });
    }

    /** An EventBridge rule invokes a function: the rule's target, and the permission scoped to that rule. */
    private invokedBy(name: string, rule: aws.cloudwatch.EventRule, target: LambdaFunction): void {
        const permission = new aws.lambda.Permission(name, {
            action: "lambda:InvokeFunction",
            function: target.name,
            principal: "events.amazonaws.com",
            sourceArn: rule.arn,
        }, { parent: this });
        new aws.cloudwatch.EventTarget(name, { rule: rule.name, arn: target.arn }, { parent: this, dependsOn: [permission] });
    }
}
