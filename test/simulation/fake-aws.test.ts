import { CodePipelineClient, ListPipelineExecutionsCommand, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import {
    CreateDBClusterSnapshotCommand as CreateDocDbSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeDocDbAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots,
    DocDBClient,
    ModifyDBClusterSnapshotAttributeCommand as ModifyDocDbAttribute,
} from "@aws-sdk/client-docdb";
import {
    CopyDBClusterSnapshotCommand,
    CreateDBClusterSnapshotCommand,
    DeleteDBClusterSnapshotCommand,
    DescribeDBClusterSnapshotAttributesCommand,
    DescribeDBClusterSnapshotsCommand,
    DescribeDBClusterSnapshotsCommandInput,
    ModifyDBClusterSnapshotAttributeCommand,
    paginateDescribeDBClusterSnapshots,
    RDSClient,
} from "@aws-sdk/client-rds";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import {
    ACCEPTANCE_ACCOUNT,
    ACCEPTANCE_KMS_KEY_ARN,
    assumedRole,
    awsManagedRdsKeyArn,
    Caller,
    humanCaller,
    PRODUCTION_ACCOUNT,
    PRODUCTION_KMS_KEY_ARN,
    REGION,
    STRANGER_ACCOUNT,
    STRANGER_KMS_KEY_ARN,
} from "./accounts";
import { DescribedSnapshot } from "./cluster-snapshot-api";
import { FakeAws } from "./fake-aws";
import { accountsAllowedByPolicy, KeyPolicyDocument, KeyPolicyStatement, KmsKeys } from "./kms";
import { ENGINE_VALUE, ProductionAccount } from "./production-account";
import { ACCEPTANCE_LIMITS } from "./simulation";
import { StoredSnapshot } from "./snapshot-store";

const start = new Date("2026-01-01T00:00:00Z");
const someone: Caller = humanCaller("tester", "carol");
const rds = new RDSClient({ region: REGION });
const docdb = new DocDBClient({ region: REGION });
const ssm = new SSMClient({ region: REGION });
const codePipeline = new CodePipelineClient({ region: REGION });
const sfn = new SFNClient({ region: REGION });

async function errorOf(work: () => Promise<unknown>): Promise<Error> {
    try {
        await work();
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected the call to fail");
}

/** The fake must behave like AWS where the functions could tell the difference; these pin down the parts the year relies on. */
describe("the simulated AWS accounts behind the real SDK clients", () => {
    let aws: FakeAws;
    let production: ProductionAccount;

    beforeEach(() => {
        aws = new FakeAws(start, ACCEPTANCE_LIMITS);
        production = new ProductionAccount(aws, {
            clusters: [{ identifier: "orders", engine: "aurora" }, { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN }],
            dailyAtUtc: "22:00",
            creationMinutes: 45,
            retentionDays: 90,
        });
        production.start("2026-01-01");
        aws.install();
    });
    afterEach(() => aws.restore());

    const as = <T>(work: () => Promise<T>) => aws.actAs(someone, work);
    const newestCatalog = () => production.newestSharedAt("documentdb", aws.timeline.nowMs())!;

    it("lists both engines through either client, 100 a page, in an order that is neither age nor name", async () => {
        aws.timeline.advanceTo(new Date("2026-03-01T00:00:00Z"));
        const listed: DescribedSnapshot[] = [];
        let pages = 0;
        await as(async () => {
            for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: 100 }, { SnapshotType: "shared", IncludeShared: true })) {
                pages += 1;
                listed.push(...(page.DBClusterSnapshots ?? []));
            }
        });
        expect(pages).to.equal(2);
        expect(listed).to.have.length(59 * 2);
        expect(new Set(listed.map((snapshot) => snapshot.Engine))).to.deep.equal(new Set(["aurora-postgresql", "docdb"]));
        const names = listed.map((snapshot) => snapshot.DBClusterSnapshotArn!);
        expect(names).to.not.deep.equal([...names].sort());
        expect(listed.every((snapshot) => snapshot.DBClusterSnapshotIdentifier === snapshot.DBClusterSnapshotArn && snapshot.Status === "available")).to.equal(true);
        const viaDocDb = await as(() => docdb.send(new DescribeDocDbSnapshots({ SnapshotType: "shared", IncludeShared: true, Filters: [{ Name: "engine", Values: ["docdb"] }] })));
        expect(new Set(viaDocDb.DBClusterSnapshots!.map((snapshot) => snapshot.Engine)).size, "DocumentDB ignores Filters").to.equal(2);
        const manual = await as(() => rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" })));
        expect(manual.DBClusterSnapshots).to.deep.equal([]);
    });

    it("looks a snapshot up by identifier or ARN, a shared one only by ARN as shared, and fails like AWS otherwise", async () => {
        aws.timeline.advanceTo(new Date("2026-01-02T00:00:00Z"));
        const shared = newestCatalog();
        const byArn = await as(() => rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: shared.arn, SnapshotType: "shared", IncludeShared: true })));
        expect(byArn.DBClusterSnapshots?.map((snapshot) => snapshot.DBClusterSnapshotArn)).to.deep.equal([shared.arn]);
        const notShared = await errorOf(() => as(() => rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: shared.arn }))));
        expect(notShared.name).to.equal("DBClusterSnapshotNotFoundFault");
        aws.snapshots.createSnapshot(someone, { identifier: "Mine", clusterIdentifier: "acceptance", engine: ENGINE_VALUE.aurora, engineVersion: "15.4", minutes: 5 });
        const creating = await as(() => rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: "mine" })));
        expect(creating.DBClusterSnapshots?.[0]).to.deep.include({ Status: "creating", SnapshotCreateTime: undefined, DBClusterSnapshotIdentifier: "mine" });
    });

    it("copies a shared snapshot only by ARN, with a key of this account when it is encrypted, once per identifier", async () => {
        aws.timeline.advanceTo(new Date("2026-01-02T00:00:00Z"));
        const source = newestCatalog();
        const copy = (input: { source?: string; target?: string; key?: string }) => as(() => rds.send(new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: input.source ?? source.arn, TargetDBClusterSnapshotIdentifier: input.target ?? "copy-1", KmsKeyId: input.key,
        })));
        expect((await errorOf(() => copy({ source: source.identifier, key: ACCEPTANCE_KMS_KEY_ARN }))).name).to.equal("DBClusterSnapshotNotFoundFault");
        expect((await errorOf(() => copy({}))).message).to.match(/KmsKeyId must be specified/);
        expect((await errorOf(() => copy({ key: PRODUCTION_KMS_KEY_ARN }))).name).to.equal("KMSKeyNotAccessibleFault");
        const started = await copy({ key: ACCEPTANCE_KMS_KEY_ARN });
        expect(started.DBClusterSnapshot).to.deep.include({ Status: "copying", SnapshotCreateTime: undefined, SourceDBClusterSnapshotArn: source.arn, KmsKeyId: ACCEPTANCE_KMS_KEY_ARN });
        expect((await errorOf(() => copy({ key: ACCEPTANCE_KMS_KEY_ARN }))).name).to.equal("DBClusterSnapshotAlreadyExistsFault");
        aws.timeline.advanceTo(new Date("2026-01-02T00:40:00Z"));
        const finished = await as(() => docdb.send(new DescribeDocDbSnapshots({ DBClusterSnapshotIdentifier: "copy-1" })));
        expect(finished.DBClusterSnapshots?.[0]).to.deep.include({ Status: "available", SnapshotCreateTime: new Date("2026-01-02T00:00:00Z") });
    });

    it("refuses a sixth copy in flight and a 101st manual snapshot, with SnapshotQuotaExceededFault", async () => {
        aws.timeline.advanceTo(new Date("2026-01-02T00:00:00Z"));
        const source = newestCatalog();
        const copy = (target: string) => as(() => rds.send(new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: source.arn, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: ACCEPTANCE_KMS_KEY_ARN,
        })));
        for (let index = 1; index <= 5; index++) await copy(`copy-${index}`);
        const sixth = await errorOf(() => copy("copy-6"));
        expect(sixth.name).to.equal("SnapshotQuotaExceededFault");
        expect(sixth.message).to.match(/5 snapshot copies in progress/);
        aws.timeline.advanceTo(new Date("2026-01-02T01:00:00Z"));
        while (aws.snapshots.manualSnapshotCount(ACCEPTANCE_ACCOUNT) < 100) {
            aws.snapshots.createSnapshot(someone, { identifier: `filler-${aws.snapshots.manualSnapshotCount(ACCEPTANCE_ACCOUNT)}`, clusterIdentifier: "acceptance", engine: "docdb", engineVersion: "5.0.0", minutes: 1 });
        }
        const full = await errorOf(() => copy("copy-6"));
        expect([full.name, full.message]).to.deep.equal(["SnapshotQuotaExceededFault", "Cannot create more than 100 manual snapshots"]);
    });

    it("deletes only this account's snapshots, by identifier", async () => {
        aws.timeline.advanceTo(new Date("2026-01-02T00:00:00Z"));
        const shared = newestCatalog();
        expect((await errorOf(() => as(() => rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: shared.arn }))))).name).to.equal("DBClusterSnapshotNotFoundFault");
        aws.snapshots.createSnapshot(someone, { identifier: "mine", clusterIdentifier: "acceptance", engine: "docdb", engineVersion: "5.0.0", minutes: 1 });
        aws.timeline.advanceTo(new Date("2026-01-02T00:01:00Z"));
        await as(() => rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: "mine" })));
        expect(aws.store.own(ACCEPTANCE_ACCOUNT, "mine")).to.equal(undefined);
        expect(aws.store.byArn(shared.arn)?.account).to.equal(PRODUCTION_ACCOUNT);
    });

    it("versions parameters, refuses to overwrite without Overwrite, and reports unknown names as invalid", async () => {
        await as(() => ssm.send(new PutParameterCommand({ Name: "a", Value: "one", Type: "String" })));
        expect((await errorOf(() => as(() => ssm.send(new PutParameterCommand({ Name: "a", Value: "two", Type: "String" }))))).name).to.equal("ParameterAlreadyExists");
        expect(await as(() => ssm.send(new PutParameterCommand({ Name: "a", Value: "two", Type: "String", Overwrite: true })))).to.deep.include({ Version: 2 });
        const read = await as(() => ssm.send(new GetParametersCommand({ Names: ["a", "b"] })));
        expect(read.Parameters?.map((parameter) => [parameter.Name, parameter.Value, parameter.Version])).to.deep.equal([["a", "two", 2]]);
        expect(read.InvalidParameters).to.deep.equal(["b"]);
    });

    it("starts one execution per client token, lists executions newest first with the caller as trigger, and knows no other pipeline", async () => {
        aws.pipelines.create("main");
        const first = await as(() => codePipeline.send(new StartPipelineExecutionCommand({ name: "main", clientRequestToken: "token-1" })));
        const again = await as(() => codePipeline.send(new StartPipelineExecutionCommand({ name: "main", clientRequestToken: "token-1" })));
        aws.timeline.advanceTo(new Date("2026-01-01T01:00:00Z"));
        const second = await as(() => codePipeline.send(new StartPipelineExecutionCommand({ name: "main", clientRequestToken: "token-2" })));
        expect(again.pipelineExecutionId).to.equal(first.pipelineExecutionId);
        const listed = await as(() => codePipeline.send(new ListPipelineExecutionsCommand({ pipelineName: "main" })));
        expect(listed.pipelineExecutionSummaries?.map((summary) => [summary.pipelineExecutionId, summary.status, summary.trigger?.triggerDetail])).to.deep.equal([
            [second.pipelineExecutionId, "InProgress", someone.principalArn],
            [first.pipelineExecutionId, "Succeeded", someone.principalArn],
        ]);
        expect((await errorOf(() => as(() => codePipeline.send(new StartPipelineExecutionCommand({ name: "other" }))))).name).to.equal("PipelineNotFoundException");
    });

    it("throttles every call of a burst's operation inside its window, through either client", async () => {
        aws.faults.addBurst({ label: "burst", service: "rds-family", command: "DescribeDBClusterSnapshots", from: start, until: new Date("2026-01-01T00:10:00Z") });
        const throttled = await errorOf(() => as(() => docdb.send(new DescribeDocDbSnapshots({ SnapshotType: "manual" }))));
        expect([throttled.name, throttled.message]).to.deep.equal(["Throttling", "Rate exceeded"]);
        aws.timeline.advanceTo(new Date("2026-01-01T00:10:00Z"));
        await as(() => rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" })));
        expect(aws.faults.throttled.map((call) => call.client)).to.deep.equal(["docdb"]);
    });

    it("throttles only the named caller's calls when a burst names one", async () => {
        aws.faults.addBurst({ label: "burst", service: "rds-family", command: "DescribeDBClusterSnapshots", from: start, until: new Date("2026-01-01T00:10:00Z"), caller: "someone else" });
        await as(() => rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: "manual" })));
        expect(aws.faults.throttled).to.deep.equal([]);
    });

    it("loses an answer after doing what was asked: the caller sees a server error, the execution exists", async () => {
        aws.pipelines.create("main");
        aws.faults.addLostAnswer({ label: "lost", service: "codepipeline", command: "StartPipelineExecution", from: start, until: new Date("2026-01-01T00:10:00Z") });
        const lost = await errorOf(() => as(() => codePipeline.send(new StartPipelineExecutionCommand({ name: "main", clientRequestToken: "token-1" }))));
        expect([lost.name, (lost as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode]).to.deep.equal(["InternalFailure", 500]);
        const listed = await as(() => codePipeline.send(new ListPipelineExecutionsCommand({ pipelineName: "main" })));
        expect(listed.pipelineExecutionSummaries).to.have.length(1);
    });

    describe("Step Functions", () => {
        const machineArn = `arn:aws:states:${REGION}:${ACCEPTANCE_ACCOUNT}:stateMachine:cycle`;
        const functionArn = `arn:aws:lambda:${REGION}:${ACCEPTANCE_ACCOUNT}:function:task`;
        const definition = JSON.stringify({
            StartAt: "Work",
            States: { Work: { Type: "Task", Resource: functionArn, Next: "Pause" }, Pause: { Type: "Wait", Seconds: 600, Next: "Done" }, Done: { Type: "Succeed" } },
        });
        const start = (name: string, input = "{}") => as(() => sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name, input })));
        beforeEach(() => {
            aws.stepFunctions.deploy(machineArn, definition);
            aws.functions.set(functionArn, async () => ({ result: { done: true } }));
        });

        it("runs the definition after StartExecution answers, its Wait on the simulated clock", async () => {
            const started = await start("cycle-2026-01-04");
            const [execution] = aws.stepFunctions.all();
            expect(started.executionArn).to.equal(`arn:aws:states:${REGION}:${ACCEPTANCE_ACCOUNT}:execution:cycle:cycle-2026-01-04`);
            expect(execution.status).to.equal("RUNNING");
            await aws.timeline.asProcessClock(() => aws.timeline.runUntil(new Date("2026-01-01T00:09:59Z")));
            expect(execution.status, "still in its ten-minute wait").to.equal("RUNNING");
            await aws.timeline.asProcessClock(() => aws.timeline.runUntil(new Date("2026-01-01T00:10:00Z")));
            expect([execution.status, execution.stopDate?.toISOString()]).to.deep.equal(["SUCCEEDED", "2026-01-01T00:10:00.000Z"]);
            expect(execution.output).to.deep.equal({ done: true });
        });

        it("keeps an execution name for good: the same start while it runs answers the same execution, any other start is refused", async () => {
            const first = await start("cycle-2026-01-04");
            expect((await start("cycle-2026-01-04")).executionArn).to.equal(first.executionArn);
            expect((await errorOf(() => start("cycle-2026-01-04", '{"other":true}'))).name).to.equal("ExecutionAlreadyExists");
            await aws.timeline.asProcessClock(() => aws.timeline.runUntil(new Date("2026-01-01T01:00:00Z")));
            expect((await errorOf(() => start("cycle-2026-01-04"))).name).to.equal("ExecutionAlreadyExists");
            expect(aws.stepFunctions.all()).to.have.length(1);
        });

        it("fails an execution with the error type its function failed with", async () => {
            aws.functions.set(functionArn, async () => ({ error: Object.assign(new Error("the copy is failed"), { name: "CopyNotReadyError" }) }));
            await start("cycle-2026-01-04");
            await aws.timeline.asProcessClock(() => aws.timeline.runUntil(new Date("2026-01-01T00:01:00Z")));
            expect(aws.stepFunctions.all()[0]).to.deep.include({ status: "FAILED", error: "CopyNotReadyError", cause: "the copy is failed" });
        });
    });
});

/** A customer managed key of production's for the copies it shares. */
const SHARE_KEY_ARN = `arn:aws:kms:${REGION}:${PRODUCTION_ACCOUNT}:key/5a5a5a5a-0000-4000-8000-share0000000`;
/** Another key of production's, whose policy lets no other account use it. */
const PRIVATE_KEY_ARN = `arn:aws:kms:${REGION}:${PRODUCTION_ACCOUNT}:key/7b7b7b7b-0000-4000-8000-private00000`;

const OWNER_STATEMENT: KeyPolicyStatement = { Sid: "Owner", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PRODUCTION_ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };

/** The share key's policy as the Aurora User Guide's example writes it: acceptance may use the key and let RDS create grants. */
const SHARE_KEY_STATEMENTS: KeyPolicyStatement[] = [
    OWNER_STATEMENT,
    {
        Sid: "TargetAccountsUseTheKey",
        Effect: "Allow",
        Principal: { AWS: [`arn:aws:iam::${ACCEPTANCE_ACCOUNT}:root`] },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
    },
    {
        Sid: "TargetAccountsLetRdsUseTheKey",
        Effect: "Allow",
        Principal: { AWS: [`arn:aws:iam::${ACCEPTANCE_ACCOUNT}:root`] },
        Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        Resource: "*",
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    },
];
const SHARE_KEY_POLICY: KeyPolicyDocument = { Version: "2012-10-17", Statement: SHARE_KEY_STATEMENTS };

/** Production's side: automated backups, the share function's calls, and the KMS rules that decide who may copy what. */
describe("production's cluster snapshots in the simulated AWS: automated backups, sharing and KMS keys", () => {
    const shareFunction: Caller = {
        account: PRODUCTION_ACCOUNT,
        principalArn: assumedRole(PRODUCTION_ACCOUNT, "db-share-latest-snapshots-role", "db-share-latest-snapshots"),
        label: "share function",
        mayUsePipeline: () => false,
    };
    const stranger: Caller = {
        account: STRANGER_ACCOUNT,
        principalArn: assumedRole(STRANGER_ACCOUNT, "OrganizationAccountAccessRole", "mallory"),
        label: "stranger",
        mayUsePipeline: () => false,
    };
    let aws: FakeAws;
    let production: ProductionAccount;

    beforeEach(() => {
        aws = new FakeAws(start, ACCEPTANCE_LIMITS);
        aws.kms.registerFromPolicy(SHARE_KEY_ARN, SHARE_KEY_POLICY);
        aws.kms.registerFromPolicy(PRIVATE_KEY_ARN, { Statement: [OWNER_STATEMENT] });
        production = new ProductionAccount(aws, {
            clusters: [
                { identifier: "orders", engine: "aurora", kmsKeyArn: awsManagedRdsKeyArn(PRODUCTION_ACCOUNT) },
                { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN },
            ],
            dailyAtUtc: "03:00",
            creationMinutes: 20,
            retentionDays: 7,
            dailySnapshots: "automated",
        });
        production.start("2026-01-01");
        aws.install();
        aws.timeline.advanceTo(new Date("2026-01-02T12:00:00Z"));
    });
    afterEach(() => aws.restore());

    const advanceMinutes = (minutes: number) => aws.timeline.advanceTo(new Date(aws.timeline.nowMs() + minutes * 60_000));
    const newestAutomated = (cluster: string) => production.newestAutomatedAt(cluster, aws.timeline.nowMs())!;
    const listed = async (caller: Caller, input: DescribeDBClusterSnapshotsCommandInput) =>
        (await aws.actAs(caller, () => rds.send(new DescribeDBClusterSnapshotsCommand(input)))).DBClusterSnapshots ?? [];
    const copy = async (caller: Caller, source: string, target: string, kmsKeyId?: string) =>
        (await aws.actAs(caller, () => rds.send(new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: source, TargetDBClusterSnapshotIdentifier: target, KmsKeyId: kmsKeyId,
        })))).DBClusterSnapshot!;
    const changeSharing = (identifier: string, add: string[], remove: string[] = []) => aws.actAs(shareFunction, () => rds.send(new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: identifier, AttributeName: "restore", ValuesToAdd: add, ValuesToRemove: remove,
    })));
    const restoreValues = async (identifier: string) => {
        const answer = await aws.actAs(shareFunction, () => docdb.send(new DescribeDocDbAttributes({ DBClusterSnapshotIdentifier: identifier })));
        return answer.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((attribute) => attribute.AttributeName === "restore")?.AttributeValues;
    };
    /** What the share function does first: copies the cluster's newest automated snapshot under a key, and waits for the copy. */
    const availableCopy = async (cluster: string, target: string, kmsKeyId: string): Promise<StoredSnapshot> => {
        await copy(shareFunction, newestAutomated(cluster).arn, target, kmsKeyId);
        advanceMinutes(ACCEPTANCE_LIMITS.defaultCopy.minutes);
        return aws.store.own(PRODUCTION_ACCOUNT, target)!;
    };

    it("takes automated snapshots in the backup window, expires them after the retention period, and lists them only as the account's automated ones", async () => {
        aws.timeline.advanceTo(new Date("2026-01-10T03:10:00Z"));
        const orders = await listed(shareFunction, { SnapshotType: "automated", DBClusterIdentifier: "orders" });
        const kept = ["03", "04", "05", "06", "07", "08", "09", "10"].map((day) => `rds:orders-2026-01-${day}-03-00`);
        expect(orders.map((snapshot) => snapshot.DBClusterSnapshotIdentifier).sort()).to.deep.equal(kept);
        expect(orders.every((snapshot) => snapshot.SnapshotType === "automated" && snapshot.Engine === ENGINE_VALUE.aurora &&
            snapshot.KmsKeyId === awsManagedRdsKeyArn(PRODUCTION_ACCOUNT))).to.equal(true);
        expect(orders.find((snapshot) => snapshot.DBClusterSnapshotIdentifier === kept[7])).to.deep.include({ Status: "creating", SnapshotCreateTime: undefined });
        expect(newestAutomated("orders").identifier, "the snapshot still being taken is not the newest usable one").to.equal(kept[6]);
        const catalog = await aws.actAs(shareFunction, () => docdb.send(new DescribeDocDbSnapshots({ SnapshotType: "automated", DBClusterIdentifier: "catalog" })));
        expect(catalog.DBClusterSnapshots?.map((snapshot) => snapshot.DBClusterIdentifier)).to.deep.equal(Array(8).fill("catalog"));

        await copy(shareFunction, "rds:catalog-2026-01-09-03-00", "catalog-share-1", SHARE_KEY_ARN);
        expect((await listed(shareFunction, { SnapshotType: "manual" })).map((snapshot) => snapshot.DBClusterSnapshotIdentifier)).to.deep.equal(["catalog-share-1"]);
        expect(await listed(shareFunction, {}), "without a type: own automated and manual").to.have.length(17);
        expect(await listed(shareFunction, { SnapshotType: "automated" })).to.have.length(16);
        expect(aws.snapshots.manualSnapshotCount(PRODUCTION_ACCOUNT), "automated snapshots are outside the manual quota").to.equal(1);
        expect(await listed(someone, { SnapshotType: "automated" }), "another account's automated snapshots are never listed").to.deep.equal([]);
        expect(await listed(someone, { IncludeShared: true, IncludePublic: true })).to.deep.equal([]);
        advanceMinutes(10);
        expect(newestAutomated("orders").identifier).to.equal(kept[7]);
    });

    it("refuses to share or delete an automated snapshot; its copy, named by identifier or ARN, is a manual snapshot", async () => {
        const automated = newestAutomated("catalog");
        const shared = await errorOf(() => changeSharing(automated.identifier, [ACCEPTANCE_ACCOUNT]));
        expect([shared.name, shared.message]).to.deep.equal(["InvalidDBClusterSnapshotStateFault",
            `${automated.identifier} is an automated snapshot, which cannot be shared: copy it to a manual snapshot and share the copy.`]);
        const deleted = await errorOf(() => aws.actAs(shareFunction, () => docdb.send(new DeleteDocDbSnapshot({ DBClusterSnapshotIdentifier: automated.identifier }))));
        expect(deleted.name).to.equal("InvalidDBClusterSnapshotStateFault");
        expect(aws.store.byArn(automated.arn)).to.not.equal(undefined);
        const copies = [await copy(shareFunction, automated.identifier, "catalog-by-identifier", SHARE_KEY_ARN), await copy(shareFunction, automated.arn, "catalog-by-arn", SHARE_KEY_ARN)];
        expect(copies.map((described) => [described.SnapshotType, described.Status, described.SourceDBClusterSnapshotArn, described.KmsKeyId])).to.deep.equal([
            ["manual", "copying", automated.arn, SHARE_KEY_ARN],
            ["manual", "copying", automated.arn, SHARE_KEY_ARN],
        ]);
        const copying = await errorOf(() => changeSharing("catalog-by-arn", [ACCEPTANCE_ACCOUNT]));
        expect(copying.name, "only an available snapshot is shared").to.equal("InvalidDBClusterSnapshotStateFault");
        advanceMinutes(ACCEPTANCE_LIMITS.defaultCopy.minutes);
        await changeSharing("catalog-by-arn", [ACCEPTANCE_ACCOUNT]);
        expect(await restoreValues("catalog-by-arn")).to.deep.equal([ACCEPTANCE_ACCOUNT]);
    });

    it("cannot share a snapshot encrypted with the aws/rds key, only a copy under a customer managed key", async () => {
        const automated = newestAutomated("orders");
        await copy(shareFunction, automated.arn, "orders-default-key");
        await copy(shareFunction, automated.arn, "orders-share-key", SHARE_KEY_ARN);
        advanceMinutes(ACCEPTANCE_LIMITS.defaultCopy.minutes);
        expect(aws.store.own(PRODUCTION_ACCOUNT, "orders-default-key")?.kmsKeyId, "a copy without KmsKeyId keeps the source's key").to.equal(awsManagedRdsKeyArn(PRODUCTION_ACCOUNT));
        const refused = await errorOf(() => changeSharing("orders-default-key", [ACCEPTANCE_ACCOUNT]));
        expect(refused.name).to.equal("InvalidParameterValue");
        expect(refused.message).to.match(/aws\/rds .*cannot be shared/);
        await changeSharing("orders-share-key", [ACCEPTANCE_ACCOUNT]);
        expect(await restoreValues("orders-share-key")).to.deep.equal([ACCEPTANCE_ACCOUNT]);
    });

    it("shares a manual snapshot with at most 20 accounts, at its owner's request only, and refuses values it cannot take", async () => {
        const snapshot = await availableCopy("catalog", "catalog-share", SHARE_KEY_ARN);
        const accounts = Array.from({ length: 21 }, (_, index) => String(400_000_000_000 + index));
        await changeSharing(snapshot.identifier, accounts.slice(0, 20));
        const tooMany = await errorOf(() => changeSharing(snapshot.identifier, [accounts[20]]));
        expect(tooMany.name).to.equal("SharedSnapshotQuotaExceededFault");
        await changeSharing(snapshot.identifier, [accounts[20]], [accounts[0]]);
        expect(await restoreValues(snapshot.identifier)).to.deep.equal(accounts.slice(1));

        const invalid = [
            await errorOf(() => changeSharing(snapshot.identifier, ["all"])),
            await errorOf(() => changeSharing(snapshot.identifier, ["12345"])),
            await errorOf(() => aws.actAs(shareFunction, () => rds.send(new ModifyDBClusterSnapshotAttributeCommand({
                DBClusterSnapshotIdentifier: snapshot.identifier, AttributeName: "copy", ValuesToAdd: [ACCEPTANCE_ACCOUNT],
            })))),
        ];
        expect(invalid.map((error) => error.name)).to.deep.equal(["InvalidParameterValue", "InvalidParameterValue", "InvalidParameterValue"]);
        expect(invalid[0].message).to.match(/encrypted snapshot cannot be made public/);

        const byAcceptance = [
            await errorOf(() => aws.actAs(someone, () => rds.send(new ModifyDBClusterSnapshotAttributeCommand({
                DBClusterSnapshotIdentifier: snapshot.arn, AttributeName: "restore", ValuesToAdd: [ACCEPTANCE_ACCOUNT],
            })))),
            await errorOf(() => aws.actAs(someone, () => docdb.send(new ModifyDocDbAttribute({
                DBClusterSnapshotIdentifier: snapshot.identifier, AttributeName: "restore", ValuesToAdd: [ACCEPTANCE_ACCOUNT],
            })))),
            await errorOf(() => aws.actAs(someone, () => rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: snapshot.arn })))),
        ];
        expect(byAcceptance.map((error) => error.name)).to.deep.equal(Array(3).fill("DBClusterSnapshotNotFoundFault"));
        expect(await restoreValues(snapshot.identifier)).to.have.length(20);
    });

    it("makes an unencrypted snapshot public with all: any account lists it as public and may copy it by ARN, until all is removed", async () => {
        aws.snapshots.createSnapshot(shareFunction, { identifier: "orders-public", clusterIdentifier: "orders", engine: ENGINE_VALUE.aurora, engineVersion: "15.4", minutes: 1 });
        advanceMinutes(1);
        await changeSharing("orders-public", ["all"]);
        const arn = aws.store.own(PRODUCTION_ACCOUNT, "orders-public")!.arn;
        expect((await listed(stranger, { SnapshotType: "public" })).map((described) => [described.DBClusterSnapshotIdentifier, described.SnapshotType])).to.deep.equal([[arn, "public"]]);
        expect(await listed(stranger, { SnapshotType: "shared" })).to.deep.equal([]);
        expect(await listed(stranger, { IncludePublic: true })).to.have.length(1);
        expect((await copy(stranger, arn, "public-copy")).SourceDBClusterSnapshotArn).to.equal(arn);
        await changeSharing("orders-public", [], ["all"]);
        expect(await restoreValues("orders-public")).to.deep.equal([]);
        expect((await errorOf(() => copy(stranger, arn, "public-copy-2"))).name).to.equal("DBClusterSnapshotNotFoundFault");
    });

    it("describes the restore attribute in force after adds and removes, and keeps who could restore it when", async () => {
        const snapshot = await availableCopy("catalog", "catalog-share", SHARE_KEY_ARN);
        const sharedAt = aws.timeline.now();
        await changeSharing(snapshot.identifier, [ACCEPTANCE_ACCOUNT, STRANGER_ACCOUNT]);
        expect((await listed(someone, { SnapshotType: "shared" })).map((described) => described.DBClusterSnapshotIdentifier)).to.deep.equal([snapshot.arn]);
        expect(await listed(someone, { SnapshotType: "manual", IncludeShared: true }), "IncludeShared does not apply to a manual listing").to.deep.equal([]);
        expect((await listed(someone, { IncludeShared: true })).map((described) => described.SnapshotType)).to.deep.equal(["shared"]);
        advanceMinutes(60);
        await changeSharing(snapshot.identifier, [], [STRANGER_ACCOUNT]);
        expect(await restoreValues(snapshot.identifier)).to.deep.equal([ACCEPTANCE_ACCOUNT]);
        advanceMinutes(60);
        await changeSharing(snapshot.identifier, [], [ACCEPTANCE_ACCOUNT]);
        expect(await restoreValues(snapshot.identifier)).to.deep.equal([]);
        expect(await listed(someone, { SnapshotType: "shared" })).to.deep.equal([]);
        advanceMinutes(60);
        await changeSharing(snapshot.identifier, [ACCEPTANCE_ACCOUNT]);
        expect(await restoreValues(snapshot.identifier)).to.deep.equal([ACCEPTANCE_ACCOUNT]);
        const minutesAfter = (minutes: number) => new Date(sharedAt.getTime() + minutes * 60_000).toISOString();
        expect(snapshot.shares.map((share) => [share.account, share.at.toISOString(), share.revokedAt?.toISOString()])).to.deep.equal([
            [ACCEPTANCE_ACCOUNT, minutesAfter(0), minutesAfter(120)],
            [STRANGER_ACCOUNT, minutesAfter(0), minutesAfter(60)],
            [ACCEPTANCE_ACCOUNT, minutesAfter(180), undefined],
        ]);
    });

    it("creates a manual snapshot only of a cluster of the caller's own account, with the cluster's engine, version and key", async () => {
        aws.snapshots.creationTimingRules.push(({ targetIdentifier }) => (targetIdentifier === "orders-slow" ? { minutes: 90, outcome: "available" } : undefined));
        const created = await aws.actAs(shareFunction, () => docdb.send(new CreateDocDbSnapshot({
            DBClusterIdentifier: "catalog", DBClusterSnapshotIdentifier: "catalog-fresh-1", Tags: [{ Key: "managed-by", Value: "snapshot-refresh" }],
        })));
        expect(created.DBClusterSnapshot).to.deep.include({
            DBClusterSnapshotIdentifier: "catalog-fresh-1", DBClusterIdentifier: "catalog", Status: "creating", SnapshotType: "manual",
            Engine: ENGINE_VALUE.documentdb, EngineVersion: "5.0.0", StorageEncrypted: true, KmsKeyId: PRODUCTION_KMS_KEY_ARN,
        });
        expect(aws.store.own(PRODUCTION_ACCOUNT, "catalog-fresh-1")?.tags).to.deep.equal({ "managed-by": "snapshot-refresh" });
        await aws.actAs(shareFunction, () => rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "orders", DBClusterSnapshotIdentifier: "orders-slow" })));
        advanceMinutes(30);
        const statuses = await listed(shareFunction, { SnapshotType: "manual" });
        expect(Object.fromEntries(statuses.map((described) => [described.DBClusterSnapshotIdentifier, described.Status]))).to.deep.equal({ "catalog-fresh-1": "available", "orders-slow": "creating" });

        const create = (caller: Caller, cluster: string, identifier: string) =>
            errorOf(() => aws.actAs(caller, () => rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: cluster, DBClusterSnapshotIdentifier: identifier }))));
        const refusals = [
            await create(shareFunction, "no-such-cluster", "fresh-2"),
            await create(someone, "orders", "fresh-2"),
            await create(shareFunction, "catalog", "catalog-fresh-1"),
            await create(shareFunction, "catalog", "fresh--2"),
        ];
        expect(refusals.map((error) => [error.name, error.message])).to.deep.equal([
            ["DBClusterNotFoundFault", "DBCluster no-such-cluster not found."],
            ["DBClusterNotFoundFault", "DBCluster orders not found."],
            ["DBClusterSnapshotAlreadyExistsFault", "Cannot create the snapshot because a snapshot with the identifier catalog-fresh-1 already exists."],
            ["InvalidParameterValue", "The parameter DBClusterSnapshotIdentifier is not a valid identifier: fresh--2"],
        ]);

        aws.snapshots.registerCluster({ account: ACCEPTANCE_ACCOUNT, identifier: "acceptance-orders", engine: ENGINE_VALUE.aurora, engineVersion: "15.4" });
        while (aws.snapshots.manualSnapshotCount(ACCEPTANCE_ACCOUNT) < 100) {
            aws.snapshots.createSnapshot(someone, { identifier: `filler-${aws.snapshots.manualSnapshotCount(ACCEPTANCE_ACCOUNT)}`, clusterIdentifier: "acceptance-orders", engine: ENGINE_VALUE.aurora, engineVersion: "15.4", minutes: 1 });
        }
        expect((await create(someone, "acceptance-orders", "one-too-many")).name).to.equal("SnapshotQuotaExceededFault");
    });

    it("lets another account copy a shared encrypted snapshot only when the key's policy lets that account use the key", async () => {
        const open = await availableCopy("catalog", "catalog-share-key", SHARE_KEY_ARN);
        const locked = await copy(shareFunction, open.identifier, "catalog-private-key", PRIVATE_KEY_ARN);
        expect(locked.KmsKeyId, "an own copy may re-encrypt under another own key").to.equal(PRIVATE_KEY_ARN);
        advanceMinutes(ACCEPTANCE_LIMITS.defaultCopy.minutes);
        await changeSharing(open.identifier, [ACCEPTANCE_ACCOUNT, STRANGER_ACCOUNT]);
        await changeSharing("catalog-private-key", [ACCEPTANCE_ACCOUNT]);

        const copied = await copy(someone, open.arn, "catalog-copy", ACCEPTANCE_KMS_KEY_ARN);
        expect(copied).to.deep.include({ Status: "copying", KmsKeyId: ACCEPTANCE_KMS_KEY_ARN, SourceDBClusterSnapshotArn: open.arn });
        const byAlias = await copy(someone, open.arn, "catalog-copy-default-key", "alias/aws/rds");
        expect(byAlias.KmsKeyId, "KmsKeyId may name an own key by alias").to.equal(awsManagedRdsKeyArn(ACCEPTANCE_ACCOUNT));
        const refusals = [
            await errorOf(() => copy(someone, locked.DBClusterSnapshotArn!, "locked-copy", ACCEPTANCE_KMS_KEY_ARN)),
            await errorOf(() => copy(stranger, open.arn, "stranger-copy", STRANGER_KMS_KEY_ARN)),
            await errorOf(() => copy(someone, open.arn, "under-production-key", SHARE_KEY_ARN)),
        ];
        expect(refusals.map((error) => [error.name, error.message])).to.deep.equal([
            ["KMSKeyNotAccessibleFault", `The source snapshot KMS key [${PRIVATE_KEY_ARN}] does not exist, is not enabled or you do not have permissions to access it.`],
            ["KMSKeyNotAccessibleFault", `The source snapshot KMS key [${SHARE_KEY_ARN}] does not exist, is not enabled or you do not have permissions to access it.`],
            ["KMSKeyNotAccessibleFault", `The specified KMS key ${SHARE_KEY_ARN} does not exist, is not enabled or you do not have permissions to access it.`],
        ]);
    });

    it("logs the new commands like the others, and throttles them by name through either client", async () => {
        aws.faults.addBurst({
            label: "burst", service: "rds-family", command: "ModifyDBClusterSnapshotAttribute", from: aws.timeline.now(), until: new Date("2026-01-02T12:10:00Z"),
        });
        const throttled = await errorOf(() => aws.actAs(shareFunction, () => docdb.send(new ModifyDocDbAttribute({
            DBClusterSnapshotIdentifier: "catalog-share", AttributeName: "restore", ValuesToAdd: [ACCEPTANCE_ACCOUNT], ValuesToRemove: ["all"],
        }))));
        expect(throttled.name).to.equal("Throttling");
        await errorOf(() => aws.actAs(shareFunction, () => rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "no-such-cluster", DBClusterSnapshotIdentifier: "fresh-1" }))));
        await errorOf(() => restoreValues("catalog-share"));
        await listed(shareFunction, { SnapshotType: "automated", DBClusterIdentifier: "orders" });
        expect(aws.calls.map((call) => [call.client, call.command, call.request, call.error?.split(":")[0]])).to.deep.equal([
            ["docdb", "ModifyDBClusterSnapshotAttribute", `catalog-share restore +${ACCEPTANCE_ACCOUNT} -all`, "Throttling"],
            ["rds", "CreateDBClusterSnapshot", "fresh-1 of no-such-cluster", "DBClusterNotFoundFault"],
            ["docdb", "DescribeDBClusterSnapshotAttributes", "catalog-share", "DBClusterSnapshotNotFoundFault"],
            ["rds", "DescribeDBClusterSnapshots", "automated of orders, page 1", undefined],
        ]);
        expect(aws.faults.throttled.map((call) => [call.client, call.command])).to.deep.equal([["docdb", "ModifyDBClusterSnapshotAttribute"]]);
    });
});

describe("KMS key policies in the simulated accounts", () => {
    it("lets an account use a key when Allow statements give it kms:Decrypt and kms:CreateGrant and no Deny takes either away", () => {
        const policy: KeyPolicyDocument = {
            Statement: [
                ...SHARE_KEY_STATEMENTS,
                { Effect: "Allow", Principal: { AWS: ["444444444444", "555555555555"] }, Action: ["kms:Decrypt*", "kms:CreateGrant"] },
                { Effect: "Deny", Principal: { AWS: "arn:aws:iam::444444444444:root" }, Action: "kms:CreateGrant" },
                { Effect: "Allow", Principal: { AWS: "666666666666" }, Action: "kms:Decrypt" },
                { Effect: "Allow", Principal: { AWS: "arn:aws:iam::777777777777:role/reader" }, Action: "kms:*" },
                { Effect: "Allow", Principal: "*", Action: "kms:*" },
            ],
        };
        expect(accountsAllowedByPolicy(policy)).to.deep.equal([PRODUCTION_ACCOUNT, ACCEPTANCE_ACCOUNT, "555555555555"]);
        expect(accountsAllowedByPolicy(JSON.stringify(policy)), "as the component serializes it").to.deep.equal([PRODUCTION_ACCOUNT, ACCEPTANCE_ACCOUNT, "555555555555"]);
    });

    it("knows each account's aws/rds key, usable by its own account alone, and resolves a KmsKeyId as RDS does", () => {
        const keys = new KmsKeys();
        const managed = keys.register({ arn: awsManagedRdsKeyArn(PRODUCTION_ACCOUNT), awsManaged: true, usableBy: [ACCEPTANCE_ACCOUNT] });
        const share = keys.registerFromPolicy(SHARE_KEY_ARN, JSON.stringify(SHARE_KEY_POLICY), ["alias/snapshot-share"]);
        expect([keys.isUsableBy(managed, PRODUCTION_ACCOUNT), keys.isUsableBy(managed, ACCEPTANCE_ACCOUNT)]).to.deep.equal([true, false]);
        expect([...share.usableBy]).to.deep.equal([ACCEPTANCE_ACCOUNT]);
        expect([
            keys.resolve("alias/aws/rds", PRODUCTION_ACCOUNT),
            keys.resolve(`arn:aws:kms:${REGION}:${PRODUCTION_ACCOUNT}:alias/snapshot-share`, ACCEPTANCE_ACCOUNT),
            keys.resolve("5a5a5a5a-0000-4000-8000-share0000000", PRODUCTION_ACCOUNT),
            keys.resolve("5a5a5a5a-0000-4000-8000-share0000000", ACCEPTANCE_ACCOUNT),
            keys.resolve("alias/snapshot-share", ACCEPTANCE_ACCOUNT),
        ].map((key) => key?.arn)).to.deep.equal([managed.arn, SHARE_KEY_ARN, SHARE_KEY_ARN, undefined, undefined]);
    });
});
