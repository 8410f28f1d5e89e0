import { expect } from "chai";
import { SnapshotRefreshArgs } from "../../../components/refresh/args";
import { ConfigError } from "../../../components/config-error";
import { RefreshSettings } from "../../../handlers/refresh/settings";
import { arnOfFunction, listOf, policyOf, statement } from "../policy-documents";
import { ACCOUNT_ID, deploymentFailure, mocks, RecordedResource, REGION, settingsOf, SOURCE_ACCOUNT_ID, valueOf } from "../pulumi-mocks";


type ComponentModule = typeof import("../../../components");
let component: ComponentModule;

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BOTH_ENGINES: SnapshotRefreshArgs = {
    sourceAccountId: SOURCE_ACCOUNT_ID,
    pipelineName: "acceptance-main",
    engines: ["aurora", { engine: "documentdb", kmsKeyArn: KEY_ARN }],
};

const FUNCTION = "aws:lambda/function:Function";
const SCHEDULE = "aws:scheduler/schedule:Schedule";
const STATE_MACHINE = "aws:sfn/stateMachine:StateMachine";
const FUNCTION_RECIPE = "snapshot-refresh:index:LambdaFunction";
const CYCLE = "snapshot-refresh:index:Cycle";
const MONITORING = "snapshot-refresh:index:CycleMonitoring";
/** What the cycle component holds and an earlier version created as the component's own children. */
const CYCLE_CHILDREN = new Set([
    "acc-cycle", "acc-cycle-failures", "acc-dead-letters", "acc-dead-letters-policy", "acc-refresh-cycle", "acc-refresh-cycle-logs",
    "acc-refresh-cycle-policy", "acc-refresh-cycle-role", "acc-schedules", "acc-scheduler-policy", "acc-scheduler-role", "acc-starter",
]);
/** What the cycle component holds that no earlier version had: the pause and the monitoring. */
const NEW_CYCLE_CHILDREN = new Set(["acc-pause", "acc-refresh-cycle-monitoring"]);
/** What the monitoring component holds: the topic, the rules that drive its two functions, and the alarms. */
const MONITORING_CHILDREN = new Set([
    "acc-refresh-cycle-notifications", "acc-refresh-cycle-ended", "acc-refresh-cycle-measure", "acc-refresh-cycle-notifier",
    "acc-refresh-cycle-freshness", "acc-refresh-cycle-failed", "acc-refresh-cycle-stale", "acc-refresh-cycle-dead-letters",
]);

async function build(name: string, args: SnapshotRefreshArgs) {
    const refresh = new component.SnapshotRefresh(name, args, { transformations: [mocks.recordOptions] });
    // The schedule is the last resource to resolve: it waits for the functions' code to be serialized.
    await Promise.all([refresh.scheduleName, refresh.stateMachineArn, refresh.deadLetterQueueUrl].map(valueOf));
    await mocks.settle();
    return refresh;
}

const refreshSettingsOf = (lambda: RecordedResource) => settingsOf<RefreshSettings>(lambda);

describe("SnapshotRefresh", function () {
    // Each build serializes two functions' closures: about a second on a small machine.
    this.timeout(30_000);

    before(async () => {
        component = await import("../../../components");
    });
    beforeEach(() => mocks.reset());

    describe("with aurora and documentdb and every default", () => {
        let refresh: InstanceType<ComponentModule["SnapshotRefresh"]>;
        // Built once: every test here only reads what the deployment declared.
        let declared: RecordedResource[];
        before(async () => {
            mocks.reset();
            refresh = await build("acc", BOTH_ENGINES);
            declared = [...mocks.resources];
        });
        beforeEach(() => {
            mocks.resources = [...declared];
        });

        it("creates exactly these resources: each function with its role, policy and log group under its own child component", async () => {
            const created = mocks.resources.map((resource) => `${resource.type} ${resource.name}`).sort();
            expect(created).to.deep.equal([
                "aws:cloudwatch/eventRule:EventRule acc-cycle-failures",
                "aws:cloudwatch/eventRule:EventRule acc-refresh-cycle-ended",
                "aws:cloudwatch/eventRule:EventRule acc-refresh-cycle-measure",
                "aws:cloudwatch/eventTarget:EventTarget acc-cycle-failures",
                "aws:cloudwatch/eventTarget:EventTarget acc-refresh-cycle-ended",
                "aws:cloudwatch/eventTarget:EventTarget acc-refresh-cycle-measure",
                "aws:cloudwatch/logGroup:LogGroup acc-refresh-cycle-freshness-logs",
                "aws:cloudwatch/logGroup:LogGroup acc-refresh-cycle-logs",
                "aws:cloudwatch/logGroup:LogGroup acc-refresh-cycle-notifier-logs",
                "aws:cloudwatch/logGroup:LogGroup acc-restore-logs",
                "aws:cloudwatch/logGroup:LogGroup acc-starter-logs",
                "aws:cloudwatch/logGroup:LogGroup acc-update-logs",
                "aws:cloudwatch/metricAlarm:MetricAlarm acc-refresh-cycle-dead-letters",
                "aws:cloudwatch/metricAlarm:MetricAlarm acc-refresh-cycle-failed",
                "aws:cloudwatch/metricAlarm:MetricAlarm acc-refresh-cycle-stale",
                "aws:iam/role:Role acc-refresh-cycle-freshness-role",
                "aws:iam/role:Role acc-refresh-cycle-notifier-role",
                "aws:iam/role:Role acc-refresh-cycle-role",
                "aws:iam/role:Role acc-restore-role",
                "aws:iam/role:Role acc-scheduler-role",
                "aws:iam/role:Role acc-starter-role",
                "aws:iam/role:Role acc-update-role",
                "aws:iam/rolePolicy:RolePolicy acc-refresh-cycle-freshness-policy",
                "aws:iam/rolePolicy:RolePolicy acc-refresh-cycle-notifier-policy",
                "aws:iam/rolePolicy:RolePolicy acc-refresh-cycle-policy",
                "aws:iam/rolePolicy:RolePolicy acc-restore-policy",
                "aws:iam/rolePolicy:RolePolicy acc-scheduler-policy",
                "aws:iam/rolePolicy:RolePolicy acc-starter-policy",
                "aws:iam/rolePolicy:RolePolicy acc-update-policy",
                "aws:lambda/function:Function acc-refresh-cycle-freshness",
                "aws:lambda/function:Function acc-refresh-cycle-notifier",
                "aws:lambda/function:Function acc-restore",
                "aws:lambda/function:Function acc-starter",
                "aws:lambda/function:Function acc-update",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig acc-refresh-cycle-notifier-async",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig acc-starter-async",
                "aws:lambda/permission:Permission acc-refresh-cycle-ended",
                "aws:lambda/permission:Permission acc-refresh-cycle-measure",
                "aws:scheduler/schedule:Schedule acc-cycle",
                "aws:scheduler/scheduleGroup:ScheduleGroup acc-schedules",
                "aws:sfn/stateMachine:StateMachine acc-refresh-cycle",
                "aws:sns/topic:Topic acc-refresh-cycle-notifications",
                "aws:sqs/queue:Queue acc-dead-letters",
                "aws:sqs/queuePolicy:QueuePolicy acc-dead-letters-policy",
                "aws:ssm/parameter:Parameter acc-aurora-current",
                "aws:ssm/parameter:Parameter acc-aurora-latest",
                "aws:ssm/parameter:Parameter acc-documentdb-current",
                "aws:ssm/parameter:Parameter acc-documentdb-latest",
                "aws:ssm/parameter:Parameter acc-pause",
                "aws:ssm/parameter:Parameter acc-pipeline",
                "snapshot-refresh:index:Cycle acc-refresh-cycle",
                "snapshot-refresh:index:CycleMonitoring acc-refresh-cycle-monitoring",
                "snapshot-refresh:index:LambdaFunction acc-refresh-cycle-freshness",
                "snapshot-refresh:index:LambdaFunction acc-refresh-cycle-notifier",
                "snapshot-refresh:index:LambdaFunction acc-restore",
                "snapshot-refresh:index:LambdaFunction acc-starter",
                "snapshot-refresh:index:LambdaFunction acc-update",
                "snapshot-refresh:index:SnapshotRefresh acc",
            ]);
            for (const child of mocks.resources.filter((resource) => resource.name !== "acc")) {
                const recipe = /^(acc-(?:update|restore|starter|refresh-cycle-notifier|refresh-cycle-freshness))(?:-logs|-role|-policy|-async)?$/.exec(child.name);
                const parentUrn = await valueOf(child.parent!.urn);
                if (recipe !== null && child.type !== FUNCTION_RECIPE) {
                    expect(parentUrn, `${child.type} ${child.name}`).to.match(new RegExp(`\\$${FUNCTION_RECIPE}::${recipe[1]}$`));
                } else if (MONITORING_CHILDREN.has(child.name)) {
                    expect(parentUrn, `${child.type} ${child.name} is a child of the monitoring`).to.match(new RegExp(`\\$${MONITORING}::acc-refresh-cycle-monitoring$`));
                } else if ((CYCLE_CHILDREN.has(child.name) || NEW_CYCLE_CHILDREN.has(child.name)) && child.type !== CYCLE) {
                    expect(parentUrn, `${child.type} ${child.name} is a child of the cycle`).to.match(new RegExp(`\\$${CYCLE}::acc-refresh-cycle$`));
                } else {
                    expect(child.parent === refresh, `${child.type} ${child.name} is a child of the component`).to.equal(true);
                }
            }
        });

        it("keeps the update's and the restore's role, policy and log group where an earlier version created them", () => {
            // Before the function recipe existed they were the component's own children: the alias stops
            // `pulumi up` from replacing them, which for the log group's fixed name would fail.
            for (const name of ["acc-update-logs", "acc-update-role", "acc-update-policy", "acc-restore-logs"]) {
                const aliases = mocks.named(name).aliases as { parent?: unknown }[];
                expect(aliases.map((alias) => alias.parent === refresh), name).to.deep.equal([true]);
            }
        });

        it("keeps the cycle's resources where an earlier version created them, as the component's own children", () => {
            for (const name of CYCLE_CHILDREN) {
                const aliases = mocks.resources.filter((resource) => resource.name === name && resource.type !== FUNCTION).flatMap((resource) => resource.aliases as { parent?: unknown }[]);
                expect(aliases.length, name).to.be.greaterThan(0);
                expect(aliases.every((alias) => alias.parent === refresh), name).to.equal(true);
            }
        });

        it("names the six parameters exactly, with a placeholder that later updates leave alone", () => {
            const parameters = mocks.ofType("aws:ssm/parameter:Parameter");
            const byName = Object.fromEntries(parameters.map((parameter) => [parameter.inputs.name as string, parameter]));
            expect(Object.keys(byName).sort()).to.deep.equal([
                "/snapshot-refresh/acc/paused-until",
                "aurora_current_snapshot_id",
                "aurora_latest_snapshot_id",
                "documentdb_current_snapshot_id",
                "documentdb_latest_snapshot_id",
                "main_cicd_name",
            ]);
            for (const name of Object.keys(byName).filter((parameterName) => parameterName.endsWith("_snapshot_id"))) {
                expect(byName[name].inputs.value, name).to.equal("none");
                expect(byName[name].ignoreChanges, name).to.deep.equal(["value"]);
            }
            expect(byName.main_cicd_name.inputs.value).to.equal("acceptance-main");
            expect(byName.main_cicd_name.ignoreChanges, "the pipeline name follows the config").to.deep.equal([]);
            const pause = byName["/snapshot-refresh/acc/paused-until"];
            expect(pause.name).to.equal("acc-pause");
            expect(pause.inputs).to.deep.include({ type: "String", value: "none" });
            expect(pause.ignoreChanges, "a pause an operator set survives the next pulumi up").to.deep.equal(["value"]);
        });

        it("runs the functions on nodejs22.x, one at a time, with their own roles, names, JSON logs and settings", () => {
            const functions = [
                ["update", "acc-db-update-latest-snapshot-id", "/snapshot-refresh/acc/db-update-latest-snapshot-id", 300],
                ["restore", "acc-db-restore-from-snapshot", "/snapshot-refresh/acc/db-restore-from-snapshot", 300],
                ["starter", "acc-start-refresh-cycle", "/snapshot-refresh/acc/start-refresh-cycle", 60],
            ] as const;
            for (const [kind, functionName, logGroup, timeout] of functions) {
                const lambda = mocks.named(`acc-${kind}`, FUNCTION);
                expect(lambda.inputs).to.deep.include({
                    name: functionName,
                    runtime: "nodejs22.x",
                    handler: "__index.handler",
                    reservedConcurrentExecutions: 1,
                    timeout,
                    memorySize: 256,
                    role: `arn:aws:iam::${ACCOUNT_ID}:role/acc-${kind}-role-1a2b3c4`,
                });
                expect(lambda.inputs.loggingConfig).to.deep.include({ logFormat: "JSON", logGroup });
                expect(mocks.named(`acc-${kind}-logs`).inputs.retentionInDays).to.equal(90);
            }
            expect(refreshSettingsOf(mocks.named("acc-update", FUNCTION))).to.deep.equal({
                instanceName: "acc",
                sourceAccountId: SOURCE_ACCOUNT_ID,
                copyIdentifierPrefix: "acc-",
                pipelineParameter: "main_cicd_name",
                whenCopyNotReady: "fail",
                maintenanceWindowMinutes: 240,
                copyRecheckMinutes: 10,
                pauseParameter: "/snapshot-refresh/acc/paused-until",
                paused: false,
                engines: [
                    {
                        engine: "aurora", latestParameter: "aurora_latest_snapshot_id", currentParameter: "aurora_current_snapshot_id",
                        sourceClusters: [], copy: false, keepCopies: 2,
                    },
                    {
                        engine: "documentdb", latestParameter: "documentdb_latest_snapshot_id", currentParameter: "documentdb_current_snapshot_id",
                        sourceClusters: [], copy: true, kmsKeyArn: KEY_ARN, keepCopies: 2,
                    },
                ],
            });
            expect(refreshSettingsOf(mocks.named("acc-restore", FUNCTION))).to.deep.equal(refreshSettingsOf(mocks.named("acc-update", FUNCTION)));
            expect(refreshSettingsOf(mocks.named("acc-starter", FUNCTION))).to.deep.equal({
                instanceName: "acc",
                stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:acc-refresh-cycle`,
                cycleLabel: "refresh cycle",
                executionNamePrefix: "cycle",
            });
        });

        it("deploys the refresh cycle as a STANDARD state machine running exactly the two functions, logging everything", () => {
            const machine = mocks.named("acc-refresh-cycle", STATE_MACHINE).inputs;
            expect(machine).to.deep.include({ name: "acc-refresh-cycle", type: "STANDARD", roleArn: `arn:aws:iam::${ACCOUNT_ID}:role/acc-refresh-cycle-role-1a2b3c4` });
            expect(machine.loggingConfiguration).to.deep.equal({
                level: "ALL",
                includeExecutionData: true,
                logDestination: `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/vendedlogs/states/snapshot-refresh/acc/refresh-cycle:*`,
            });
            const definition = JSON.parse(machine.definition as string) as { States: Record<string, { Resource?: string }>; TimeoutSeconds: number };
            const resources = Object.values(definition.States).flatMap((state) => (state.Resource === undefined ? [] : [state.Resource]));
            expect(resources).to.deep.equal([arnOfFunction("acc-db-update-latest-snapshot-id"), arnOfFunction("acc-db-restore-from-snapshot")]);
            expect(definition.TimeoutSeconds, "the maintenance window and two hours").to.equal((240 + 120) * 60);

            const trust = JSON.parse(mocks.named("acc-refresh-cycle-role").inputs.assumeRolePolicy as string);
            expect(trust.Statement).to.deep.equal([{
                Effect: "Allow",
                Principal: { Service: "states.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
                    ArnLike: { "aws:SourceArn": `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:acc-refresh-cycle` },
                },
            }]);
            const statements = policyOf(mocks.named("acc-refresh-cycle-policy"));
            expect(statement(statements, "InvokeCycleFunctions")).to.deep.include({
                Action: ["lambda:InvokeFunction"],
                Resource: [arnOfFunction("acc-db-update-latest-snapshot-id"), arnOfFunction("acc-db-restore-from-snapshot")],
            });
            expect(statement(statements, "DeliverExecutionLogs").Resource).to.equal("*");
            expect(statements.map((granted) => granted.Sid)).to.deep.equal(["InvokeCycleFunctions", "DeliverExecutionLogs"]);
        });

        it("lets the starter start executions of that one state machine, and nothing else but its logs and the dead-letter queue", () => {
            const statements = policyOf(mocks.named("acc-starter-policy"));
            expect(statements.map((granted) => [granted.Sid, granted.Action, granted.Resource])).to.deep.equal([
                ["StartCycles", ["states:StartExecution"], [`arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:acc-refresh-cycle`]],
                ["WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/snapshot-refresh/acc/start-refresh-cycle:*`]],
                ["ReportFailedRuns", ["sqs:SendMessage"], [`arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4`]],
            ]);
        });

        it("attaches no managed policy and grants no wildcard action", () => {
            expect(mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.have.length(0);
            for (const role of mocks.ofType("aws:iam/role:Role")) expect(role.inputs.managedPolicyArns, role.name).to.equal(undefined);
            for (const policy of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) {
                for (const granted of policyOf(policy)) {
                    for (const action of listOf(granted.Action)) expect(action, `${policy.name} ${granted.Sid}`).to.match(/^[a-z0-9-]+:[A-Za-z]+$/);
                    const resources = listOf(granted.Resource);
                    // The two places AWS allows no narrower resource.
                    if (resources.includes("*")) {
                        expect(`${policy.name} ${granted.Sid}`).to.be.oneOf([
                            "acc-update-policy ListClusterSnapshots", "acc-restore-policy ListClusterSnapshots", "acc-refresh-cycle-policy DeliverExecutionLogs",
                            "acc-refresh-cycle-freshness-policy PublishDataAge",
                        ]);
                    }
                }
            }
        });

        it("lets the update read both snapshot parameters and the pause, write latest, copy and trim only its own copies", () => {
            const statements = policyOf(mocks.named("acc-update-policy"));
            const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/${name}`;
            expect(statement(statements, "ReadSnapshotParameters")).to.deep.include({
                Action: ["ssm:GetParameters"],
                Resource: [
                    parameter("aurora_latest_snapshot_id"), parameter("documentdb_latest_snapshot_id"),
                    parameter("aurora_current_snapshot_id"), parameter("documentdb_current_snapshot_id"),
                    parameter("snapshot-refresh/acc/paused-until"),
                ],
            });
            expect(statement(statements, "RecordLatestSnapshot")).to.deep.include({
                Action: ["ssm:PutParameter"],
                Resource: [parameter("aurora_latest_snapshot_id"), parameter("documentdb_latest_snapshot_id")],
            });
            expect(statement(statements, "CopySharedSnapshots").Resource).to.deep.equal([
                `arn:aws:rds:${REGION}:${SOURCE_ACCOUNT_ID}:cluster-snapshot:*`,
                `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster-snapshot:acc-*`,
            ]);
            const ownCopies = [`arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster-snapshot:acc-*`];
            expect(statement(statements, "TagOwnCopies")).to.deep.include({ Action: ["rds:AddTagsToResource"], Resource: ownCopies });
            expect(statement(statements, "TrimOwnCopies")).to.deep.include({ Action: ["rds:DeleteDBClusterSnapshot"], Resource: ownCopies });
            const keys = [KEY_ARN, `arn:aws:kms:${REGION}:${SOURCE_ACCOUNT_ID}:key/*`];
            expect(statement(statements, "DescribeCopyKeys").Resource).to.deep.equal(keys);
            expect(statement(statements, "GrantCopyKeysToRds")).to.deep.include({
                Resource: keys,
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            });
            expect(statement(statements, "WriteOwnLogs").Resource).to.deep.equal([
                `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/snapshot-refresh/acc/db-update-latest-snapshot-id:*`,
            ]);
            expect(statements.some((granted) => listOf(granted.Action).some((action) => action.startsWith("codepipeline:")))).to.equal(false);
        });

        it("lets the restore read every parameter and the pause, promote snapshots, start and list only the configured pipeline and copy, but never delete", () => {
            const statements = policyOf(mocks.named("acc-restore-policy"));
            const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/${name}`;
            expect(statement(statements, "ReadParameters")).to.deep.include({
                Action: ["ssm:GetParameters"],
                Resource: [
                    parameter("aurora_latest_snapshot_id"), parameter("documentdb_latest_snapshot_id"),
                    parameter("aurora_current_snapshot_id"), parameter("documentdb_current_snapshot_id"),
                    parameter("main_cicd_name"), parameter("snapshot-refresh/acc/paused-until"),
                ],
            });
            expect(listOf(statement(statements, "PromoteSnapshots").Resource)).to.have.length(4);
            expect(statement(statements, "StartMainPipeline")).to.deep.include({
                Action: ["codepipeline:ListPipelineExecutions", "codepipeline:StartPipelineExecution"],
                Resource: [`arn:aws:codepipeline:${REGION}:${ACCOUNT_ID}:acceptance-main`],
            });
            expect(statement(statements, "CopySharedSnapshots").Resource).to.deep.equal(statement(policyOf(mocks.named("acc-update-policy")), "CopySharedSnapshots").Resource);
            expect(statement(statements, "GrantCopyKeysToRds").Resource).to.include(KEY_ARN);
            expect(statements.some((granted) => listOf(granted.Action).some((action) => /Delete/.test(action)))).to.equal(false);
        });

        it("lets only this account's Scheduler invoke exactly the starter", () => {
            const trust = JSON.parse(mocks.named("acc-scheduler-role").inputs.assumeRolePolicy as string);
            expect(trust.Statement[0]).to.deep.include({
                Principal: { Service: "scheduler.amazonaws.com" },
                Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
            });
            const statements = policyOf(mocks.named("acc-scheduler-policy"));
            expect(statement(statements, "InvokeCycleStarter").Resource).to.deep.equal([arnOfFunction("acc-start-refresh-cycle")]);
            expect(statement(statements, "ReportFailedInvocations").Resource).to.deep.equal([
                `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4`,
            ]);
        });

        it("has one schedule, which sends the cycle gate to the starter in the stack's timezone", () => {
            const schedules = mocks.ofType(SCHEDULE);
            expect(schedules.map((schedule) => schedule.name)).to.deep.equal(["acc-cycle"]);
            const schedule = schedules[0].inputs;
            expect(schedule).to.deep.include({ scheduleExpression: "cron(0 2,3 ? * SUN *)", scheduleExpressionTimezone: "UTC", state: "ENABLED" });
            const target = schedule.target as Record<string, unknown>;
            expect(target.arn).to.equal(arnOfFunction("acc-start-refresh-cycle"));
            expect(target.roleArn).to.equal(`arn:aws:iam::${ACCOUNT_ID}:role/acc-scheduler-role-1a2b3c4`);
            expect(target.deadLetterConfig).to.deep.equal({ arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4` });
            expect(target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
            expect(JSON.parse(target.input as string)).to.deep.equal({
                scheduledTime: "<aws.scheduler.scheduled-time>",
                gate: { timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00" },
            });
        });

        it("sends cycles that did not succeed to the dead-letter queue, as their execution status events, and only those", () => {
            const pattern = JSON.parse(mocks.named("acc-cycle-failures", "aws:cloudwatch/eventRule:EventRule").inputs.eventPattern as string);
            expect(pattern).to.deep.equal({
                source: ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                detail: { stateMachineArn: [`arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:acc-refresh-cycle`], status: ["FAILED", "TIMED_OUT", "ABORTED"] },
            });
            const queue = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4`;
            expect(mocks.named("acc-cycle-failures", "aws:cloudwatch/eventTarget:EventTarget").inputs).to.deep.include({ arn: queue });
            const queuePolicy = JSON.parse(mocks.named("acc-dead-letters-policy").inputs.policy as string);
            expect(queuePolicy.Statement).to.deep.equal([{
                Sid: "FailedCycles",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queue,
                Condition: { ArnEquals: { "aws:SourceArn": `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/acc-cycle-failures-1a2b3c4` } },
            }]);
        });

        it("sends the starter's and the notifier's failed asynchronous runs to the dead-letter queue; the refresh functions are invoked synchronously", () => {
            const deadLetters = { onFailure: { destination: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4` } };
            expect(mocks.named("acc-starter-async").inputs).to.deep.equal({
                functionName: "acc-start-refresh-cycle",
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 3600,
                destinationConfig: deadLetters,
            });
            // A message that could not be sent for six hours is stale news; the dead-letter alarm says it was lost.
            expect(mocks.named("acc-refresh-cycle-notifier-async").inputs).to.deep.equal({
                functionName: "acc-refresh-notify-cycle-end",
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 6 * 3600,
                destinationConfig: deadLetters,
            });
            expect(mocks.ofType("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").map((config) => config.name).sort()).to.deep.equal([
                "acc-refresh-cycle-notifier-async", "acc-starter-async",
            ]);
            expect(mocks.named("acc-dead-letters").inputs).to.deep.include({ messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true });
        });
    });

    it("exposes the names and ARNs as outputs", async () => {
        const refresh = await build("out", { ...BOTH_ENGINES, parameterPrefix: "/refresh/" });
        expect(refresh.parameterNames).to.deep.equal({
            aurora: { latest: "/refresh/aurora_latest_snapshot_id", current: "/refresh/aurora_current_snapshot_id" },
            documentdb: { latest: "/refresh/documentdb_latest_snapshot_id", current: "/refresh/documentdb_current_snapshot_id" },
        });
        expect(refresh.pipelineParameterName).to.equal("/refresh/main_cicd_name");
        expect(await valueOf(refresh.updateFunctionName)).to.equal("out-db-update-latest-snapshot-id");
        expect(await valueOf(refresh.restoreFunctionArn)).to.equal(arnOfFunction("out-db-restore-from-snapshot"));
        expect(await valueOf(refresh.stateMachineName)).to.equal("out-refresh-cycle");
        expect(await valueOf(refresh.stateMachineArn)).to.equal(`arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:out-refresh-cycle`);
        expect(await valueOf(refresh.scheduleName)).to.equal("out-cycle-1a2b3c4");
        expect(await valueOf(refresh.deadLetterQueueUrl)).to.match(/^https:\/\/sqs\./);
        expect(refresh.schedule).to.contain("every 2 weeks");
        const parameterArns = mocks.ofType("aws:ssm/parameter:Parameter").map((parameter) => parameter.inputs.name);
        expect(parameterArns).to.include("/refresh/aurora_latest_snapshot_id");
    });

    it("creates only what one aurora engine that restores from shared snapshots needs", async () => {
        await build("aurora-only", { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: ["aurora"] });
        expect(mocks.ofType("aws:ssm/parameter:Parameter").map((parameter) => parameter.inputs.name).sort()).to.deep.equal([
            "/snapshot-refresh/aurora-only/paused-until", "aurora_current_snapshot_id", "aurora_latest_snapshot_id", "main_cicd_name",
        ]);
        const statements = policyOf(mocks.named("aurora-only-update-policy"));
        expect(statements.map((granted) => granted.Sid)).to.deep.equal([
            "ReadSnapshotParameters", "RecordLatestSnapshot", "ListClusterSnapshots", "WriteOwnLogs",
        ]);
    });

    it("restores documentdb straight from the shared snapshot when told not to copy: no copy, tag, delete or KMS permission", async () => {
        await build("direct", { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: [{ engine: "documentdb", copy: false }] });
        expect(refreshSettingsOf(mocks.named("direct-update", FUNCTION)).engines[0]).to.include({ engine: "documentdb", copy: false });
        for (const policy of ["direct-update-policy", "direct-restore-policy"]) {
            const actions = policyOf(mocks.named(policy)).flatMap((granted) => listOf(granted.Action));
            expect(actions.filter((action) => /Copy|Tag|Delete|^kms:/.test(action)), policy).to.deep.equal([]);
        }
    });

    it("keeps function and state machine names within AWS's limits and apart for long instance names", async () => {
        const long = "acceptance-refresh-for-the-payments-team-europe";
        await build(long, { ...BOTH_ENGINES, parameterPrefix: "/long/" });
        await build(`${long}-2`, { ...BOTH_ENGINES, parameterPrefix: "/long2/" });
        const functionNames = mocks.ofType(FUNCTION).map((lambda) => lambda.inputs.name as string);
        expect(functionNames).to.have.length(10);
        expect(new Set(functionNames).size).to.equal(10);
        for (const name of functionNames) {
            expect(name.length, name).to.be.at.most(64);
            expect(name).to.match(/^acceptance-refresh-for-the-[a-z-]*[0-9a-f]{6}-(db-update-latest-snapshot-id|db-restore-from-snapshot|start-refresh-cycle|refresh-notify-cycle-end|refresh-measure-data-age)$/);
        }
        const machineNames = mocks.ofType(STATE_MACHINE).map((machine) => machine.inputs.name as string);
        expect(machineNames).to.deep.equal([`${long}-refresh-cycle`, `${long}-2-refresh-cycle`]);
    });

    describe("knowing the source's SnapshotShare", () => {
        const shareKey = `arn:aws:kms:${REGION}:${SOURCE_ACCOUNT_ID}:key/0a1b2c3d-0000-4000-8000-production00`;
        const production = "acme/snapshot-refresh/production";

        function expectScopedToTheShare(): void {
            for (const kind of ["update", "restore"]) {
                expect(refreshSettingsOf(mocks.named(`acc-${kind}`, FUNCTION)).sourceSnapshotPrefix, kind).to.equal("prod-share-");
                const statements = policyOf(mocks.named(`acc-${kind}-policy`));
                expect(statement(statements, "DescribeCopyKeys").Resource, kind).to.deep.equal([KEY_ARN, shareKey]);
                expect(statement(statements, "GrantCopyKeysToRds").Resource, kind).to.deep.equal([KEY_ARN, shareKey]);
            }
        }

        it("reads its key and snapshot prefix from the production stack named in sourceStack: exactly that key, only those snapshots", async () => {
            mocks.stackOutputs[production] = { accountId: SOURCE_ACCOUNT_ID, kmsKeyArn: shareKey, snapshotIdentifierPrefix: "prod-share-" };
            await build("acc", { ...BOTH_ENGINES, sourceStack: production });
            expect(mocks.named("acc-source").type).to.equal("pulumi:pulumi:StackReference");
            expectScopedToTheShare();
        });

        it("takes the key and the prefix as plain values just the same", async () => {
            await build("acc", { ...BOTH_ENGINES, sourceKmsKeyArn: shareKey, sourceSnapshotPrefix: "prod-share-" });
            expect(mocks.ofType("pulumi:pulumi:StackReference")).to.have.length(0);
            expectScopedToTheShare();
        });

        it("refuses a production stack of another account than sourceAccountId", async () => {
            mocks.stackOutputs[production] = { accountId: "999999999999", kmsKeyArn: shareKey, snapshotIdentifierPrefix: "prod-share-" };
            const error = await deploymentFailure(() => [new component.SnapshotRefresh("acc", { ...BOTH_ENGINES, sourceStack: production }).updateFunctionArn]);
            expect(error).to.be.instanceOf(ConfigError);
            expect((error as ConfigError).key).to.equal("sourceStack");
            expect((error as ConfigError).message).to.contain("account 999999999999, but sourceAccountId is");
        });
    });

    it("keeps two instances apart: no physical name is shared", async () => {
        await build("blue", { ...BOTH_ENGINES, parameterPrefix: "/blue/" });
        await build("green", { ...BOTH_ENGINES, parameterPrefix: "/green/" });
        const physicalNames = mocks.resources
            .filter((resource) => typeof resource.inputs.name === "string")
            .map((resource) => `${resource.type} ${resource.inputs.name as string}`);
        expect(new Set(physicalNames).size).to.equal(physicalNames.length);
        const logicalNames = mocks.resources.map((resource) => `${resource.type} ${resource.name}`);
        expect(new Set(logicalNames).size).to.equal(logicalNames.length);
        expect(refreshSettingsOf(mocks.named("blue-update", FUNCTION)).copyIdentifierPrefix).to.equal("blue-");
        expect(refreshSettingsOf(mocks.named("green-update", FUNCTION)).copyIdentifierPrefix).to.equal("green-");
        expect(listOf(statement(policyOf(mocks.named("green-update-policy")), "TrimOwnCopies").Resource)).to.deep.equal([
            `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster-snapshot:green-*`,
        ]);
    });

    it("reads the cadence, timezone and maintenance window into the schedule, the settings and the state machine", async () => {
        await build("tz", { ...BOTH_ENGINES, cadence: "every week on saturday at 23:30", timezone: "Europe/Amsterdam", maintenanceWindowMinutes: 90, copyRecheckMinutes: 5 });
        expect(mocks.named("tz-cycle", SCHEDULE).inputs).to.deep.include({ scheduleExpression: "cron(30 23,0 ? * SAT,SUN *)", scheduleExpressionTimezone: "Europe/Amsterdam" });
        expect(refreshSettingsOf(mocks.named("tz-restore", FUNCTION))).to.include({ maintenanceWindowMinutes: 90, copyRecheckMinutes: 5 });
        expect(JSON.parse(mocks.named("tz-refresh-cycle", STATE_MACHINE).inputs.definition as string).TimeoutSeconds).to.equal((90 + 120) * 60);
    });

    it("starts every firing of a raw cron(...) cadence as a cycle: no gate in the payload", async () => {
        await build("raw", { ...BOTH_ENGINES, cadence: "cron(0 3 ? * SAT *)" });
        expect(JSON.parse((mocks.named("raw-cycle", SCHEDULE).inputs.target as { input: string }).input)).to.deep.equal({ scheduledTime: "<aws.scheduler.scheduled-time>" });
    });
});
