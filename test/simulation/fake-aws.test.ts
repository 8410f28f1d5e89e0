import { CodePipelineClient, ListPipelineExecutionsCommand, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots, DocDBClient } from "@aws-sdk/client-docdb";
import {
    CopyDBClusterSnapshotCommand,
    DeleteDBClusterSnapshotCommand,
    DescribeDBClusterSnapshotsCommand,
    paginateDescribeDBClusterSnapshots,
    RDSClient,
} from "@aws-sdk/client-rds";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetParametersCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { ACCEPTANCE_ACCOUNT, ACCEPTANCE_KMS_KEY_ARN, Caller, humanCaller, PRODUCTION_ACCOUNT, PRODUCTION_KMS_KEY_ARN, REGION } from "./accounts";
import { DescribedSnapshot } from "./cluster-snapshot-api";
import { FakeAws } from "./fake-aws";
import { ENGINE_VALUE, ProductionAccount } from "./production-account";
import { ACCEPTANCE_LIMITS } from "./simulation";

/** The fake must behave like AWS where the functions could tell the difference; these pin down the parts the year relies on. */
describe("the simulated AWS accounts behind the real SDK clients", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const someone: Caller = humanCaller("tester", "carol");
    let aws: FakeAws;
    let production: ProductionAccount;
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
