import { ConcurrentPipelineExecutionsLimitExceededException, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { CopyDBClusterSnapshotCommand as CopyDocDbSnapshot } from "@aws-sdk/client-docdb";
import { CopyDBClusterSnapshotCommand as CopyRdsSnapshot } from "@aws-sdk/client-rds";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { RestoreInvocation, restoreSnapshots, RestoreSummary } from "../../../handlers/refresh/restore";
import { RefreshSettings } from "../../../handlers/refresh/settings";
import { ChosenSnapshots } from "../../../handlers/run-request";
import {
    arnOf,
    auroraSettings,
    AwsMocks,
    copyIdentifierOf,
    copyOf,
    COPY_PREFIX,
    documentDbSettings,
    identifierOf,
    INSTANCE_NAME,
    KMS_KEY_ARN,
    mockAws,
    ownSnapshot,
    PARAMETER,
    parameterWrites,
    recordingLogger,
    refreshSettings,
    rejectionOf,
    restoreDependencies,
    restoreInvocation,
    serveAuroraSnapshots,
    serveDocumentDbSnapshots,
    serveParameters,
    servePipeline,
    sharedSnapshot,
    snapshotArn,
    SOURCE_ACCOUNT,
    STRANGER_ACCOUNT,
} from "../support";

/** The cycle's newest data, which a chosen restore passes over. */
const auroraNewest = sharedSnapshot({ name: "orders-2024-05-05", createdAt: "2024-05-05T03:00:00Z" });
/** An older snapshot an operator goes back to. */
const auroraOlder = sharedSnapshot({ name: "orders-2024-04-20", createdAt: "2024-04-20T03:00:00Z" });
const documentDbNewest = sharedSnapshot({ name: "catalog-2024-05-05", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z" });
const documentDbOlder = sharedSnapshot({ name: "catalog-2024-04-20", engine: "documentdb", createdAt: "2024-04-20T03:00:00Z", encrypted: true });
const documentDbNewestCopy = copyOf(documentDbNewest, "documentdb");
const documentDbOlderCopy = copyOf(documentDbOlder, "documentdb");

/** What the last cycle left behind. */
const PARAMETERS_OF_LAST_CYCLE = {
    [PARAMETER.auroraLatest]: arnOf(auroraNewest),
    [PARAMETER.auroraCurrent]: arnOf(auroraNewest),
    [PARAMETER.documentDbLatest]: arnOf(documentDbNewestCopy),
    [PARAMETER.documentDbCurrent]: arnOf(documentDbNewestCopy),
};

describe("restoreSnapshots: snapshots an operator chose ({\"restore\": {...}})", () => {
    let aws: AwsMocks;
    beforeEach(() => {
        aws = mockAws();
        serveParameters(aws, PARAMETERS_OF_LAST_CYCLE);
        servePipeline(aws, { startedExecutionId: "execution-chosen" });
    });
    afterEach(() => aws.restore());

    const run = (chosen: ChosenSnapshots, settings: RefreshSettings = refreshSettings(), invocation: Partial<RestoreInvocation> = {}) =>
        restoreSnapshots(settings, restoreInvocation({ chosen, ...invocation }), restoreDependencies(recordingLogger().log));
    const pipelineStarts = () => aws.codePipeline.commandCalls(StartPipelineExecutionCommand).map((call) => call.args[0].input);
    const expectNothingChanged = () => {
        expect(aws.ssm.commandCalls(PutParameterCommand), "parameter writes").to.have.length(0);
        expect(pipelineStarts(), "pipeline starts").to.deep.equal([]);
        expect(aws.docdb.commandCalls(CopyDocDbSnapshot), "copies").to.have.length(0);
        expect(aws.rds.commandCalls(CopyRdsSnapshot), "copies").to.have.length(0);
    };
    /** The listings a cycle's restore scans: a chosen restore looks up what it was given instead. */
    const listingScans = () => [...aws.describeRequests.aurora, ...aws.describeRequests.documentdb].filter((request) => request.DBClusterSnapshotIdentifier === undefined);

    describe("restores what it was given", () => {
        beforeEach(() => {
            serveAuroraSnapshots(aws, { shared: [[auroraNewest, auroraOlder]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDbNewest, documentDbOlder]], manual: [[documentDbNewestCopy, documentDbOlderCopy]] });
        });

        it("writes only the named engine's current, leaves latest and the other engines alone, and starts the pipeline once", async () => {
            const summary = await run({ aurora: arnOf(auroraOlder) });

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraCurrent, arnOf(auroraOlder)]]);
            expect(pipelineStarts()).to.have.length(1);
            const expected: RestoreSummary = {
                outcome: "restored",
                cycle: "cycle-2024-05-06",
                pipelineName: "main-pipeline",
                executionId: "execution-chosen",
                engines: [
                    {
                        engine: "aurora", latestBefore: arnOf(auroraNewest), currentBefore: arnOf(auroraNewest),
                        restoredFrom: arnOf(auroraOlder), takenAt: "2024-04-20T03:00:00.000Z", chosen: true,
                    },
                    { engine: "documentdb", latestBefore: arnOf(documentDbNewestCopy), currentBefore: arnOf(documentDbNewestCopy) },
                ],
            };
            expect(summary).to.deep.equal(expected);
            expect(listingScans(), "no listing of every snapshot").to.deep.equal([]);
        });

        it("restores one of this instance's copies named by its identifier, as its ARN, dated by its source", async () => {
            const summary = await run({ documentdb: identifierOf(documentDbOlderCopy) });

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbCurrent, arnOf(documentDbOlderCopy)]]);
            expect(summary.engines[1]).to.deep.include({ restoredFrom: arnOf(documentDbOlderCopy), takenAt: "2024-04-20T03:00:00.000Z", chosen: true });
        });

        it("restores a shared snapshot of an engine that copies through this instance's copy of it", async () => {
            const summary = await run({ documentdb: arnOf(documentDbOlder) });

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbCurrent, arnOf(documentDbOlderCopy)]]);
            expect(summary.engines[1]).to.deep.include({ restoredFrom: arnOf(documentDbOlderCopy), takenAt: "2024-04-20T03:00:00.000Z" });
        });

        it("restores both engines with one pipeline execution", async () => {
            await run({ documentdb: arnOf(documentDbOlderCopy), aurora: arnOf(auroraOlder) });

            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(auroraOlder)],
                [PARAMETER.documentDbCurrent, arnOf(documentDbOlderCopy)],
            ]);
            expect(pipelineStarts()).to.have.length(1);
        });

        it("starts the pipeline even when current already names the chosen snapshot, writing nothing", async () => {
            const summary = await run({ aurora: arnOf(auroraNewest) });

            expect(parameterWrites(aws)).to.deep.equal([]);
            expect(pipelineStarts()).to.have.length(1);
            expect(summary.outcome).to.equal("restored");
        });

        it("puts current back when the pipeline refuses to start", async () => {
            const stored = serveParameters(aws, PARAMETERS_OF_LAST_CYCLE);
            aws.codePipeline.on(StartPipelineExecutionCommand).rejects(
                new ConcurrentPipelineExecutionsLimitExceededException({ message: "too many executions", $metadata: { httpStatusCode: 400 } }),
            );

            const error = await rejectionOf(run({ aurora: arnOf(auroraOlder) }));

            expect(error.name).to.equal("RestoreAbortedError");
            expect(error.message).to.include("every parameter was set back to its value before the run");
            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(auroraOlder)],
                [PARAMETER.auroraCurrent, arnOf(auroraNewest)],
            ]);
            expect(Object.fromEntries(stored)).to.deep.include(PARAMETERS_OF_LAST_CYCLE);
        });

        it("in a dry run, checks the choice and reports the writes and the pipeline, changing nothing", async () => {
            const summary = await run({ aurora: arnOf(auroraOlder) }, refreshSettings(), { dryRun: true });

            expectNothingChanged();
            expect(summary).to.deep.include({ outcome: "dry-run", wouldStartPipeline: "main-pipeline" });
            expect(summary.engines[0]).to.deep.include({
                wouldRestoreFrom: arnOf(auroraOlder),
                takenAt: "2024-04-20T03:00:00.000Z",
                chosen: true,
                why: `chosen: shared by account ${SOURCE_ACCOUNT}`,
                wouldWrite: [{ parameter: PARAMETER.auroraCurrent, value: arnOf(auroraOlder), before: arnOf(auroraNewest) }],
            });
            expect(summary.engines[0].restoredFrom).to.equal(undefined);
            expect(summary.engines[1].wouldDo).to.deep.equal([
                `Would leave ${PARAMETER.documentDbCurrent} as it is (${arnOf(documentDbNewestCopy)}): the request does not name documentdb.`,
            ]);
        });
    });

    describe("refuses, before anything changes, a choice it cannot restore", () => {
        /** The refusal's message for `chosen`, after checking nothing changed. */
        async function refusal(chosen: ChosenSnapshots, settings?: RefreshSettings): Promise<string> {
            const error = await rejectionOf(run(chosen, settings));
            expect(error.name).to.equal("InvalidRequestError");
            expect(error.message).to.match(/^nothing was restored and no parameter was changed: /);
            expect(error.message).to.include('add "dryRun": true to check them without restoring');
            expectNothingChanged();
            return error.message;
        }

        it("a snapshot that does not exist, or is not shared with this account", async () => {
            serveAuroraSnapshots(aws, { shared: [[auroraNewest]] });
            const gone = snapshotArn(SOURCE_ACCOUNT, "orders-2023-01-01");

            expect(await refusal({ aurora: gone })).to.include(`aurora: ${gone} does not exist, or is not shared with this account: list what is with aws rds describe-db-cluster-snapshots`);
        });

        it("a shared snapshot named by its identifier alone, saying to name it by its ARN", async () => {
            serveAuroraSnapshots(aws, { shared: [[auroraOlder]], manual: [[]] });

            expect(await refusal({ aurora: "orders-2024-04-20" })).to.include(
                `aurora: there is no snapshot orders-2024-04-20 in this account; a snapshot account ${SOURCE_ACCOUNT} shares is named by its ARN ` +
                `(arn:aws:rds:<region>:${SOURCE_ACCOUNT}:cluster-snapshot:orders-2024-04-20)`,
            );
        });

        it("a snapshot that is not available", async () => {
            const creating = sharedSnapshot({ name: "orders-now", status: "creating" });
            serveAuroraSnapshots(aws, { shared: [[creating]] });

            expect(await refusal({ aurora: arnOf(creating) })).to.include(`aurora: ${arnOf(creating)} is creating, not available: choose an available snapshot, or wait until this one is`);
        });

        it("a snapshot of another engine", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDbOlder]] });

            expect(await refusal({ aurora: arnOf(documentDbOlder) })).to.include(`aurora: ${arnOf(documentDbOlder)} is a docdb snapshot, not one of aurora (aurora-mysql, aurora-postgresql, aurora)`);
        });

        it("a snapshot another account shares", async () => {
            const stranger = sharedSnapshot({ name: "orders-2024-05-05", account: STRANGER_ACCOUNT, createdAt: "2024-05-05T03:00:00Z" });
            serveAuroraSnapshots(aws, { shared: [[stranger]] });

            expect(await refusal({ aurora: arnOf(stranger) })).to.include(
                `aurora: ${arnOf(stranger)} belongs to account ${STRANGER_ACCOUNT}, not the source account ${SOURCE_ACCOUNT}`,
            );
        });

        it("a snapshot of this account that this instance did not make", async () => {
            const someoneElses = ownSnapshot("catalog-before-migration", { engine: "documentdb", createdAt: "2024-05-01T03:00:00Z", cluster: "catalog" });
            serveDocumentDbSnapshots(aws, { manual: [[someoneElses]] });

            expect(await refusal({ documentdb: "catalog-before-migration" })).to.include(
                "documentdb: catalog-before-migration is a snapshot of this account that this instance did not make: it restores only what account " +
                `${SOURCE_ACCOUNT} shares (named by its ARN) and its own copies of it (${COPY_PREFIX}documentdb-<source time>-<hash>)`,
            );
        });

        it("a snapshot named as a copy of this instance, but copied from another account", async () => {
            const strangers = sharedSnapshot({ name: "catalog-2024-05-01", engine: "documentdb", account: STRANGER_ACCOUNT, createdAt: "2024-05-01T03:00:00Z" });
            serveDocumentDbSnapshots(aws, { manual: [[copyOf(strangers, "documentdb")]] });

            expect(await refusal({ documentdb: copyIdentifierOf("documentdb", strangers) })).to.include("is a snapshot of this account that this instance did not make");
        });

        it("a snapshot of a cluster the engine does not follow", async () => {
            serveDocumentDbSnapshots(aws, { manual: [[documentDbOlderCopy]] });

            expect(await refusal({ documentdb: arnOf(documentDbOlderCopy) }, refreshSettings({ engines: [documentDbSettings({ sourceClusters: ["catalog-v2"] })] }))).to.include(
                `documentdb: ${arnOf(documentDbOlderCopy)} is of cluster orders, which documentdb does not follow (sourceClusters: catalog-v2)`,
            );
        });

        it("a shared snapshot not named as the source's SnapshotShare names them", async () => {
            serveAuroraSnapshots(aws, { shared: [[auroraOlder]] });

            expect(await refusal({ aurora: arnOf(auroraOlder) }, refreshSettings({ sourceSnapshotPrefix: "snapshot-refresh-share-" }))).to.include(
                `aurora: ${arnOf(auroraOlder)} is not named snapshot-refresh-share-*: only the snapshots the source's SnapshotShare makes are restored (sourceSnapshotPrefix)`,
            );
        });

        it("an engine this instance does not refresh", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDbOlder]] });

            expect(await refusal({ documentdb: arnOf(documentDbOlder) }, refreshSettings({ engines: [auroraSettings()] }))).to.include(
                "documentdb: this instance refreshes aurora only; leave documentdb out of restore",
            );
        });

        it("a shared snapshot of an engine that copies, with no copy of it yet, saying how to make one", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDbOlder]], manual: [[documentDbNewestCopy]] });
            const identifier = copyIdentifierOf("documentdb", documentDbOlder);

            expect(await refusal({ documentdb: arnOf(documentDbOlder) }, refreshSettings({ engines: [documentDbSettings({ kmsKeyArn: KMS_KEY_ARN })] }))).to.include(
                `documentdb: ${arnOf(documentDbOlder)} is restored through a copy in this account (copy: true), and this instance's copy ${identifier} of it ` +
                `does not exist: make it with aws docdb copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier ${arnOf(documentDbOlder)} ` +
                `--target-db-cluster-snapshot-identifier ${identifier} --kms-key-id ${KMS_KEY_ARN} --tags Key=managed-by,Value=snapshot-refresh ` +
                `Key=snapshot-refresh:source-arn,Value=${arnOf(documentDbOlder)} Key=snapshot-refresh:instance,Value=${INSTANCE_NAME}, ` +
                "and choose it again once that copy is available; or choose one of this instance's available documentdb copies",
            );
        });

        it("a shared snapshot of an engine that copies, whose copy is still copying", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDbOlder]], manual: [[copyOf(documentDbOlder, "documentdb", "copying")]] });

            expect(await refusal({ documentdb: arnOf(documentDbOlder) })).to.include(
                `this instance's copy ${copyIdentifierOf("documentdb", documentDbOlder)} of it is copying: choose it again once it is available`,
            );
        });

        it("every problem of every engine at once", async () => {
            const creating = sharedSnapshot({ name: "orders-now", status: "creating", engine: "documentdb" });
            serveAuroraSnapshots(aws, { shared: [[creating]] });
            serveDocumentDbSnapshots(aws, { shared: [[]], manual: [[]] });

            const message = await refusal({ aurora: arnOf(creating), documentdb: "catalog-unknown" });

            expect(message).to.include(`aurora: ${arnOf(creating)} is creating, not available: choose an available snapshot, or wait until this one is; ` +
                "and it is a docdb snapshot, not one of aurora");
            expect(message).to.include("documentdb: there is no snapshot catalog-unknown in this account");
        });

        it("in a dry run too", async () => {
            serveAuroraSnapshots(aws, { shared: [[]] });

            const error = await rejectionOf(run({ aurora: snapshotArn(SOURCE_ACCOUNT, "orders-gone") }, refreshSettings(), { dryRun: true }));

            expect(error.name).to.equal("InvalidRequestError");
            expectNothingChanged();
        });

        it("never in the source account", async () => {
            const error = await rejectionOf(run({ aurora: arnOf(auroraOlder) }, refreshSettings(), { accountId: SOURCE_ACCOUNT }));

            expect(error.name).to.equal("SourceAccountRefusedError");
            expectNothingChanged();
        });
    });
});
