import { expect } from "chai";
import { SnapshotRefreshArgs } from "../../components/args";
import { RefreshSettings, SETTINGS_ENVIRONMENT_VARIABLE } from "../../handlers/settings";
import { ACCOUNT_ID, mocks, RecordedResource, REGION, SOURCE_ACCOUNT_ID, valueOf } from "./pulumi-mocks";


type ComponentModule = typeof import("../../components");
let component: ComponentModule;

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BOTH_ENGINES: SnapshotRefreshArgs = {
    sourceAccountId: SOURCE_ACCOUNT_ID,
    pipelineName: "acceptance-main",
    engines: ["aurora", { engine: "documentdb", kmsKeyArn: KEY_ARN }],
};

const FUNCTION = "aws:lambda/function:Function";
const SCHEDULE = "aws:scheduler/schedule:Schedule";

interface PolicyStatement {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string>>;
}

async function build(name: string, args: SnapshotRefreshArgs) {
    const refresh = new component.SnapshotRefresh(name, args, { transformations: [mocks.recordOptions] });
    // The schedules are the last resources to resolve: they wait for both functions' code to be serialized.
    await Promise.all([refresh.updateScheduleName, refresh.restoreScheduleName, refresh.deadLetterQueueUrl].map(valueOf));
    await mocks.settle();
    return refresh;
}

function policyOf(resource: RecordedResource): PolicyStatement[] {
    return (JSON.parse(resource.inputs.policy as string) as { Statement: PolicyStatement[] }).Statement;
}

function statement(statements: PolicyStatement[], sid: string): PolicyStatement {
    const found = statements.find((candidate) => candidate.Sid === sid);
    if (!found) throw new Error(`no statement ${sid} in ${statements.map((candidate) => candidate.Sid).join(", ")}`);
    return found;
}

function listOf(value: string | string[]): string[] {
    return Array.isArray(value) ? value : [value];
}

function settingsOf(lambda: RecordedResource): RefreshSettings {
    const environment = lambda.inputs.environment as { variables: Record<string, string> };
    return JSON.parse(environment.variables[SETTINGS_ENVIRONMENT_VARIABLE]) as RefreshSettings;
}

describe("SnapshotRefresh", function () {
    // Each build serializes two functions' closures: about a second on a small machine.
    this.timeout(30_000);

    before(async () => {
        component = await import("../../components");
    });
    beforeEach(() => mocks.reset());

    describe("with aurora and documentdb and every default", () => {
        let refresh: InstanceType<ComponentModule["SnapshotRefresh"]>;
        beforeEach(async () => {
            refresh = await build("acc", BOTH_ENGINES);
        });

        it("creates exactly these resources, each a child of the component", () => {
            const created = mocks.resources.map((resource) => `${resource.type} ${resource.name}`).sort();
            expect(created).to.deep.equal([
                "aws:cloudwatch/logGroup:LogGroup acc-restore-logs",
                "aws:cloudwatch/logGroup:LogGroup acc-update-logs",
                "aws:iam/role:Role acc-restore-role",
                "aws:iam/role:Role acc-scheduler-role",
                "aws:iam/role:Role acc-update-role",
                "aws:iam/rolePolicy:RolePolicy acc-restore-policy",
                "aws:iam/rolePolicy:RolePolicy acc-scheduler-policy",
                "aws:iam/rolePolicy:RolePolicy acc-update-policy",
                "aws:lambda/function:Function acc-restore",
                "aws:lambda/function:Function acc-update",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig acc-restore-async",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig acc-update-async",
                "aws:scheduler/schedule:Schedule acc-restore",
                "aws:scheduler/schedule:Schedule acc-update",
                "aws:scheduler/scheduleGroup:ScheduleGroup acc-schedules",
                "aws:sqs/queue:Queue acc-dead-letters",
                "aws:ssm/parameter:Parameter acc-aurora-current",
                "aws:ssm/parameter:Parameter acc-aurora-latest",
                "aws:ssm/parameter:Parameter acc-documentdb-current",
                "aws:ssm/parameter:Parameter acc-documentdb-latest",
                "aws:ssm/parameter:Parameter acc-pipeline",
                "snapshot-refresh:index:SnapshotRefresh acc",
            ]);
            for (const child of mocks.resources.filter((resource) => resource.name !== "acc")) {
                expect(child.parent === refresh, `${child.name} is a child of the component`).to.equal(true);
            }
        });

        it("names the five parameters exactly, with a placeholder that later updates leave alone", () => {
            const parameters = mocks.ofType("aws:ssm/parameter:Parameter");
            const byName = Object.fromEntries(parameters.map((parameter) => [parameter.inputs.name as string, parameter]));
            expect(Object.keys(byName).sort()).to.deep.equal([
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
        });

        it("runs both functions on nodejs22.x, one at a time, with their own roles, JSON logs and settings", () => {
            for (const [kind, label] of [["update", "db-update-latest-snapshot-id"], ["restore", "db-restore-from-snapshot"]]) {
                const lambda = mocks.named(`acc-${kind}`, FUNCTION);
                expect(lambda.inputs.runtime).to.equal("nodejs22.x");
                expect(lambda.inputs.handler).to.equal("__index.handler");
                expect(lambda.inputs.reservedConcurrentExecutions).to.equal(1);
                expect(lambda.inputs.timeout).to.equal(300);
                expect(lambda.inputs.memorySize).to.equal(256);
                expect(lambda.inputs.role).to.equal(`arn:aws:iam::${ACCOUNT_ID}:role/acc-${kind}-role-1a2b3c4`);
                expect(lambda.inputs.loggingConfig).to.deep.include({ logFormat: "JSON", logGroup: `/snapshot-refresh/acc/${label}` });
                expect(mocks.named(`acc-${kind}-logs`).inputs.retentionInDays).to.equal(90);
            }
            expect(settingsOf(mocks.named("acc-update", FUNCTION))).to.deep.equal({
                instanceName: "acc",
                sourceAccountId: SOURCE_ACCOUNT_ID,
                copyIdentifierPrefix: "acc-",
                pipelineParameter: "main_cicd_name",
                whenCopyNotReady: "fail",
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
            expect(settingsOf(mocks.named("acc-restore", FUNCTION))).to.deep.equal(settingsOf(mocks.named("acc-update", FUNCTION)));
        });

        it("attaches no managed policy and grants no wildcard action", () => {
            expect(mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.have.length(0);
            for (const role of mocks.ofType("aws:iam/role:Role")) expect(role.inputs.managedPolicyArns, role.name).to.equal(undefined);
            for (const policy of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) {
                for (const granted of policyOf(policy)) {
                    for (const action of listOf(granted.Action)) expect(action, `${policy.name} ${granted.Sid}`).to.match(/^[a-z0-9-]+:[A-Za-z]+$/);
                    const resources = listOf(granted.Resource);
                    if (resources.includes("*")) {
                        expect(granted.Sid, policy.name).to.equal("ListClusterSnapshots");
                        expect(granted.Action).to.deep.equal(["rds:DescribeDBClusterSnapshots"]);
                    }
                }
            }
        });

        it("lets the update read both snapshot parameters, write latest, copy and trim only its own copies", () => {
            const statements = policyOf(mocks.named("acc-update-policy"));
            const parameter = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/${name}`;
            expect(statement(statements, "ReadSnapshotParameters").Resource).to.have.members([
                parameter("aurora_latest_snapshot_id"), parameter("documentdb_latest_snapshot_id"),
                parameter("aurora_current_snapshot_id"), parameter("documentdb_current_snapshot_id"),
            ]);
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

        it("lets the restore promote snapshots, start only the configured pipeline and copy, but never delete", () => {
            const statements = policyOf(mocks.named("acc-restore-policy"));
            expect(statement(statements, "ReadParameters").Resource).to.include(`arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/main_cicd_name`);
            expect(listOf(statement(statements, "PromoteSnapshots").Resource)).to.have.length(4);
            expect(statement(statements, "StartMainPipeline")).to.deep.include({
                Action: ["codepipeline:ListPipelineExecutions", "codepipeline:StartPipelineExecution"],
                Resource: [`arn:aws:codepipeline:${REGION}:${ACCOUNT_ID}:acceptance-main`],
            });
            expect(statement(statements, "CopySharedSnapshots").Resource).to.deep.equal(statement(policyOf(mocks.named("acc-update-policy")), "CopySharedSnapshots").Resource);
            expect(statement(statements, "GrantCopyKeysToRds").Resource).to.include(KEY_ARN);
            expect(statements.some((granted) => listOf(granted.Action).some((action) => /Delete/.test(action)))).to.equal(false);
        });

        it("lets only this account's Scheduler invoke exactly the two functions", async () => {
            const trust = JSON.parse(mocks.named("acc-scheduler-role").inputs.assumeRolePolicy as string);
            expect(trust.Statement[0]).to.deep.include({
                Principal: { Service: "scheduler.amazonaws.com" },
                Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
            });
            const statements = policyOf(mocks.named("acc-scheduler-policy"));
            expect(statement(statements, "InvokeRefreshFunctions").Resource).to.deep.equal([
                `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:acc-update-1a2b3c4`,
                `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:acc-restore-1a2b3c4`,
            ]);
            expect(statement(statements, "ReportFailedInvocations").Resource).to.deep.equal([
                `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4`,
            ]);
        });

        it("schedules the update and, two hours later, the restore window, in the stack's timezone", () => {
            const updateSchedule = mocks.named("acc-update", SCHEDULE).inputs;
            const restoreSchedule = mocks.named("acc-restore", SCHEDULE).inputs;
            expect(updateSchedule).to.deep.include({ scheduleExpression: "cron(0 2,3 ? * SUN *)", scheduleExpressionTimezone: "UTC", state: "ENABLED" });
            expect(restoreSchedule).to.deep.include({ scheduleExpression: "cron(0/15 4-5 ? * SUN *)", scheduleExpressionTimezone: "UTC" });
            const target = updateSchedule.target as Record<string, unknown>;
            expect(target.arn).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:acc-update-1a2b3c4`);
            expect(target.roleArn).to.equal(`arn:aws:iam::${ACCOUNT_ID}:role/acc-scheduler-role-1a2b3c4`);
            expect(target.deadLetterConfig).to.deep.equal({ arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4` });
            expect(target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
            expect((restoreSchedule.target as Record<string, unknown>).retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 900 });
            const payload = JSON.parse(target.input as string);
            expect(payload.scheduledTime).to.equal("<aws.scheduler.scheduled-time>");
            expect(payload.gate).to.deep.include({ kind: "update", timezone: "UTC", everyDays: 14, localTime: "02:00" });
            const restorePayload = JSON.parse((restoreSchedule.target as Record<string, unknown>).input as string);
            expect(restorePayload.gate).to.deep.include({ kind: "restore", localTime: "04:00", windowMinutes: 120, recheckMinutes: 15 });
        });

        it("sends failed asynchronous runs to the dead-letter queue", () => {
            expect(mocks.named("acc-update-async").inputs).to.deep.include({
                maximumRetryAttempts: 2,
                maximumEventAgeInSeconds: 3600,
                destinationConfig: { onFailure: { destination: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:acc-dead-letters-1a2b3c4` } },
            });
            expect(mocks.named("acc-restore-async").inputs.maximumRetryAttempts).to.equal(0);
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
        expect(await valueOf(refresh.updateFunctionName)).to.equal("out-update-1a2b3c4");
        expect(await valueOf(refresh.restoreFunctionArn)).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:out-restore-1a2b3c4`);
        expect(await valueOf(refresh.updateScheduleName)).to.equal("out-update-1a2b3c4");
        expect(await valueOf(refresh.restoreScheduleName)).to.equal("out-restore-1a2b3c4");
        expect(await valueOf(refresh.deadLetterQueueUrl)).to.match(/^https:\/\/sqs\./);
        expect(refresh.schedule).to.contain("every 2 weeks");
        const parameterArns = mocks.ofType("aws:ssm/parameter:Parameter").map((parameter) => parameter.inputs.name);
        expect(parameterArns).to.include("/refresh/aurora_latest_snapshot_id");
    });

    it("creates only what one aurora engine that restores from shared snapshots needs", async () => {
        await build("aurora-only", { sourceAccountId: SOURCE_ACCOUNT_ID, pipelineName: "p", engines: ["aurora"] });
        expect(mocks.ofType("aws:ssm/parameter:Parameter").map((parameter) => parameter.inputs.name).sort()).to.deep.equal([
            "aurora_current_snapshot_id", "aurora_latest_snapshot_id", "main_cicd_name",
        ]);
        const statements = policyOf(mocks.named("aurora-only-update-policy"));
        expect(statements.map((granted) => granted.Sid)).to.deep.equal([
            "ReadSnapshotParameters", "RecordLatestSnapshot", "ListClusterSnapshots", "WriteOwnLogs", "ReportFailedRuns",
        ]);
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
        expect(settingsOf(mocks.named("blue-update", FUNCTION)).copyIdentifierPrefix).to.equal("blue-");
        expect(settingsOf(mocks.named("green-update", FUNCTION)).copyIdentifierPrefix).to.equal("green-");
        expect(listOf(statement(policyOf(mocks.named("green-update-policy")), "TrimOwnCopies").Resource)).to.deep.equal([
            `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster-snapshot:green-*`,
        ]);
    });

    it("reads the cadence and timezone into the schedules", async () => {
        await build("tz", { ...BOTH_ENGINES, cadence: "every week on saturday at 23:30", timezone: "Europe/Amsterdam", restoreDelayMinutes: 60 });
        const schedules = Object.fromEntries(mocks.ofType("aws:scheduler/schedule:Schedule").map((schedule) => [schedule.name, schedule.inputs]));
        expect(schedules["tz-update"]).to.deep.include({ scheduleExpression: "cron(30 23,0 ? * SAT,SUN *)", scheduleExpressionTimezone: "Europe/Amsterdam" });
        expect(schedules["tz-restore"].scheduleExpressionTimezone).to.equal("Europe/Amsterdam");
    });
});
