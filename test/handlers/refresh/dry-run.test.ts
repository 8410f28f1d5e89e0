import { ListPipelineExecutionsCommand, PipelineNotFoundException, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { CopyDBClusterSnapshotCommand as CopyDocDbSnapshot, DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot } from "@aws-sdk/client-docdb";
import { CopyDBClusterSnapshotCommand as CopyRdsSnapshot, DeleteDBClusterSnapshotCommand as DeleteRdsSnapshot } from "@aws-sdk/client-rds";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { restoreSnapshots } from "../../../handlers/refresh/restore";
import { RefreshSettings } from "../../../handlers/refresh/settings";
import { updateLatestSnapshots } from "../../../handlers/refresh/update-latest";
import {
    arnOf,
    AwsMocks,
    copyIdentifierOf,
    copyOf,
    documentDbSettings,
    finalCheck,
    identifierOf,
    KMS_KEY_ARN,
    mockAws,
    PARAMETER,
    PIPELINE_NAME,
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
    SOURCE_ACCOUNT,
    summarized,
    summaryLine,
    updateDependencies,
} from "../support";

const aurora = sharedSnapshot({ name: "orders-2024-05-05", createdAt: "2024-05-05T03:00:00Z" });
const auroraOld = sharedSnapshot({ name: "orders-2024-05-01", createdAt: "2024-05-01T03:00:00Z" });
const documentDb = sharedSnapshot({ name: "catalog-2024-05-05", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z", encrypted: true });
const documentDbOld = sharedSnapshot({ name: "catalog-2024-05-01", engine: "documentdb", createdAt: "2024-05-01T03:00:00Z" });
const documentDbOldest = sharedSnapshot({ name: "catalog-2024-04-20", engine: "documentdb", createdAt: "2024-04-20T03:00:00Z" });
const oldCopy = copyOf(documentDbOld, "documentdb");
const oldestCopy = copyOf(documentDbOldest, "documentdb");
const newCopy = copyOf(documentDb, "documentdb");

/** One copy kept, with the key an encrypted source needs. */
const SETTINGS = refreshSettings({ engines: [refreshSettings().engines[0], documentDbSettings({ keepCopies: 1, kmsKeyArn: KMS_KEY_ARN })] });

describe("dry runs ({\"dryRun\": true}): what a run would do, and nothing done", () => {
    let aws: AwsMocks;
    beforeEach(() => {
        aws = mockAws();
    });
    afterEach(() => aws.restore());

    /** No parameter written, no copy started or deleted, no pipeline started, by either client. */
    const expectNothingChanged = () => {
        expect(aws.ssm.commandCalls(PutParameterCommand), "parameter writes").to.have.length(0);
        for (const mock of [aws.rds, aws.docdb]) {
            expect(mock.commandCalls(CopyRdsSnapshot).length + mock.commandCalls(CopyDocDbSnapshot).length, "copies").to.equal(0);
            expect(mock.commandCalls(DeleteRdsSnapshot).length + mock.commandCalls(DeleteDocDbSnapshot).length, "deletions").to.equal(0);
        }
        expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand), "pipeline starts").to.have.length(0);
    };

    describe("db-update-latest-snapshot-id", () => {
        const update = (settings: RefreshSettings = SETTINGS) =>
            updateLatestSnapshots(settings, updateDependencies(recordingLogger().log), { dryRun: true, now: new Date("2024-05-06T04:00:00Z") });

        it("reports the pick and why, the write of latest, the copy and what retention deletes, per engine", async () => {
            serveAuroraSnapshots(aws, { shared: [[auroraOld, aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb, documentDbOld]], manual: [[oldestCopy, oldCopy]] });
            serveParameters(aws, {
                [PARAMETER.auroraLatest]: arnOf(auroraOld),
                [PARAMETER.documentDbLatest]: arnOf(oldCopy),
                [PARAMETER.documentDbCurrent]: arnOf(oldCopy),
            });

            const summary = await update();

            expectNothingChanged();
            expect(summary.outcome).to.equal("dry-run");
            const auroraWhy = `the newest available aurora snapshot that account ${SOURCE_ACCOUNT} shares with this account, taken 2024-05-05T03:00:00.000Z`;
            expect(summary.engines[0]).to.deep.equal({
                engine: "aurora",
                newestShared: arnOf(aurora),
                latestBefore: arnOf(auroraOld),
                deletedCopies: [],
                warnings: [],
                why: auroraWhy,
                wouldWrite: [{ parameter: PARAMETER.auroraLatest, value: arnOf(aurora), before: arnOf(auroraOld) }],
                wouldDo: [
                    `Would pick ${arnOf(aurora)}: ${auroraWhy}.`,
                    `Would set ${PARAMETER.auroraLatest} to ${arnOf(aurora)} (it names ${arnOf(auroraOld)}).`,
                ],
            });
            const copy = copyIdentifierOf("documentdb", documentDb);
            expect(summary.engines[1]).to.deep.include({ wouldStartCopy: copy, wouldDelete: [identifierOf(oldestCopy)], deletedCopies: [] });
            expect(summary.engines[1].latestAfter).to.equal(undefined);
            expect(summary.engines[1].wouldDo).to.deep.equal([
                `Would pick ${arnOf(documentDb)}: the newest available documentdb snapshot that account ${SOURCE_ACCOUNT} shares with this account, taken 2024-05-05T03:00:00.000Z.`,
                `Would leave ${PARAMETER.documentDbLatest} as it is (${arnOf(oldCopy)}).`,
                `Would delete ${identifierOf(oldestCopy)}: older than the newest 1 available copies (keepCopies), and neither latest nor current names it.`,
                `Would copy ${arnOf(documentDb)} to ${copy} in this account, re-encrypted with ${KMS_KEY_ARN}.`,
            ]);
        });

        it("reports the failed copy a run would delete, and fails as the run would, saying so on its summary line", async () => {
            const failedCopy = copyOf(documentDb, "documentdb", "failed");
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[failedCopy, oldCopy]] });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(oldCopy) });
            const logger = recordingLogger();

            const error = await rejectionOf(summarized(logger.log, () => update(refreshSettings({ engines: [SETTINGS.engines[1]] }))));

            expectNothingChanged();
            expect(summaryLine(logger).engines?.documentdb).to.deep.include({ wouldDelete: [identifierOf(failedCopy)] });
            expect(error.name).to.equal("EnginesFailedError");
            expect(error.message).to.equal(
                `db-update-latest-snapshot-id would fail for documentdb (CopyFailedError: the copy ${identifierOf(failedCopy)} of ${arnOf(documentDb)} ` +
                "failed; a run would delete it so that the run after it copies again)",
            );
        });

        it("fails as a run would when the copy it would make needs a key that is not configured", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[]] });
            serveParameters(aws);

            const error = await rejectionOf(update(refreshSettings({ engines: [documentDbSettings()] })));

            expectNothingChanged();
            expect(error.message).to.include("EncryptedSourceNeedsKeyError").and.to.include("set kmsKeyArn for the documentdb engine");
        });
    });

    describe("db-restore-from-snapshot", () => {
        const restore = (invocation = restoreInvocation({ dryRun: true })) => restoreSnapshots(SETTINGS, invocation, restoreDependencies(recordingLogger().log));

        it("reports the snapshots, the writes of current (and latest) and the pipeline, which it checks exists", async () => {
            serveAuroraSnapshots(aws, { shared: [[aurora, auroraOld]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb, documentDbOld]], manual: [[newCopy, oldCopy]] });
            serveParameters(aws, {
                [PARAMETER.auroraLatest]: arnOf(aurora),
                [PARAMETER.auroraCurrent]: arnOf(auroraOld),
                [PARAMETER.documentDbLatest]: arnOf(oldCopy),
                [PARAMETER.documentDbCurrent]: arnOf(oldCopy),
            });
            servePipeline(aws);

            const summary = await restore();

            expectNothingChanged();
            expect(aws.codePipeline.commandCalls(ListPipelineExecutionsCommand), "the pipeline's existence checked").to.have.length(1);
            expect(summary).to.deep.include({ outcome: "dry-run", wouldStartPipeline: PIPELINE_NAME });
            expect(summary.executionId).to.equal(undefined);
            expect(summary.wouldDo).to.deep.equal([
                `Would start pipeline ${PIPELINE_NAME} once, which restores from the ${PARAMETER.auroraCurrent} and ${PARAMETER.documentDbCurrent} values above.`,
            ]);
            expect(summary.engines[0]).to.deep.include({
                wouldRestoreFrom: arnOf(aurora),
                takenAt: "2024-05-05T03:00:00.000Z",
                wouldWrite: [{ parameter: PARAMETER.auroraCurrent, value: arnOf(aurora), before: arnOf(auroraOld) }],
            });
            expect(summary.engines[0].restoredFrom).to.equal(undefined);
            expect(summary.engines[1]).to.deep.include({
                wouldRestoreFrom: arnOf(newCopy),
                why: `this account's copy of ${arnOf(documentDb)}, the newest available documentdb snapshot account ${SOURCE_ACCOUNT} shared by 2024-05-06T04:00:00.000Z`,
                wouldWrite: [
                    { parameter: PARAMETER.documentDbLatest, value: arnOf(newCopy), before: arnOf(oldCopy) },
                    { parameter: PARAMETER.documentDbCurrent, value: arnOf(newCopy), before: arnOf(oldCopy) },
                ],
            });
            expect(summary.engines[1].wouldDo).to.deep.equal([
                `Would restore from ${arnOf(newCopy)}, taken 2024-05-05T03:00:00.000Z: ${summary.engines[1].why}.`,
                `Would set ${PARAMETER.documentDbLatest} to ${arnOf(newCopy)} (it names ${arnOf(oldCopy)}).`,
                `Would set ${PARAMETER.documentDbCurrent} to ${arnOf(newCopy)} (it names ${arnOf(oldCopy)}).`,
            ]);
        });

        it("never reports waiting: it says which copy a run would wait for, and until when", async () => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copyOf(documentDb, "documentdb", "copying")]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(aurora) });
            servePipeline(aws);

            const summary = await restore();

            expectNothingChanged();
            expect(summary.outcome).to.equal("dry-run");
            expect(summary.nextCheckAt).to.equal(undefined);
            expect(summary.engines[1]).to.deep.include({
                wouldWaitFor: identifierOf(newCopy),
                wouldDo: [`Would wait for the copy ${identifierOf(newCopy)}, which is not available yet, checking every 10 minutes until 2024-05-06T08:00:00.000Z.`],
            });
            expect(summary.engines[0].wouldDo).to.include("Would write nothing until every copy the cycle waits for is available.");
            expect(summary.wouldDo).to.deep.equal([
                `Would start pipeline ${PIPELINE_NAME} once every copy it waits for is available (checking every 10 minutes until 2024-05-06T08:00:00.000Z).`,
            ]);
        });

        it("reports the missing copy a run would start, and starts none", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[oldCopy]] });
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveParameters(aws);
            servePipeline(aws);

            const summary = await restore();

            expectNothingChanged();
            expect(summary.engines[1]).to.deep.include({ wouldStartCopy: identifierOf(newCopy), wouldWaitFor: identifierOf(newCopy) });
            expect(summary.engines[1].wouldDo?.[0]).to.equal(
                `Would copy ${arnOf(documentDb)} to ${identifierOf(newCopy)}, re-encrypted with ${KMS_KEY_ARN}, then wait for the copy, ` +
                "checking every 10 minutes until 2024-05-06T08:00:00.000Z.",
            );
        });

        it("fails as a run would once the window is over, changing nothing", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copyOf(documentDb, "documentdb", "copying")]] });
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveParameters(aws);
            servePipeline(aws);

            const error = await rejectionOf(restore(finalCheck({ dryRun: true })));

            expect(error.name).to.equal("CopyNotReadyError");
            expectNothingChanged();
        });

        it("fails as a run would when the pipeline does not exist", async () => {
            serveParameters(aws);
            aws.codePipeline.on(ListPipelineExecutionsCommand).rejects(new PipelineNotFoundException({ message: "no such pipeline", $metadata: { httpStatusCode: 400 } }));

            const error = await rejectionOf(restore());

            expect(error.name).to.equal("PipelineNotFoundError");
            expectNothingChanged();
        });
    });
});
