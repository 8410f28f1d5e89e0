import {
    ConcurrentPipelineExecutionsLimitExceededException,
    ListPipelineExecutionsCommand,
    PipelineNotFoundException,
    StartPipelineExecutionCommand,
} from "@aws-sdk/client-codepipeline";
import { CopyDBClusterSnapshotCommand, SnapshotQuotaExceededFault } from "@aws-sdk/client-docdb";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { restoreFromLatest, RestoreInvocation, RestoreSummary } from "../../handlers/restore";
import { RefreshSettings } from "../../handlers/settings";
import {
    arnOf,
    auroraSettings,
    AwsMocks,
    copyOf,
    CYCLE_START,
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
    WINDOW_START,
} from "./support";

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

/** What the update left behind before the newest DocumentDB copy finished; the last restore used the older copies. */
const PARAMETERS_BEFORE_NEW_COPY = {
    [PARAMETER.auroraLatest]: arnOf(auroraNew),
    [PARAMETER.auroraCurrent]: arnOf(auroraOld),
    [PARAMETER.documentDbLatest]: arnOf(oldCopy),
    [PARAMETER.documentDbCurrent]: arnOf(olderCopy),
};

describe("restoreFromLatest", () => {
    let aws: AwsMocks;
    let logger: RecordingLogger;
    beforeEach(() => {
        aws = mockAws();
        logger = recordingLogger();
    });
    afterEach(() => aws.restore());

    const run = (settings: RefreshSettings = refreshSettings(), invocation: RestoreInvocation = restoreInvocation()) =>
        restoreFromLatest(settings, invocation, restoreDependencies(logger.log));
    const pipelineStarts = () => aws.codePipeline.commandCalls(StartPipelineExecutionCommand).map((call) => call.args[0].input);

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
            pipelineName: PIPELINE_NAME,
            executionId: "execution-42",
            engines: [
                { engine: "aurora", latestBefore: arnOf(auroraNew), currentBefore: arnOf(auroraOld), restoredFrom: arnOf(auroraNew), warning: undefined },
                { engine: "documentdb", latestBefore: arnOf(newCopy), currentBefore: arnOf(olderCopy), restoredFrom: arnOf(newCopy), warning: undefined },
            ],
        };
        expect(summary).to.deep.equal(expected);
        // The log line is JSON, which leaves out the fields that are undefined.
        expect(logger.only("restore summary").summary).to.deep.equal(JSON.parse(JSON.stringify(expected)));
    });

    it("restores what latest names again when nothing of its source clusters is shared, with a warning", async () => {
        serveAuroraSnapshots(aws, { shared: [[auroraNew, auroraOld]] });
        serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(auroraNew), [PARAMETER.auroraCurrent]: arnOf(auroraOld) });
        servePipeline(aws);

        const summary = await run(refreshSettings({ engines: [auroraSettings({ sourceClusters: ["billing"] })] }));

        expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraCurrent, arnOf(auroraNew)]]);
        expect(summary.engines[0].warning).to.equal(`no aurora snapshot is shared by the source account; restoring ${arnOf(auroraNew)} again`);
    });

    describe("a copy still in progress", () => {
        beforeEach(() => {
            serveSnapshots(newCopyInProgress);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
        });

        it("waits for it when a later attempt will come, writing nothing and starting nothing", async () => {
            const summary = await run();

            expect(summary.outcome).to.equal("waiting");
            expect(summary.executionId).to.equal(undefined);
            expect(summary.engines[1].waitingFor).to.equal(identifierOf(newCopyInProgress));
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
        });

        it("fails with CopyNotReadyError on the last attempt under the fail policy, writing nothing", async () => {
            const error = await rejectionOf(run(refreshSettings({ whenCopyNotReady: "fail" }), restoreInvocation({ lastAttempt: true })));

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.equal(
                "nothing was restored and no parameter was changed: documentdb: the copy " +
                `${identifierOf(newCopyInProgress)} was still in progress when the restore window ended. ` +
                "To restore the newest available older copy instead, set whenCopyNotReady to restore-available.",
            );
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
        });

        it("restores the newest available older copy on the last attempt under restore-available, with a warning", async () => {
            const summary = await run(refreshSettings({ whenCopyNotReady: "restore-available" }), restoreInvocation({ lastAttempt: true }));

            expect(summary.outcome).to.equal("restored");
            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(auroraNew)],
                [PARAMETER.documentDbCurrent, arnOf(oldCopy)],
            ]);
            expect(summary.engines[1].restoredFrom).to.equal(arnOf(oldCopy));
            expect(summary.engines[1].warning).to.equal(
                `the copy ${identifierOf(newCopyInProgress)} was still in progress when the restore window ended; ` +
                `restoring the older ${arnOf(oldCopy)} (whenCopyNotReady: restore-available)`,
            );
            expect(pipelineStarts()).to.have.length(1);
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
        const copyStarts = () => aws.docdb.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input);

        it("starts the copy and waits for it while later attempts will come, writing nothing", async () => {
            aws.docdb.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: newCopyInProgress });

            const summary = await run();

            expect(summary.outcome).to.equal("waiting");
            expect(copyStarts().map((input) => [input.SourceDBClusterSnapshotIdentifier, input.TargetDBClusterSnapshotIdentifier]))
                .to.deep.equal([[arnOf(documentDbNew), identifierOf(newCopy)]]);
            expect(summary.engines[1]).to.deep.include({ waitingFor: identifierOf(newCopy), copyStarted: identifierOf(newCopy) });
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
        });

        it("fails saying why when the copy cannot be started, writing nothing", async () => {
            aws.docdb.on(CopyDBClusterSnapshotCommand).rejects(
                new SnapshotQuotaExceededFault({ message: "Cannot create more than 100 manual snapshots", $metadata: {} }),
            );

            const error = await rejectionOf(run());

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.include(
                `documentdb: the copy ${identifierOf(newCopy)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} ` +
                "does not exist and could not be started: SnapshotQuotaError: cannot copy",
            );
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
        });

        it("on the window's last attempt starts nothing, explains what latest names, and writes nothing", async () => {
            const error = await rejectionOf(run(refreshSettings(), restoreInvocation({ lastAttempt: true })));

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.include(
                `documentdb: the copy ${identifierOf(newCopy)} of the cycle's newest shared snapshot ${arnOf(documentDbNew)} ` +
                `does not exist, and no later attempt in this window could wait for one (latest names ${arnOf(newCopy)}, which no longer exists)`,
            );
            expect(copyStarts()).to.deep.equal([]);
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
        });
    });

    describe("the pipeline", () => {
        it("fails with PipelineNotFoundError before writing anything when the pipeline does not exist", async () => {
            serveSnapshots(newCopy);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            aws.codePipeline.on(ListPipelineExecutionsCommand).rejects(
                new PipelineNotFoundException({ message: `The account with id '${TARGET_ACCOUNT}' does not include a pipeline with the name ${PIPELINE_NAME}`, $metadata: {} }),
            );

            const error = await rejectionOf(run());

            expect(error.name).to.equal("PipelineNotFoundError");
            expect(error.message).to.include(`pipeline "${PIPELINE_NAME}" (the name the pipeline parameter holds) does not exist`);
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
        });

        it("sets every written parameter back, newest write first, when the pipeline does not start", async () => {
            serveSnapshots(newCopy);
            const store = serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
            aws.codePipeline.on(StartPipelineExecutionCommand).rejects(
                new ConcurrentPipelineExecutionsLimitExceededException({ message: "too many executions", $metadata: {} }),
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
        });

        it("keeps the pipeline's error name when the start fails for a known reason", async () => {
            serveSnapshots(newCopy);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws);
            aws.codePipeline.on(StartPipelineExecutionCommand).rejects(new PipelineNotFoundException({ message: "deleted meanwhile", $metadata: {} }));

            const error = await rejectionOf(run());

            expect(error.name).to.equal("PipelineNotFoundError");
            expect(error.message).to.include("(every parameter was set back to its value before the run)");
            expect(parameterWrites(aws)).to.have.length(6);
        });

        it("does nothing when this function already started the pipeline in this window", async () => {
            serveSnapshots(newCopy);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws, {
                executions: [[
                    pipelineExecution("execution-by-someone", new Date(WINDOW_START.getTime() + 1_800_000), { startedBy: "alice" }),
                    pipelineExecution("execution-of-this-cycle", WINDOW_START, { startedBy: RESTORE_FUNCTION_NAME }),
                ]],
            });

            const summary = await run();

            expect(summary.outcome).to.equal("already-restored");
            expect(summary.executionId).to.equal("execution-of-this-cycle");
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(pipelineStarts()).to.deep.equal([]);
            expect(aws.rds.calls()).to.have.length(0);
            expect(aws.docdb.calls()).to.have.length(0);
        });

        it("does not count executions started by someone else, another way, or before the window", async () => {
            serveSnapshots(newCopy);
            serveParameters(aws, PARAMETERS_BEFORE_NEW_COPY);
            servePipeline(aws, {
                executions: [
                    [
                        pipelineExecution("execution-by-someone", new Date(WINDOW_START.getTime() + 1_800_000), { startedBy: "alice" }),
                        pipelineExecution("execution-by-push", new Date(WINDOW_START.getTime() + 600_000), {
                            type: "CloudWatchEvent",
                            startedBy: RESTORE_FUNCTION_NAME,
                        }),
                    ],
                    [
                        pipelineExecution("execution-of-last-cycle", new Date(WINDOW_START.getTime() - 1_000), { startedBy: RESTORE_FUNCTION_NAME }),
                    ],
                ],
            });

            const summary = await run();

            expect(summary.outcome).to.equal("restored");
            expect(summary.executionId).to.equal("execution-1");
            expect(pipelineStarts()).to.have.length(1);
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
            const first = await tokenOf(restoreInvocation({ cycleId: "2024-05-06" }));
            const retried = await tokenOf(restoreInvocation({ cycleId: "2024-05-06" }));
            const nextCycle = await tokenOf(restoreInvocation({ cycleId: "2024-05-13" }));

            expect(retried).to.equal(first);
            expect(nextCycle).not.to.equal(first);
        });
    });
});
