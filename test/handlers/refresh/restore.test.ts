import {
    CodePipelineServiceException,
    ConcurrentPipelineExecutionsLimitExceededException,
    ListPipelineExecutionsCommand,
    PipelineNotFoundException,
    StartPipelineExecutionCommand,
} from "@aws-sdk/client-codepipeline";
import { CopyDBClusterSnapshotCommand, KMSKeyNotAccessibleFault, SnapshotQuotaExceededFault } from "@aws-sdk/client-docdb";
import { DescribeDBClusterSnapshotsCommand, RDSServiceException } from "@aws-sdk/client-rds";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { RestoreInvocation, restoreSnapshots, RestoreSummary } from "../../../handlers/refresh/restore";
import { RefreshSettings } from "../../../handlers/refresh/settings";
import {
    arnOf,
    auroraSettings,
    AwsMocks,
    copyOf,
    CYCLE_START,
    documentDbSettings,
    finalCheck,
    identifierOf,
    mockAws,
    PARAMETER,
    parameterWrites,
    pipelineExecution,
    PIPELINE_NAME,
    RecordingLogger,
    recordingLogger,
    refreshSettings,
    rejectionOf,
    RESTORE_FUNCTION_NAME,
    restoreDependencies,
    restoreInvocation,
    serveAuroraSnapshots,
    serveDocumentDbSnapshots,
    serveParameters,
    servePipeline,
    sharedSnapshot,
    SnapshotRecord,
    SOURCE_ACCOUNT,
    TARGET_ACCOUNT,
} from "../support";

const auroraOld = sharedSnapshot({ name: "orders-2024-05-01", createdAt: "2024-05-01T03:00:00Z" });
const auroraNew = sharedSnapshot({ name: "orders-2024-05-05", createdAt: "2024-05-05T03:00:00Z" });
/** Shared after the cycle started: the next cycle's, which this cycle's update never saw. */
const auroraOfNextCycle = sharedSnapshot({ name: "orders-2024-05-06", createdAt: new Date(CYCLE_START.getTime() + 3_600_000).toISOString() });

const documentDbOlder = sharedSnapshot({ name: "catalog-2024-04-28", engine: "documentdb", createdAt: "2024-04-28T03:00:00Z" });
const documentDbOld = sharedSnapshot({ name: "catalog-2024-05-01", engine: "documentdb", createdAt: "2024-05-01T03:00:00Z" });
const documentDbNew = sharedSnapshot({ name: "catalog-2024-05-05", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z" });
const olderCopy = copyOf(documentDbOlder, "documentdb");
const oldCopy = copyOf(documentDbOld, "documentdb");
const newCopy = copyOf(documentDbNew, "documentdb");
const newCopyInProgress = copyOf(documentDbNew, "documentdb", "copying");
const newCopyFailed = copyOf(documentDbNew, "documentdb", "failed");

/** What the update left behind before the newest DocumentDB copy finished; the last restore used the older copies. */
const PARAMETERS_BEFORE_NEW_COPY = {
    [PARAMETER.auroraLatest]: arnOf(auroraNew),
    [PARAMETER.auroraCurrent]: arnOf(auroraOld),
    [PARAMETER.documentDbLatest]: arnOf(oldCopy),
    [PARAMETER.documentDbCurrent]: arnOf(olderCopy),
};

/** An AWS answer that was a refusal (4xx) or a failure on AWS's side (5xx), as the SDK reports it. */
function serviceError<T extends Error>(error: T, httpStatusCode: number): T {
    (error as { $metadata?: object }).$metadata = { httpStatusCode };
    return error;
}

describe("restoreSnapshots: the cycle's newest data", () => {
    let aws: AwsMocks;
    let logger: RecordingLogger;
    beforeEach(() => {
        aws = mockAws();
        logger = recordingLogger();
    });
    afterEach(() => aws.restore());

    const run = (settings: RefreshSettings = refreshSettings(), invocation: RestoreInvocation = restoreInvocation()) =>
        restoreSnapshots(settings, invocation, restoreDependencies(logger.log));
    const pipelineStarts = () => aws.codePipeline.commandCalls(StartPipelineExecutionCommand).map((call) => call.args[0].input);
    const copyStarts = () => aws.docdb.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input);
    const expectNothingChanged = () => {
        expect(aws.ssm.commandCalls(PutParameterCommand), "parameter writes").to.have.length(0);
        expect(pipelineStarts(), "pipeline starts").to.deep.equal([]);
    };

    /** Production shares both engines' snapshots; the newest DocumentDB copy is in `newestCopy`'s state, or gone. */
    function serveSnapshots(newestCopy: SnapshotRecord | "missing"): void {
        serveAuroraSnapshots(aws, { shared: [[auroraOfNextCycle, auroraNew], [auroraOld]] });
        serveDocumentDbSnapshots(aws, {
            shared: [[documentDbOlder, documentDbOld, documentDbNew]],
            manual: [newestCopy === "missing" ? [oldCopy, olderCopy] : [newestCopy, oldCopy, olderCopy]],
        });
    }

    it("refuses to run in the source account and calls nothing", async () => {
        const error = await rejectionOf(run(refreshSettings(), restoreInvocation({ accountId: SOURCE_ACCOUNT })));

        expect(error.name).to.equal("SourceAccountRefusedError");
        expect(error.message).to.include(`refusing to restore in account ${SOURCE_ACCOUNT}: it is the source (production) account`);
        for (const mock of [aws.ssm, aws.codePipeline, aws.rds, aws.docdb]) expect(mock.calls()).to.have.length(0);
    });

    it("points current at the newest snapshots of its cycle and starts the pipeline once", async () => {
        serveSnapshots(newCopy);
        serveParameters(aws, { ...PARAMETERS_BEFORE_NEW_COPY, [PARAMETER.documentDbLatest]: arnOf(newCopy) });
        servePipeline(aws, { startedExecutionId: "execution-42" });

        const summary = await run();

        expect(parameterWrites(aws)).to.deep.equal([
            [PARAMETER.auroraCurrent, arnOf(auroraNew)],
            [PARAMETER.documentDbCurrent, arnOf(newCopy)],
        ]);
        const starts = pipelineStarts();
        expect(starts).to.have.length(1);
        expect(starts[0].name).to.equal(PIPELINE_NAME);
        expect(starts[0].clientRequestToken).to.match(/^snapshot-refresh-[0-9a-f]{40}$/);
        const expected: RestoreSummary = {
            outcome: "restored",
            cycle: "cycle-2024-05-06",
            pipelineName: PIPELINE_NAME,
            executionId: "execution-42",
            engines: [
                {
                    engine: "aurora", latestBefore: arnOf(auroraNew), currentBefore: arnOf(auroraOld), warning: undefined,
                    restoredFrom: arnOf(auroraNew), takenAt: "2024-05-05T03:00:00.000Z",
                },
                {
                    engine: "documentdb", latestBefore: arnOf(newCopy), currentBefore: arnOf(olderCopy), warning: undefined,
                    // When production took the data: the source's time, which the copy's identifier carries.
                    restoredFrom: arnOf(newCopy), takenAt: "2024-05-05T03:00:00.000Z",
                },
            ],
        };
        expect(summary).to.deep.equal(expected);
        // The summary line is the handler's, written once per run around this function.
        expect(logger.records).to.deep.equal([]);
    });

    it("restores what latest names again when production shares nothing of the engine, with a warning", async () => {
        serveDocumentDbSnapshots(aws, { shared: [[]], manual: [[newCopy, oldCopy]] });
        serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(newCopy), [PARAMETER.documentDbCurrent]: arnOf(oldCopy) });
        servePipeline(aws);

        const summary = await run(refreshSettings({ engines: [documentDbSettings()] }));

        expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbCurrent, arnOf(newCopy)]]);
        expect(summary.engines[0]).to.deep.include({
            warning: `no documentdb snapshot is shared by the source account; restoring ${arnOf(newCopy)} again`,
            restoredFrom: arnOf(newCopy),
            takenAt: "2024-05-05T03:00:00.000Z",
        });
    });

    it("restores documentdb straight from the shared snapshot when it does not copy", async () => {
        serveDocumentDbSnapshots(aws, { shared: [[documentDbOld, documentDbNew]], manual: [[oldCopy]] });
        serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(documentDbNew) });
        servePipeline(aws);

        const summary = await run(refreshSettings({ engines: [documentDbSettings({ copy: false })] }));

        expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbCurrent, arnOf(documentDbNew)]]);
        expect(summary.outcome).to.equal("restored");
        expect(copyStarts()).to.deep.equal([]);
    });

    describe("clusters no longer followed (sourceClusters changed)", () => {
        const catalogNew = sharedSnapshot({ name: "catalog-v2-2024-05-05", engine: "documentdb", cluster: "catalog-v2", createdAt: "2024-05-05T03:00:00Z" });
        const catalogNewCopy = copyOf(catalogNew, "documentdb", "copying");
        const followingCatalogV2 = (whenCopyNotReady: RefreshSettings["whenCopyNotReady"]) =>
            refreshSettings({ whenCopyNotReady, engines: [documentDbSettings({ sourceClusters: ["catalog-v2"] })] });

        it("never restores what latest names when its cluster is no longer followed", async () => {
            serveAuroraSnapshots(aws, { shared: [[auroraNew, auroraOld]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(auroraNew), [PARAMETER.auroraCurrent]: arnOf(auroraOld) });
            servePipeline(aws);

            const error = await rejectionOf(run(refreshSettings({ engines: [auroraSettings({ sourceClusters: ["billing"] })] })));

            expect(error.name).to.equal("LatestSnapshotUnusableError");
            expect(error.message).to.include(`${PARAMETER.auroraLatest} names ${arnOf(auroraNew)}, which is of cluster orders, which sourceClusters no longer follows`);
            expectNothingChanged();
        });

        it("moves latest past a copy of a cluster no longer followed, whatever its age", async () => {
            const catalogReady = copyOf(catalogNew, "documentdb");
            const newerOfOldCluster = copyOf(sharedSnapshot({ name: "catalog-2024-05-06", engine: "documentdb", createdAt: "2024-05-06T01:00:00Z" }), "documentdb");
            serveDocumentDbSnapshots(aws, { shared: [[catalogNew]], manual: [[catalogReady, newerOfOldCluster]] });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(newerOfOldCluster), [PARAMETER.documentDbCurrent]: arnOf(newerOfOldCluster) });
            servePipeline(aws);

            await run(followingCatalogV2("fail"));

            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.documentDbLatest, arnOf(catalogReady)],
                [PARAMETER.documentDbCurrent, arnOf(catalogReady)],
            ]);
        });

        it("never falls back to a copy of a cluster no longer followed", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[catalogNew, documentDbOld]], manual: [[catalogNewCopy, oldCopy]] });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(oldCopy), [PARAMETER.documentDbCurrent]: arnOf(oldCopy) });
            servePipeline(aws);

            const error = await rejectionOf(run(followingCatalogV2("restore-available"), finalCheck()));

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.include(`the copy ${identifierOf(catalogNewCopy)} of the cycle's newest shared snapshot ${arnOf(catalogNew)} is copying`);
            expectNothingChanged();
        });
    });

    describe("a copy still in progress", () => {
        beforeEach(() => {
            serveSnapshots(newCopyInProgress);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
        });

        it("waits for it while the maintenance window lasts, writing nothing, and says when to check again", async () => {
            const summary = await run();

            expect(summary).to.deep.include({ outcome: "waiting", nextCheckAt: "2024-05-06T04:15:00.000Z" });
            expect(summary.executionId).to.equal(undefined);
            expect(summary.engines[1].waitingFor).to.equal(identifierOf(newCopyInProgress));
            expectNothingChanged();
        });

        it("checks again at the end of the window at the latest", async () => {
            const summary = await run(refreshSettings(), restoreInvocation({ now: new Date("2024-05-06T07:55:00Z") }));

            expect(summary).to.deep.include({ outcome: "waiting", nextCheckAt: "2024-05-06T08:00:00.000Z" });
        });

        it("fails with CopyNotReadyError once the window is over, under the fail policy, writing nothing", async () => {
            const error = await rejectionOf(run(refreshSettings({ whenCopyNotReady: "fail" }), finalCheck()));

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.equal(
                "nothing was restored and no parameter was changed: documentdb: the copy " +
                `${identifierOf(newCopyInProgress)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} is copying, ` +
                "and the maintenance window ended at 2024-05-06T08:00:00.000Z. " +
                "To restore the newest available older copy instead, set whenCopyNotReady to restore-available.",
            );
            expectNothingChanged();
        });

        it("restores the newest available older copy once the window is over, under restore-available, with a warning", async () => {
            const summary = await run(refreshSettings({ whenCopyNotReady: "restore-available" }), finalCheck());

            expect(summary.outcome).to.equal("restored");
            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(auroraNew)],
                [PARAMETER.documentDbCurrent, arnOf(oldCopy)],
            ]);
            expect(summary.engines[1]).to.deep.include({ restoredFrom: arnOf(oldCopy), takenAt: "2024-05-01T03:00:00.000Z" });
            expect(summary.engines[1].warning).to.equal(
                `the copy ${identifierOf(newCopyInProgress)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} is copying, ` +
                `and the maintenance window ended at 2024-05-06T08:00:00.000Z; restoring the older ${arnOf(oldCopy)} (whenCopyNotReady: restore-available)`,
            );
            expect(pipelineStarts()).to.have.length(1);
        });

        it("under restore-available, still waits while the window lasts: the fallback is only for when waiting is over", async () => {
            const summary = await run(refreshSettings({ whenCopyNotReady: "restore-available" }));

            expect(summary.outcome).to.equal("waiting");
            expectNothingChanged();
        });
    });

    describe("throttling or an AWS outage", () => {
        beforeEach(() => {
            serveSnapshots(newCopyInProgress);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
            aws.rds.on(DescribeDBClusterSnapshotsCommand).rejects(serviceError(new RDSServiceException({ name: "Throttling", $fault: "client", message: "Rate exceeded", $metadata: {} }), 400));
        });

        it("fails as TransientAwsError, which the cycle retries, and changes nothing", async () => {
            const error = await rejectionOf(run());

            expect(error.name).to.equal("TransientAwsError");
            expect(error.message).to.match(/^nothing was restored and no parameter was changed: AWS throttled or could not answer \(Throttling: Rate exceeded; Throttling: Rate exceeded\)\. A cycle retries/);
            expectNothingChanged();
        });

        it("never takes the fallback for it, even under restore-available at the end of the window: the state is unknown, not unready", async () => {
            const error = await rejectionOf(run(refreshSettings({ whenCopyNotReady: "restore-available" }), finalCheck()));

            expect(error.name).to.equal("TransientAwsError");
            expectNothingChanged();
        });
    });

    describe("a copy that failed", () => {
        beforeEach(() => {
            serveSnapshots(newCopyFailed);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
        });

        it("decides at once, since waiting cannot help: fails under the fail policy, saying who makes it again", async () => {
            const error = await rejectionOf(run());

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.include(`the copy ${identifierOf(newCopyFailed)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} ` +
                "is failed; the next db-update-latest-snapshot-id run deletes it and copies again");
            expectNothingChanged();
        });

        it("restores the older copy at once under restore-available", async () => {
            const summary = await run(refreshSettings({ whenCopyNotReady: "restore-available" }));

            expect(summary.engines[1].restoredFrom).to.equal(arnOf(oldCopy));
        });
    });

    it("restores a copy that finished after the update ran, and advances latest to it", async () => {
        serveSnapshots(newCopy);
        serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
        servePipeline(aws);

        const summary = await run();

        expect(parameterWrites(aws)).to.deep.equal([
            [PARAMETER.auroraCurrent, arnOf(auroraNew)],
            [PARAMETER.documentDbLatest, arnOf(newCopy)],
            [PARAMETER.documentDbCurrent, arnOf(newCopy)],
        ]);
        expect(summary.engines.map((engine) => engine.restoredFrom)).to.deep.equal([arnOf(auroraNew), arnOf(newCopy)]);
        expect(pipelineStarts()).to.have.length(1);
    });

    it("never moves latest back past newer data someone recorded after the update ran", async () => {
        serveSnapshots(newCopy);
        serveParameters(aws, { ...PARAMETERS_BEFORE_NEW_COPY, [PARAMETER.auroraLatest]: arnOf(auroraOfNextCycle) });
        servePipeline(aws);

        const summary = await run();

        expect(parameterWrites(aws)).to.deep.equal([
            [PARAMETER.auroraCurrent, arnOf(auroraNew)],
            [PARAMETER.documentDbLatest, arnOf(newCopy)],
            [PARAMETER.documentDbCurrent, arnOf(newCopy)],
        ]);
        expect(summary.engines[0].restoredFrom).to.equal(arnOf(auroraNew));
    });

    describe("a copy of the cycle's newest snapshot that does not exist (shared after the update, not copied, or deleted)", () => {
        beforeEach(() => {
            serveSnapshots("missing");
            serveParameters(aws, { ...PARAMETERS_BEFORE_NEW_COPY, [PARAMETER.documentDbLatest]: arnOf(newCopy) });
            servePipeline(aws);
        });

        it("starts the copy and waits for it while the window lasts, writing nothing", async () => {
            aws.docdb.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: newCopyInProgress });

            const summary = await run();

            expect(summary.outcome).to.equal("waiting");
            expect(copyStarts().map((input) => [input.SourceDBClusterSnapshotIdentifier, input.TargetDBClusterSnapshotIdentifier]))
                .to.deep.equal([[arnOf(documentDbNew), identifierOf(newCopy)]]);
            expect(summary.engines[1]).to.deep.include({ waitingFor: identifierOf(newCopy), copyStarted: identifierOf(newCopy) });
            expectNothingChanged();
        });

        it("keeps waiting when the copy cannot start yet (a quota), saying why; the next check tries again", async () => {
            aws.docdb.on(CopyDBClusterSnapshotCommand).rejects(
                serviceError(new SnapshotQuotaExceededFault({ message: "Cannot create more than 100 manual snapshots", $metadata: {} }), 400),
            );

            const summary = await run(refreshSettings({ whenCopyNotReady: "restore-available" }));

            expect(summary.outcome).to.equal("waiting");
            expect(summary.engines[1].copyNotStarted).to.match(/^SnapshotQuotaError: cannot copy .*reached a snapshot quota/);
            expectNothingChanged();
        });

        it("decides at once when the copy cannot start for a reason waiting cannot mend (a key), saying why", async () => {
            aws.docdb.on(CopyDBClusterSnapshotCommand).rejects(
                serviceError(new KMSKeyNotAccessibleFault({ message: "The specified KMS key does not exist, is not enabled or you do not have permissions to access it.", $metadata: {} }), 400),
            );

            const error = await rejectionOf(run());

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.include(`the copy ${identifierOf(newCopy)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} does not exist and cannot be started: ` +
                "CopyFailedError: cannot copy");
            expectNothingChanged();
        });

        it("once the window is over starts nothing, explains what latest names, and writes nothing", async () => {
            const error = await rejectionOf(run(refreshSettings(), finalCheck()));

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.include(
                `documentdb: the copy ${identifierOf(newCopy)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} ` +
                "does not exist, and the maintenance window ended at 2024-05-06T08:00:00.000Z: no later check could wait for a copy started now " +
                `(latest names ${arnOf(newCopy)}, which no longer exists)`,
            );
            expect(copyStarts()).to.deep.equal([]);
            expectNothingChanged();
        });
    });

    it("decides at once when invoked by hand (its window ends as it starts)", async () => {
        serveSnapshots(newCopyInProgress);
        serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
        servePipeline(aws);
        const now = new Date("2024-05-06T12:00:00Z");

        const error = await rejectionOf(run(refreshSettings(), { ...restoreInvocation(), cycleName: "manual-1", cycleStartedAt: now, waitUntil: now, now }));

        expect(error.name).to.equal("CopyNotReadyError");
    });

    describe("the pipeline", () => {
        beforeEach(() => {
            serveSnapshots(newCopy);
        });

        it("fails with PipelineNotFoundError before looking at snapshots or writing anything when the pipeline does not exist", async () => {
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            aws.codePipeline.on(ListPipelineExecutionsCommand).rejects(
                new PipelineNotFoundException({ message: `The account with id '${TARGET_ACCOUNT}' does not include a pipeline with the name ${PIPELINE_NAME}`, $metadata: { httpStatusCode: 400 } }),
            );

            const error = await rejectionOf(run());

            expect(error.name).to.equal("PipelineNotFoundError");
            expect(error.message).to.include(`pipeline "${PIPELINE_NAME}" (the name the pipeline parameter holds) does not exist`);
            expect(aws.rds.calls()).to.have.length(0);
            expectNothingChanged();
        });

        it("sets every written parameter back, newest write first, when CodePipeline refuses the start", async () => {
            const store = serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
            aws.codePipeline.on(StartPipelineExecutionCommand).rejects(
                new ConcurrentPipelineExecutionsLimitExceededException({ message: "too many executions", $metadata: { httpStatusCode: 400 } }),
            );

            const error = await rejectionOf(run());

            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(auroraNew)],
                [PARAMETER.documentDbLatest, arnOf(newCopy)],
                [PARAMETER.documentDbCurrent, arnOf(newCopy)],
                [PARAMETER.documentDbCurrent, arnOf(olderCopy)],
                [PARAMETER.documentDbLatest, arnOf(oldCopy)],
                [PARAMETER.auroraCurrent, arnOf(auroraOld)],
            ]);
            expect(Object.fromEntries(store)).to.deep.include(PARAMETERS_BEFORE_NEW_COPY);
            expect(error.name).to.equal("RestoreAbortedError");
            expect(error.message).to.equal(
                "ConcurrentPipelineExecutionsLimitExceededException: too many executions " +
                "(every parameter was set back to its value before the run)",
            );
            // Asked whether an earlier attempt of the SDK's started it: none did.
            expect(aws.codePipeline.commandCalls(ListPipelineExecutionsCommand)).to.have.length(2);
        });

        it("keeps the pipeline's error name when the start fails for a known reason", async () => {
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
            aws.codePipeline.on(StartPipelineExecutionCommand).rejects(new PipelineNotFoundException({ message: "deleted meanwhile", $metadata: { httpStatusCode: 400 } }));

            const error = await rejectionOf(run());

            expect(error.name).to.equal("PipelineNotFoundError");
            expect(error.message).to.include("(every parameter was set back to its value before the run)");
            expect(parameterWrites(aws)).to.have.length(6);
        });

        describe("a start whose outcome is unknown (a timeout or a server error after CodePipeline may have accepted it)", () => {
            const unknownOutcome = () => serviceError(new CodePipelineServiceException({ name: "InternalFailure", $fault: "server", message: "We encountered an internal error", $metadata: {} }), 500);

            it("asks CodePipeline first, and keeps every parameter when the execution did start", async () => {
                const store = serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
                servePipeline(aws, { executions: [[pipelineExecution("execution-started-anyway", new Date(), { startedBy: RESTORE_FUNCTION_NAME })]] });
                aws.codePipeline.on(StartPipelineExecutionCommand).rejects(unknownOutcome());

                const summary = await run();

                expect(summary).to.deep.include({ outcome: "restored", executionId: "execution-started-anyway" });
                expect(store.get(PARAMETER.documentDbCurrent)).to.equal(arnOf(newCopy));
                expect(parameterWrites(aws)).to.have.length(3);
                expect(logger.only("pipeline start answered with an error, but the execution started")).to.deep.include({
                    level: "WARN", executionId: "execution-started-anyway",
                });
            });

            it("keeps the parameters and fails as TransientAwsError when no execution shows yet: the retry starts with the same token", async () => {
                const store = serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
                servePipeline(aws, {
                    executions: [[
                        pipelineExecution("execution-by-someone", new Date(), { startedBy: "alice" }),
                        pipelineExecution("execution-by-push", new Date(), { type: "CloudWatchEvent", startedBy: RESTORE_FUNCTION_NAME }),
                        pipelineExecution("execution-of-last-cycle", new Date(Date.now() - 3_600_000), { startedBy: RESTORE_FUNCTION_NAME }),
                    ]],
                });
                aws.codePipeline.on(StartPipelineExecutionCommand).rejects(unknownOutcome());

                const error = await rejectionOf(run());

                expect(error.name).to.equal("TransientAwsError");
                expect(error.message).to.include("failed without saying whether it started").and.to.include("The parameters stay as written");
                expect(store.get(PARAMETER.documentDbCurrent)).to.equal(arnOf(newCopy));

                // The retry writes nothing more and starts with the same token: CodePipeline starts it once.
                const token = pipelineStarts()[0].clientRequestToken;
                aws.codePipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: "execution-on-retry" });
                const summary = await run();
                expect(summary).to.deep.include({ outcome: "restored", executionId: "execution-on-retry" });
                expect(parameterWrites(aws)).to.have.length(3);
                expect(pipelineStarts().map((start) => start.clientRequestToken)).to.deep.equal([token, token]);
            });

            it("finds an execution an earlier attempt started although the last attempt was refused", async () => {
                const store = serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
                servePipeline(aws, { executions: [[pipelineExecution("execution-of-an-earlier-attempt", new Date(), { startedBy: RESTORE_FUNCTION_NAME })]] });
                aws.codePipeline.on(StartPipelineExecutionCommand).rejects(serviceError(new CodePipelineServiceException({ name: "ThrottlingException", $fault: "client", message: "Rate exceeded", $metadata: {} }), 400));

                const summary = await run();

                expect(summary.executionId).to.equal("execution-of-an-earlier-attempt");
                expect(store.get(PARAMETER.documentDbCurrent)).to.equal(arnOf(newCopy));
            });

            it("leaves the parameters as written, and says what to check, when even that cannot be known", async () => {
                const store = serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
                servePipeline(aws);
                aws.codePipeline.on(StartPipelineExecutionCommand).rejects(unknownOutcome());
                aws.codePipeline.on(ListPipelineExecutionsCommand, { pipelineName: PIPELINE_NAME, maxResults: 1 }).resolves({ pipelineExecutionSummaries: [] })
                    .on(ListPipelineExecutionsCommand, { pipelineName: PIPELINE_NAME, maxResults: 25 }).rejects(unknownOutcome());

                const error = await rejectionOf(run());

                expect(error.name).to.equal("RestoreAbortedError");
                expect(error.message).to.include("so whether it started is unknown").and.to.include("The parameters were left as written");
                expect(store.get(PARAMETER.documentDbCurrent)).to.equal(arnOf(newCopy));
            });
        });
    });

    describe("the idempotency token", () => {
        async function tokenOf(invocation: RestoreInvocation): Promise<string> {
            aws.reset();
            serveSnapshots(newCopy);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
            await run(refreshSettings(), invocation);
            const starts = pipelineStarts();
            expect(starts).to.have.length(1);
            return starts[0].clientRequestToken!;
        }

        it("is the same for the same cycle, pipeline and snapshots, and differs for another cycle", async () => {
            const first = await tokenOf(restoreInvocation({ cycleName: "cycle-2024-05-06" }));
            const retried = await tokenOf(restoreInvocation({ cycleName: "cycle-2024-05-06" }));
            const nextCycle = await tokenOf(restoreInvocation({ cycleName: "cycle-2024-05-20" }));

            expect(retried).to.equal(first);
            expect(nextCycle).not.to.equal(first);
        });
    });
});
