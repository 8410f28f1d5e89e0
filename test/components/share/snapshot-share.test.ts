import { expect } from "chai";
import { SnapshotShareArgs } from "../../../components/share/args";
import { ConfigError } from "../../../components/config-error";
import { ShareSettings } from "../../../handlers/share/settings";
import { arnOfFunction, listOf, policyOf, statement } from "../policy-documents";
import { ACCOUNT_ID, CREATED_KEY_ID, deploymentFailure, mocks, RecordedResource, REGION, settingsOf, valueOf } from "../pulumi-mocks";

type ComponentModule = typeof import("../../../components");
let component: ComponentModule;

/** Under the mocks the deployment runs in ACCOUNT_ID: here it is production, sharing with two others. */
const ACCEPTANCE = "222222222222";
const TEST = "333333333333";
const ARGS: SnapshotShareArgs = {
    targetAccountIds: [ACCEPTANCE, TEST],
    clusters: { aurora: ["orders"], documentdb: ["catalog"] },
};
const CREATED_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${CREATED_KEY_ID}`;
const EXISTING_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const FUNCTION = "aws:lambda/function:Function";
const FUNCTION_RECIPE = "snapshot-refresh:index:LambdaFunction";
const CYCLE = "snapshot-refresh:index:Cycle";
const MONITORING = "snapshot-refresh:index:CycleMonitoring";

async function build(name: string, args: SnapshotShareArgs) {
    const share = new component.SnapshotShare(name, args, { transformations: [mocks.recordOptions] });
    await Promise.all([share.scheduleName, share.stateMachineArn, share.deadLetterQueueUrl, share.kmsKeyArn].map(valueOf));
    await mocks.settle();
    return share;
}

const shareSettingsOf = (lambda: RecordedResource) => settingsOf<ShareSettings>(lambda);

function snapshotArn(identifier: string): string {
    return `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster-snapshot:${identifier}`;
}

/** A deployment that fails once its outputs resolve: what `pulumi up` reports. */
async function deploymentError(args: SnapshotShareArgs): Promise<ConfigError> {
    const error = await deploymentFailure(() => {
        const share = new component.SnapshotShare("prod", args);
        return [share.kmsKeyArn, share.shareFunctionArn];
    });
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
}

describe("SnapshotShare", function () {
    // Each build serializes two functions' closures: about a second on a small machine.
    this.timeout(30_000);

    before(async () => {
        component = await import("../../../components");
    });
    beforeEach(() => mocks.reset());

    describe("with two clusters, two target accounts and every default", () => {
        let share: InstanceType<ComponentModule["SnapshotShare"]>;
        // Built once: every test here only reads what the deployment declared.
        let declared: RecordedResource[];
        before(async () => {
            mocks.reset();
            share = await build("prod", ARGS);
            declared = [...mocks.resources];
        });
        beforeEach(() => {
            mocks.resources = [...declared];
        });

        it("creates exactly the key, the share function and the cycle, each function with its own role, policy and log group", async () => {
            const created = mocks.resources.map((resource) => `${resource.type} ${resource.name}`).sort();
            expect(created).to.deep.equal([
                "aws:cloudwatch/eventRule:EventRule prod-cycle-failures",
                "aws:cloudwatch/eventRule:EventRule prod-share-cycle-ended",
                "aws:cloudwatch/eventRule:EventRule prod-share-cycle-measure",
                "aws:cloudwatch/eventTarget:EventTarget prod-cycle-failures",
                "aws:cloudwatch/eventTarget:EventTarget prod-share-cycle-ended",
                "aws:cloudwatch/eventTarget:EventTarget prod-share-cycle-measure",
                "aws:cloudwatch/logGroup:LogGroup prod-share-cycle-freshness-logs",
                "aws:cloudwatch/logGroup:LogGroup prod-share-cycle-logs",
                "aws:cloudwatch/logGroup:LogGroup prod-share-cycle-notifier-logs",
                "aws:cloudwatch/logGroup:LogGroup prod-share-logs",
                "aws:cloudwatch/logGroup:LogGroup prod-starter-logs",
                "aws:cloudwatch/metricAlarm:MetricAlarm prod-share-cycle-dead-letters",
                "aws:cloudwatch/metricAlarm:MetricAlarm prod-share-cycle-failed",
                "aws:cloudwatch/metricAlarm:MetricAlarm prod-share-cycle-stale",
                "aws:iam/role:Role prod-scheduler-role",
                "aws:iam/role:Role prod-share-cycle-freshness-role",
                "aws:iam/role:Role prod-share-cycle-notifier-role",
                "aws:iam/role:Role prod-share-cycle-role",
                "aws:iam/role:Role prod-share-role",
                "aws:iam/role:Role prod-starter-role",
                "aws:iam/rolePolicy:RolePolicy prod-scheduler-policy",
                "aws:iam/rolePolicy:RolePolicy prod-share-cycle-freshness-policy",
                "aws:iam/rolePolicy:RolePolicy prod-share-cycle-notifier-policy",
                "aws:iam/rolePolicy:RolePolicy prod-share-cycle-policy",
                "aws:iam/rolePolicy:RolePolicy prod-share-policy",
                "aws:iam/rolePolicy:RolePolicy prod-starter-policy",
                "aws:kms/alias:Alias prod-key-alias",
                "aws:kms/key:Key prod-key",
                "aws:lambda/function:Function prod-share",
                "aws:lambda/function:Function prod-share-cycle-freshness",
                "aws:lambda/function:Function prod-share-cycle-notifier",
                "aws:lambda/function:Function prod-starter",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig prod-share-cycle-notifier-async",
                "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig prod-starter-async",
                "aws:lambda/permission:Permission prod-share-cycle-ended",
                "aws:lambda/permission:Permission prod-share-cycle-measure",
                "aws:scheduler/schedule:Schedule prod-cycle",
                "aws:scheduler/scheduleGroup:ScheduleGroup prod-schedules",
                "aws:sfn/stateMachine:StateMachine prod-share-cycle",
                "aws:sns/topic:Topic prod-share-cycle-notifications",
                "aws:sqs/queue:Queue prod-dead-letters",
                "aws:sqs/queuePolicy:QueuePolicy prod-dead-letters-policy",
                "aws:ssm/parameter:Parameter prod-pause",
                `${CYCLE} prod-share-cycle`,
                `${MONITORING} prod-share-cycle-monitoring`,
                `${FUNCTION_RECIPE} prod-share`,
                `${FUNCTION_RECIPE} prod-share-cycle-freshness`,
                `${FUNCTION_RECIPE} prod-share-cycle-notifier`,
                `${FUNCTION_RECIPE} prod-starter`,
                "snapshot-refresh:index:SnapshotShare prod",
            ]);
            for (const child of ["prod-key", "prod-key-alias", "prod-share"]) {
                const resource = mocks.resources.find((candidate) => candidate.name === child && [FUNCTION_RECIPE, "aws:kms/key:Key", "aws:kms/alias:Alias"].includes(candidate.type))!;
                expect(resource.parent === share, child).to.equal(true);
            }
        });

        it("outputs what the acceptance stack reads: the key, the snapshot prefix and the account", async () => {
            expect(await valueOf(share.kmsKeyArn)).to.equal(CREATED_KEY_ARN);
            expect(share.snapshotIdentifierPrefix, "apart from a refresh stack's copies in the same account").to.equal("prod-share-");
            expect(await valueOf(share.accountId)).to.equal(ACCOUNT_ID);
            expect(await valueOf(share.targetAccountIds)).to.deep.equal([ACCEPTANCE, TEST]);
            expect(await valueOf(share.shareFunctionName)).to.equal("prod-db-share-latest-snapshots");
            expect(await valueOf(share.stateMachineName)).to.equal("prod-share-cycle");
            expect(share.schedule).to.match(/^every day at 00:00 UTC/);
        });

        it("creates the share key with rotation on, an alias, and a key policy AWS documents for sharing, nothing more", () => {
            const key = mocks.named("prod-key").inputs;
            expect(key).to.deep.include({ enableKeyRotation: true, deletionWindowInDays: 30 });
            expect(mocks.named("prod-key-alias").inputs).to.deep.include({ name: "alias/snapshot-refresh/prod", targetKeyId: CREATED_KEY_ID });
            const statements = policyOf(mocks.named("prod-key"));
            const targets = [`arn:aws:iam::${ACCEPTANCE}:root`, `arn:aws:iam::${TEST}:root`];
            expect(statements).to.deep.equal([
                { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "TargetAccountsUseKey",
                    Effect: "Allow",
                    Principal: { AWS: targets },
                    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                    Resource: "*",
                },
                {
                    Sid: "TargetAccountsGrantToAwsResources",
                    Effect: "Allow",
                    Principal: { AWS: targets },
                    Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                    Resource: "*",
                    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                },
            ]);
        });

        it("runs the share function on nodejs22.x, one at a time, with its own role, JSON logs and settings", () => {
            const lambda = mocks.named("prod-share", FUNCTION);
            expect(lambda.inputs).to.deep.include({
                name: "prod-db-share-latest-snapshots",
                runtime: "nodejs22.x",
                reservedConcurrentExecutions: 1,
                timeout: 300,
                role: `arn:aws:iam::${ACCOUNT_ID}:role/prod-share-role-1a2b3c4`,
            });
            expect(lambda.inputs.loggingConfig).to.deep.include({ logFormat: "JSON", logGroup: "/snapshot-refresh/prod/db-share-latest-snapshots" });
            expect(shareSettingsOf(lambda)).to.deep.equal({
                instanceName: "prod",
                targetAccountIds: [ACCEPTANCE, TEST],
                clusters: [{ engine: "aurora", clusterIdentifier: "orders" }, { engine: "documentdb", clusterIdentifier: "catalog" }],
                keepShared: 2,
                kmsKeyArn: CREATED_KEY_ARN,
                source: "automated",
                snapshotIdentifierPrefix: "prod-share-",
                maintenanceWindowMinutes: 240,
                copyRecheckMinutes: 10,
                pauseParameter: "/snapshot-refresh/prod/paused-until",
                paused: false,
            });
            expect(settingsOf(mocks.named("prod-starter", FUNCTION))).to.deep.equal({
                instanceName: "prod",
                stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:prod-share-cycle`,
                cycleLabel: "share cycle",
                executionNamePrefix: "share",
            });
        });

        it("lets the share function copy exactly the configured clusters' automated snapshots, and share, unshare and delete only its own", () => {
            const statements = policyOf(mocks.named("prod-share-policy"));
            const own = snapshotArn("prod-share-*");
            expect(statement(statements, "CopySourceSnapshots")).to.deep.include({
                Action: ["rds:CopyDBClusterSnapshot"],
                Resource: [snapshotArn("rds:orders-????-??-??-??-??"), snapshotArn("rds:catalog-????-??-??-??-??"), own],
            });
            expect(statement(statements, "TagOwnSnapshots").Resource).to.deep.equal([own]);
            expect(statement(statements, "ShareOwnSnapshots")).to.deep.include({
                Action: ["rds:DescribeDBClusterSnapshotAttributes", "rds:ModifyDBClusterSnapshotAttribute"],
                Resource: [own],
            });
            expect(statement(statements, "DeleteOwnSnapshots").Resource).to.deep.equal([own]);
            expect(statements.some((granted) => listOf(granted.Action).includes("rds:CreateDBClusterSnapshot")), "no fresh snapshots by default").to.equal(false);
            expect(statement(statements, "DescribeShareKey").Resource).to.deep.equal([CREATED_KEY_ARN]);
            expect(statement(statements, "GrantShareKeyToRds")).to.deep.include({
                Resource: [CREATED_KEY_ARN],
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            });
            // The grant condition exists only for grant actions: DescribeKey under it would never be allowed.
            expect(statement(statements, "DescribeClusterKeys")).to.deep.include({
                Action: ["kms:DescribeKey"],
                Resource: [`arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/*`],
                Condition: { StringEquals: { "kms:ViaService": `rds.${REGION}.amazonaws.com` } },
            });
            expect(statement(statements, "GrantClusterKeysToRds")).to.deep.include({
                Action: ["kms:CreateGrant"],
                Resource: [`arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/*`],
                Condition: { StringEquals: { "kms:ViaService": `rds.${REGION}.amazonaws.com` }, Bool: { "kms:GrantIsForAWSResource": "true" } },
            });
            for (const granted of statements.filter((candidate) => candidate.Condition?.Bool?.["kms:GrantIsForAWSResource"] !== undefined)) {
                expect(listOf(granted.Action), granted.Sid).to.deep.equal(["kms:CreateGrant"]);
            }
            expect(statement(statements, "WriteOwnLogs").Resource).to.deep.equal([
                `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/snapshot-refresh/prod/db-share-latest-snapshots:*`,
            ]);
            expect(statement(statements, "ReadPause")).to.deep.equal({
                Sid: "ReadPause",
                Effect: "Allow",
                Action: ["ssm:GetParameter", "ssm:GetParameters"],
                Resource: [`arn:aws:ssm:${REGION}:${ACCOUNT_ID}:parameter/snapshot-refresh/prod/paused-until`],
            });
            expect(statements.filter((granted) => listOf(granted.Action).some((action) => action.startsWith("ssm:"))).map((granted) => granted.Sid), "the pause is all of SSM it reads").to.deep.equal(["ReadPause"]);
        });

        it("attaches no managed policy and grants wildcards only where AWS allows nothing narrower", () => {
            expect(mocks.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.have.length(0);
            for (const policy of mocks.ofType("aws:iam/rolePolicy:RolePolicy")) {
                for (const granted of policyOf(policy)) {
                    for (const action of listOf(granted.Action)) expect(action, `${policy.name} ${granted.Sid}`).to.match(/^[a-z0-9-]+:[A-Za-z]+$/);
                    const wildcard = listOf(granted.Resource).some((resource) => resource === "*" || resource.endsWith(":key/*"));
                    if (wildcard) {
                        expect(`${policy.name} ${granted.Sid}`).to.be.oneOf([
                            "prod-share-policy ListClusterSnapshots", "prod-share-policy DescribeClusterKeys", "prod-share-policy GrantClusterKeysToRds", "prod-share-cycle-policy DeliverExecutionLogs",
                            "prod-share-cycle-freshness-policy PublishDataAge",
                        ]);
                    }
                }
            }
        });

        it("deploys the share cycle as a STANDARD state machine running exactly the share function", () => {
            const machine = mocks.named("prod-share-cycle", "aws:sfn/stateMachine:StateMachine").inputs;
            expect(machine).to.deep.include({ name: "prod-share-cycle", type: "STANDARD" });
            const definition = JSON.parse(machine.definition as string) as { States: Record<string, { Resource?: string }>; TimeoutSeconds: number };
            const resources = Object.values(definition.States).flatMap((state) => (state.Resource === undefined ? [] : [state.Resource]));
            expect(resources).to.deep.equal([arnOfFunction("prod-db-share-latest-snapshots"), arnOfFunction("prod-db-share-latest-snapshots")]);
            expect(statement(policyOf(mocks.named("prod-share-cycle-policy")), "InvokeCycleFunctions").Resource).to.deep.equal([arnOfFunction("prod-db-share-latest-snapshots")]);
            expect(statement(policyOf(mocks.named("prod-starter-policy")), "StartCycles").Resource).to.deep.equal([
                `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:prod-share-cycle`,
            ]);
        });

        it("has one schedule, daily at midnight UTC unless told otherwise, which starts the share cycles", () => {
            const schedule = mocks.named("prod-cycle", "aws:scheduler/schedule:Schedule").inputs;
            expect(schedule).to.deep.include({ scheduleExpression: "cron(0 0,1 * * ? *)", scheduleExpressionTimezone: "UTC" });
            const target = schedule.target as { arn: string; input: string };
            expect(target.arn).to.equal(arnOfFunction("prod-start-share-cycle"));
            expect(JSON.parse(target.input)).to.have.property("gate");
        });
    });

    it("takes a fresh snapshot of exactly the configured clusters when the source is fresh", async () => {
        await build("prod", { ...ARGS, source: "fresh" });
        const statements = policyOf(mocks.named("prod-share-policy"));
        expect(statement(statements, "TakeFreshSnapshots")).to.deep.include({
            Action: ["rds:CreateDBClusterSnapshot"],
            Resource: [`arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster:orders`, `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster:catalog`, snapshotArn("prod-share-*")],
        });
        expect(statement(statements, "CopySourceSnapshots").Resource, "no automated snapshot is ever copied").to.deep.equal([snapshotArn("prod-share-*")]);
        expect(shareSettingsOf(mocks.named("prod-share", FUNCTION)).source).to.equal("fresh");
    });

    it("names clusters in lowercase, as RDS stores them, so that the policy's ARNs match", async () => {
        await build("prod", { ...ARGS, clusters: { aurora: ["Orders"] } });
        expect(shareSettingsOf(mocks.named("prod-share", FUNCTION)).clusters).to.deep.equal([{ engine: "aurora", clusterIdentifier: "orders" }]);
        expect(statement(policyOf(mocks.named("prod-share-policy")), "CopySourceSnapshots").Resource).to.deep.equal([
            snapshotArn("rds:orders-????-??-??-??-??"), snapshotArn("prod-share-*"),
        ]);
    });

    it("uses an existing key of this account as given: no key, no alias, and the policy names exactly it", async () => {
        const share = await build("prod", { ...ARGS, kmsKeyArn: EXISTING_KEY_ARN });
        expect(mocks.ofType("aws:kms/key:Key")).to.have.length(0);
        expect(mocks.ofType("aws:kms/alias:Alias")).to.have.length(0);
        expect(await valueOf(share.kmsKeyArn)).to.equal(EXISTING_KEY_ARN);
        expect(statement(policyOf(mocks.named("prod-share-policy")), "DescribeShareKey").Resource).to.deep.equal([EXISTING_KEY_ARN]);
        expect(shareSettingsOf(mocks.named("prod-share", FUNCTION)).kmsKeyArn).to.equal(EXISTING_KEY_ARN);
    });

    it("refuses a key of another account, once the deploying account is known", async () => {
        const error = await deploymentError({ ...ARGS, kmsKeyArn: `arn:aws:kms:${REGION}:${ACCEPTANCE}:key/1234abcd-12ab-34cd-56ef-1234567890ab` });
        expect(error.key).to.equal("kmsKeyArn");
        expect(error.message).to.contain("must be a key of the account this stack deploys into");
    });

    it("refuses to deploy with the credentials of a target account", async () => {
        mocks.callerAccountId = ACCEPTANCE;
        const error = await deploymentError(ARGS);
        expect(error.key).to.equal("targetAccountIds");
        expect(error.message).to.contain("includes the account this stack deploys into").and.to.contain("with credentials for the production account");
    });

    it("keeps two instances apart: no physical name is shared", async () => {
        await build("prod-a", { ...ARGS, clusters: { aurora: ["orders"] } });
        await build("prod-b", { ...ARGS, clusters: { documentdb: ["catalog"] } });
        const physical = mocks.resources.flatMap((resource) => (typeof resource.inputs.name === "string" ? [`${resource.type} ${resource.inputs.name}`] : []));
        expect(new Set(physical).size).to.equal(physical.length);
        const prefixes = mocks.ofType(FUNCTION).filter((lambda) => lambda.name.endsWith("-share")).map((lambda) => shareSettingsOf(lambda).snapshotIdentifierPrefix);
        expect(prefixes).to.deep.equal(["prod-a-share-", "prod-b-share-"]);
    });

    describe("refuses bad arguments before creating anything, naming the argument", () => {
        const cases: { case: string; args: Partial<Record<keyof SnapshotShareArgs | "unknownArg", unknown>>; key: string; mentions: string[] }[] = [
            { case: "no target account", args: { targetAccountIds: [] }, key: "targetAccountIds", mentions: ["1 to 20"] },
            { case: "21 target accounts", args: { targetAccountIds: Array.from({ length: 21 }, (_, index) => String(100000000000 + index)) }, key: "targetAccountIds", mentions: ["at most 20"] },
            { case: "an account id that is not 12 digits", args: { targetAccountIds: ["22222222222"] }, key: "targetAccountIds[0]", mentions: ["12 digits"] },
            { case: "an account id as a number", args: { targetAccountIds: [222222222222] }, key: "targetAccountIds[0]", mentions: ["in quotes"] },
            { case: "an account listed twice", args: { targetAccountIds: [ACCEPTANCE, ACCEPTANCE] }, key: "targetAccountIds[1]", mentions: ["once"] },
            { case: "no clusters", args: { clusters: {} }, key: "clusters", mentions: ["at least one cluster"] },
            { case: "clusters as a list", args: { clusters: ["orders"] }, key: "clusters", mentions: ["per engine"] },
            { case: "an unknown engine", args: { clusters: { mysql: ["orders"] } }, key: "clusters.mysql", mentions: ["aurora, documentdb"] },
            { case: "a bad cluster identifier", args: { clusters: { aurora: ["orders_db"] } }, key: "clusters.aurora[0]", mentions: ["DB cluster identifier"] },
            { case: "a cluster listed twice", args: { clusters: { aurora: ["orders"], documentdb: ["Orders"] } }, key: "clusters.documentdb[0]", mentions: ["once"] },
            { case: "an unknown source", args: { source: "latest" }, key: "source", mentions: ["automated", "fresh"] },
            { case: "keepShared 0", args: { keepShared: 0 }, key: "keepShared", mentions: ["1 to 20"] },
            { case: "a key alias instead of an ARN", args: { kmsKeyArn: "alias/shared" }, key: "kmsKeyArn", mentions: ["alias will not do"] },
            { case: "a cadence in another grammar", args: { cadence: "every night" }, key: "cadence", mentions: ["every N days at HH:MM"] },
            { case: "a window as long as the cycle", args: { cadence: "daily at 00:00", maintenanceWindowMinutes: 1440 }, key: "maintenanceWindowMinutes", mentions: ["30 to 1439"] },
            { case: "a window too short for any copy", args: { maintenanceWindowMinutes: 0 }, key: "maintenanceWindowMinutes", mentions: ["30 to 1439"] },
            { case: "an unknown argument", args: { unknownArg: true }, key: "unknownArg", mentions: ["targetAccountIds, clusters"] },
        ];
        for (const bad of cases) {
            it(`${bad.case}`, () => {
                let thrown: unknown;
                try {
                    new component.SnapshotShare("prod", { ...ARGS, ...bad.args } as SnapshotShareArgs);
                } catch (error) {
                    thrown = error;
                }
                expect(thrown).to.be.instanceOf(ConfigError);
                const error = thrown as ConfigError;
                expect(error.key).to.equal(bad.key);
                for (const mention of bad.mentions) expect(error.message).to.contain(mention);
                expect(mocks.resources, "nothing was created").to.deep.equal([]);
            });
        }
    });
});
