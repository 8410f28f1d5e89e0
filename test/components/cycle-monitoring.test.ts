/**
 * What tells people how the cycles went, and what pauses them, on both sides: the topic (or the one given), its
 * email subscriptions, the notifier driven by the state machine's status events, the hourly freshness function,
 * the three alarms, the pause parameter, the paused schedule and the operator commands the stacks output.
 */
import { expect } from "chai";
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { SnapshotShareArgs } from "../../components/share/args";
import { metricDimensions } from "../../handlers/monitoring/freshness";
import { MonitorSettings } from "../../handlers/monitoring/settings";
import { RefreshSettings } from "../../handlers/refresh/settings";
import { ShareSettings } from "../../handlers/share/settings";
import { arnOfFunction, policyOf } from "./policy-documents";
import { ACCOUNT_ID, mocks, RecordedResource, REGION, settingsOf, SOURCE_ACCOUNT_ID, valueOf } from "./pulumi-mocks";

type ComponentModule = typeof import("../../components");
let component: ComponentModule;

const FUNCTION = "aws:lambda/function:Function";
const TOPIC = "aws:sns/topic:Topic";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const PERMISSION = "aws:lambda/permission:Permission";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SCHEDULE = "aws:scheduler/schedule:Schedule";

/** The team's own topic, given to the share stack instead of one it creates. */
const TEAM_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:team-alerts`;

/** Acceptance, every two weeks by default, with its own topic and two people subscribed. */
const REFRESH_ARGS: SnapshotRefreshArgs = {
    sourceAccountId: SOURCE_ACCOUNT_ID,
    pipelineName: "acceptance-main",
    engines: ["aurora", "documentdb"],
    notificationEmails: ["oncall@example.com", "dba@example.com"],
};
/** Production, daily by default, reporting only failures to the team's topic, paused by its stack config. */
const SHARE_ARGS: SnapshotShareArgs = {
    targetAccountIds: ["333333333333"],
    clusters: { aurora: ["orders"] },
    notificationTopicArn: TEAM_TOPIC,
    notificationEmails: ["oncall@example.com"],
    notifyOnSuccess: false,
    paused: true,
};

/** What each side's build declared, and the names and ARNs its monitoring refers to. */
interface Side {
    resources: RecordedResource[];
    instance: string;
    /** `refresh-cycle` or `share-cycle`: the monitoring's resources are named after it. */
    cycle: string;
    stateMachineArn: string;
    deadLetterQueueArn: string;
    topicArn: string;
    operatorCommands: unknown;
    notificationTopicArn: string;
    pauseParameterName: string;
}

const sides: Record<"refresh" | "share", Side> = {} as Record<"refresh" | "share", Side>;

function named(side: Side, name: string, type?: string): RecordedResource {
    const found = side.resources.filter((resource) => resource.name === name && (type === undefined || resource.type === type));
    if (found.length !== 1) throw new Error(`${found.length} resources named ${name}`);
    return found[0];
}

function ofType(side: Side, type: string): RecordedResource[] {
    return side.resources.filter((resource) => resource.type === type);
}

function startCommand(side: Side, input: string): string {
    return `aws stepfunctions start-execution --state-machine-arn ${side.stateMachineArn} --name "manual-$(date -u +%Y%m%dT%H%M%SZ)" --input '${input}'`;
}

function pauseCommand(side: Side, value: string): string {
    return `aws ssm put-parameter --overwrite --name /snapshot-refresh/${side.instance}/paused-until --value ${value}`;
}

describe("the cycles' notifications, alarms and pause", function () {
    // Each build serializes five or four functions' closures.
    this.timeout(120_000);

    before(async () => {
        component = await import("../../components");
        mocks.reset();
        const refresh = new component.SnapshotRefresh("acc", REFRESH_ARGS, { transformations: [mocks.recordOptions] });
        await Promise.all([refresh.scheduleName, refresh.stateMachineArn, refresh.deadLetterQueueUrl].map(valueOf));
        await mocks.settle();
        sides.refresh = {
            resources: [...mocks.resources],
            instance: "acc",
            cycle: "refresh-cycle",
            stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:acc-refresh-cycle`,
            deadLetterQueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4`,
            topicArn: `arn:aws:sns:${REGION}:${ACCOUNT_ID}:acc-refresh-cycle-notifications-1a2b3c4`,
            operatorCommands: await valueOf(refresh.operatorCommands),
            notificationTopicArn: await valueOf(refresh.notificationTopicArn),
            pauseParameterName: refresh.pauseParameterName,
        };
        mocks.reset();
        const share = new component.SnapshotShare("prod", SHARE_ARGS, { transformations: [mocks.recordOptions] });
        await Promise.all([share.scheduleName, share.stateMachineArn, share.deadLetterQueueUrl, share.kmsKeyArn].map(valueOf));
        await mocks.settle();
        sides.share = {
            resources: [...mocks.resources],
            instance: "prod",
            cycle: "share-cycle",
            stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:prod-share-cycle`,
            deadLetterQueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:prod-dead-letters-1a2b3c4`,
            topicArn: TEAM_TOPIC,
            operatorCommands: await valueOf(share.operatorCommands),
            notificationTopicArn: await valueOf(share.notificationTopicArn),
            pauseParameterName: share.pauseParameterName,
        };
    });

    describe("the topic", () => {
        it("is the instance's own when none is given, subscribing each email address once", () => {
            const side = sides.refresh;
            expect(ofType(side, TOPIC).map((topic) => [topic.name, topic.inputs.displayName])).to.deep.equal([
                ["acc-refresh-cycle-notifications", "snapshot-refresh acc"],
            ]);
            expect(side.notificationTopicArn).to.equal(side.topicArn);
            expect(ofType(side, SUBSCRIPTION).map((subscription) => [subscription.name, subscription.inputs])).to.deep.equal([
                ["acc-refresh-cycle-email-0", { topic: side.topicArn, protocol: "email", endpoint: "oncall@example.com" }],
                ["acc-refresh-cycle-email-1", { topic: side.topicArn, protocol: "email", endpoint: "dba@example.com" }],
            ]);
        });

        it("is the given one when notificationTopicArn is set: no topic is created, and the emails subscribe to it", () => {
            const side = sides.share;
            expect(ofType(side, TOPIC)).to.deep.equal([]);
            expect(side.notificationTopicArn).to.equal(TEAM_TOPIC);
            expect(ofType(side, SUBSCRIPTION).map((subscription) => [subscription.name, subscription.inputs])).to.deep.equal([
                ["prod-share-cycle-email-0", { topic: TEAM_TOPIC, protocol: "email", endpoint: "oncall@example.com" }],
            ]);
        });
    });

    for (const sideName of ["refresh", "share"] as const) {
        describe(`on the ${sideName} side`, () => {
            let side: Side;
            before(() => {
                side = sides[sideName];
            });

            it("sends one message per ended execution of exactly its state machine: successes too only when notifyOnSuccess", () => {
                const rule = named(side, `${side.instance}-${side.cycle}-ended`, RULE);
                const statuses = sideName === "refresh" ? ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] : ["FAILED", "TIMED_OUT", "ABORTED"];
                expect(JSON.parse(rule.inputs.eventPattern as string)).to.deep.equal({
                    source: ["aws.states"],
                    "detail-type": ["Step Functions Execution Status Change"],
                    detail: { stateMachineArn: [side.stateMachineArn], status: statuses },
                });
                const notifier = arnOfFunction(`${side.instance}-${sideName}-notify-cycle-end`);
                expect(named(side, `${side.instance}-${side.cycle}-ended`, TARGET).inputs).to.deep.equal({ rule: `${side.instance}-${side.cycle}-ended-1a2b3c4`, arn: notifier });
                expect(named(side, `${side.instance}-${side.cycle}-ended`, PERMISSION).inputs).to.deep.equal({
                    action: "lambda:InvokeFunction",
                    function: `${side.instance}-${sideName}-notify-cycle-end`,
                    principal: "events.amazonaws.com",
                    sourceArn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${side.instance}-${side.cycle}-ended-1a2b3c4`,
                });
                expect(named(side, `${side.instance}-${side.cycle}-notifier-async`).inputs).to.deep.equal({
                    functionName: `${side.instance}-${sideName}-notify-cycle-end`,
                    maximumRetryAttempts: 2,
                    maximumEventAgeInSeconds: 6 * 3600,
                    destinationConfig: { onFailure: { destination: side.deadLetterQueueArn } },
                });
            });

            it("measures the data's age every hour, with the function the stale-data alarm depends on", () => {
                expect(named(side, `${side.instance}-${side.cycle}-measure`, RULE).inputs.scheduleExpression).to.equal("rate(1 hour)");
                const freshness = `${side.instance}-${sideName}-measure-data-age`;
                expect(named(side, `${side.instance}-${side.cycle}-measure`, TARGET).inputs).to.deep.equal({ rule: `${side.instance}-${side.cycle}-measure-1a2b3c4`, arn: arnOfFunction(freshness) });
                expect(named(side, `${side.instance}-${side.cycle}-measure`, PERMISSION).inputs).to.deep.equal({
                    action: "lambda:InvokeFunction",
                    function: freshness,
                    principal: "events.amazonaws.com",
                    sourceArn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${side.instance}-${side.cycle}-measure-1a2b3c4`,
                });
            });

            it("runs both functions with the same settings: the instance, the side, the cycle, the state machine and the topic", () => {
                const expected: MonitorSettings = {
                    instanceName: side.instance,
                    side: sideName,
                    cycleLabel: `${sideName} cycle`,
                    stateMachineArn: side.stateMachineArn,
                    topicArn: side.topicArn,
                };
                for (const [kind, label] of [["notifier", "notify-cycle-end"], ["freshness", "measure-data-age"]]) {
                    const lambda = named(side, `${side.instance}-${side.cycle}-${kind}`, FUNCTION);
                    expect(lambda.inputs, kind).to.deep.include({ name: `${side.instance}-${sideName}-${label}`, timeout: 60, reservedConcurrentExecutions: 1 });
                    expect(lambda.inputs.loggingConfig, kind).to.deep.include({ logGroup: `/snapshot-refresh/${side.instance}/${sideName}-${label}` });
                    expect(settingsOf<MonitorSettings>(lambda), kind).to.deep.equal(expected);
                }
            });

            it("lets the notifier read only its state machine's executions and publish only to the topic", () => {
                expect(policyOf(named(side, `${side.instance}-${side.cycle}-notifier-policy`))).to.deep.equal([
                    {
                        Sid: "ReadEndedExecutions",
                        Effect: "Allow",
                        Action: ["states:DescribeExecution", "states:GetExecutionHistory"],
                        Resource: [`arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:${side.instance}-${side.cycle}:*`],
                    },
                    { Sid: "Notify", Effect: "Allow", Action: ["sns:Publish"], Resource: [side.topicArn] },
                    {
                        Sid: "WriteOwnLogs",
                        Effect: "Allow",
                        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                        Resource: [`arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/snapshot-refresh/${side.instance}/${sideName}-notify-cycle-end:*`],
                    },
                    { Sid: "ReportFailedRuns", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [side.deadLetterQueueArn] },
                ]);
            });

            it("lets the freshness function read only its state machine's executions, and publish metrics only in its namespace", () => {
                expect(policyOf(named(side, `${side.instance}-${side.cycle}-freshness-policy`))).to.deep.equal([
                    { Sid: "ListCycles", Effect: "Allow", Action: ["states:ListExecutions", "states:DescribeStateMachine"], Resource: [side.stateMachineArn] },
                    {
                        Sid: "ReadCycles",
                        Effect: "Allow",
                        Action: ["states:DescribeExecution"],
                        Resource: [`arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:${side.instance}-${side.cycle}:*`],
                    },
                    {
                        Sid: "PublishDataAge",
                        Effect: "Allow",
                        Action: ["cloudwatch:PutMetricData"],
                        Resource: "*",
                        Condition: { StringEquals: { "cloudwatch:namespace": "SnapshotRefresh" } },
                    },
                    {
                        Sid: "WriteOwnLogs",
                        Effect: "Allow",
                        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                        Resource: [`arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/snapshot-refresh/${side.instance}/${sideName}-measure-data-age:*`],
                    },
                ]);
            });

            it("raises an alarm for any execution that failed, timed out or was aborted, and clears it when none did", () => {
                const alarm = named(side, `${side.instance}-${side.cycle}-failed`, ALARM).inputs;
                const metric = (id: string, metricName: string) => ({
                    id,
                    metric: { namespace: "AWS/States", metricName, dimensions: { StateMachineArn: side.stateMachineArn }, period: 300, stat: "Sum" },
                });
                expect(alarm).to.deep.include({
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 1,
                    evaluationPeriods: 1,
                    treatMissingData: "notBreaching",
                    alarmActions: [side.topicArn],
                    okActions: [side.topicArn],
                    metricQueries: [
                        { id: "ended", label: "Executions that failed, timed out or were aborted", expression: "failed + timedOut + aborted", returnData: true },
                        metric("failed", "ExecutionsFailed"),
                        metric("timedOut", "ExecutionsTimedOut"),
                        metric("aborted", "ExecutionsAborted"),
                    ],
                });
                expect(alarm, "the metric math is the alarm's only metric").to.not.have.any.keys("metricName", "namespace", "period", "statistic");
            });

            it("raises an alarm when the delivered data grows stale, or its measurement stops", () => {
                const alarm = named(side, `${side.instance}-${side.cycle}-stale`, ALARM).inputs;
                // Every two weeks (336 hours) on the refresh side, daily (24) on the share side, plus 48 hours each.
                const threshold = sideName === "refresh" ? 14 * 24 + 48 : 24 + 48;
                expect(alarm).to.deep.include({
                    namespace: "SnapshotRefresh",
                    metricName: "DataAgeHours",
                    dimensions: { Instance: side.instance, Cycle: `${sideName} cycle` },
                    statistic: "Maximum",
                    period: 3 * 3600,
                    evaluationPeriods: 1,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold,
                    treatMissingData: "breaching",
                    alarmActions: [side.topicArn],
                    okActions: [side.topicArn],
                });
                expect(alarm.alarmDescription).to.contain(`is over ${threshold} hours old`);
                // The alarm watches exactly the series the freshness function publishes.
                const published = metricDimensions(settingsOf<MonitorSettings>(named(side, `${side.instance}-${side.cycle}-freshness`, FUNCTION)));
                expect(Object.fromEntries(published.map((dimension) => [dimension.Name, dimension.Value]))).to.deep.equal(alarm.dimensions);
            });

            it("raises an alarm while the dead-letter queue holds anything", () => {
                expect(named(side, `${side.instance}-${side.cycle}-dead-letters`, ALARM).inputs).to.deep.include({
                    namespace: "AWS/SQS",
                    metricName: "ApproximateNumberOfMessagesVisible",
                    dimensions: { QueueName: `${side.instance}-dead-letters-1a2b3c4` },
                    statistic: "Maximum",
                    period: 300,
                    evaluationPeriods: 1,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 1,
                    treatMissingData: "notBreaching",
                    alarmActions: [side.topicArn],
                    okActions: [side.topicArn],
                });
                expect(ofType(side, ALARM).map((alarm) => alarm.name).sort()).to.deep.equal(
                    ["dead-letters", "failed", "stale"].map((alarm) => `${side.instance}-${side.cycle}-${alarm}`),
                );
            });

            it("creates the pause parameter unpaused, and leaves its value to operators from then on", () => {
                const pause = named(side, `${side.instance}-pause`).inputs;
                expect(pause).to.deep.include({ name: `/snapshot-refresh/${side.instance}/paused-until`, type: "String", value: "none" });
                expect(named(side, `${side.instance}-pause`).ignoreChanges).to.deep.equal(["value"]);
                expect(side.pauseParameterName).to.equal(`/snapshot-refresh/${side.instance}/paused-until`);
            });
        });
    }

    describe("the stack config's pause", () => {
        it("leaves the schedule enabled and the functions unpaused by default", () => {
            const side = sides.refresh;
            expect(named(side, "acc-cycle", SCHEDULE).inputs.state).to.equal("ENABLED");
            for (const kind of ["update", "restore"]) {
                expect(settingsOf<RefreshSettings>(named(side, `acc-${kind}`, FUNCTION)), kind).to.deep.include({ paused: false, pauseParameter: "/snapshot-refresh/acc/paused-until" });
            }
        });

        it("disables the schedule when paused is true, and tells the function so, for the runs started by hand", () => {
            const side = sides.share;
            expect(named(side, "prod-cycle", SCHEDULE).inputs.state).to.equal("DISABLED");
            expect(settingsOf<ShareSettings>(named(side, "prod-share", FUNCTION))).to.deep.include({ paused: true, pauseParameter: "/snapshot-refresh/prod/paused-until" });
            expect(named(side, "prod-pause").inputs.value, "the parameter stays the operators' own").to.equal("none");
        });
    });

    describe("the operator commands each stack outputs", () => {
        it("on the refresh side: run, dry-run, restore chosen snapshots of each engine, pause, pause until, resume, status", () => {
            const side = sides.refresh;
            expect(side.operatorCommands).to.deep.equal({
                runNow: startCommand(side, "{}"),
                dryRun: startCommand(side, '{"dryRun":true}'),
                restoreChosen: startCommand(side, '{"restore":{"aurora":"<aurora snapshot ARN or identifier>","documentdb":"<documentdb snapshot ARN or identifier>"}}'),
                pause: pauseCommand(side, "indefinitely"),
                pauseUntil: pauseCommand(side, "2027-01-04T06:00:00Z"),
                resume: pauseCommand(side, "none"),
                status: "npm run status -- --stack acceptance",
            });
        });

        it("on the share side: the same, without restoring chosen snapshots", () => {
            const side = sides.share;
            expect(side.operatorCommands).to.deep.equal({
                runNow: startCommand(side, "{}"),
                dryRun: startCommand(side, '{"dryRun":true}'),
                pause: pauseCommand(side, "indefinitely"),
                pauseUntil: pauseCommand(side, "2027-01-04T06:00:00Z"),
                resume: pauseCommand(side, "none"),
                status: "npm run status -- --stack acceptance",
            });
        });
    });
});
