import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { CopyDBClusterSnapshotCommand as CopyDocDbSnapshot } from "@aws-sdk/client-docdb";
import { GetParametersCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { pauseCommands } from "../../../handlers/pause";
import { RestoreInvocation, restoreSnapshots } from "../../../handlers/refresh/restore";
import { RefreshSettings } from "../../../handlers/refresh/settings";
import { updateLatestSnapshots } from "../../../handlers/refresh/update-latest";
import {
    arnOf,
    AwsMocks,
    copyOf,
    INSTANCE_NAME,
    mockAws,
    PARAMETER,
    parameterWrites,
    recordingLogger,
    refreshSettings,
    restoreDependencies,
    restoreInvocation,
    serveAuroraSnapshots,
    serveDocumentDbSnapshots,
    serveParameters,
    servePipeline,
    sharedSnapshot,
    updateDependencies,
} from "../support";

const aurora = sharedSnapshot({ name: "orders-2024-05-05", createdAt: "2024-05-05T03:00:00Z" });
const documentDb = sharedSnapshot({ name: "catalog-2024-05-05", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z" });
const documentDbCopy = copyOf(documentDb, "documentdb");
const RESUME = pauseCommands(INSTANCE_NAME).resume;

describe("pausing an instance", () => {
    let aws: AwsMocks;
    beforeEach(() => {
        aws = mockAws();
        serveAuroraSnapshots(aws, { shared: [[aurora]] });
        serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[documentDbCopy]] });
        servePipeline(aws);
    });
    afterEach(() => aws.restore());

    /** The pause parameter holds `pause`, or does not exist when it is undefined. */
    const pauseWith = (pause: string | undefined) => serveParameters(aws, pause === undefined ? {} : { [PARAMETER.pause]: pause });
    const restore = (settings: RefreshSettings = refreshSettings(), invocation: Partial<RestoreInvocation> = {}) =>
        restoreSnapshots(settings, restoreInvocation(invocation), restoreDependencies(recordingLogger().log));
    const pipelineStarts = () => aws.codePipeline.commandCalls(StartPipelineExecutionCommand);
    const expectNothingDone = () => {
        expect(aws.ssm.commandCalls(PutParameterCommand), "parameter writes").to.have.length(0);
        expect(pipelineStarts(), "pipeline starts").to.have.length(0);
        expect(aws.codePipeline.calls(), "pipeline calls").to.have.length(0);
        expect(aws.docdb.commandCalls(CopyDocDbSnapshot), "copies").to.have.length(0);
    };

    describe("db-restore-from-snapshot", () => {
        it("changes nothing and starts nothing while paused indefinitely, saying how to resume", async () => {
            pauseWith("indefinitely");

            const summary = await restore();

            expectNothingDone();
            expect(summary).to.deep.include({ outcome: "paused", paused: `paused indefinitely by ${PARAMETER.pause}; to resume: ${RESUME}` });
            expect(summary.engines.map((engine) => engine.restoredFrom)).to.deep.equal([undefined, undefined]);
        });

        it("stays paused until the time the parameter names", async () => {
            pauseWith("2024-05-07T06:00:00Z");

            const summary = await restore();

            expectNothingDone();
            expect(summary).to.deep.include({
                outcome: "paused",
                paused: `paused until 2024-05-07T06:00:00.000Z by ${PARAMETER.pause}; to resume now: ${RESUME}`,
            });
        });

        it("restores once that time has passed, and says the pause ended", async () => {
            pauseWith("2024-05-06T00:00:00Z");

            const summary = await restore();

            expect(summary).to.deep.include({ outcome: "restored", pauseEnded: `the pause by ${PARAMETER.pause} ended at 2024-05-06T00:00:00.000Z` });
            expect(summary.paused).to.equal(undefined);
            expect(pipelineStarts()).to.have.length(1);
        });

        it("stays paused on a value it cannot read: a mistyped end must not end a freeze", async () => {
            pauseWith("next tuesday");

            const summary = await restore();

            expectNothingDone();
            expect(summary.outcome).to.equal("paused");
            expect(summary.paused).to.equal(
                `paused: ${PARAMETER.pause} is "next tuesday", which is not none, indefinitely or a time such as 2027-01-04T06:00:00Z; to resume: ${RESUME}`,
            );
        });

        it("is paused by the stack configuration, whatever the parameter says", async () => {
            pauseWith("none");

            const summary = await restore(refreshSettings({ paused: true }));

            expectNothingDone();
            expect(summary.outcome).to.equal("paused");
            expect(summary.paused).to.include("snapshot-refresh:paused is true").and.to.include("pulumi config set snapshot-refresh:paused false");
        });

        it("is not paused when the parameter says none, or does not exist (a stack deployed before pausing), reading it with the others", async () => {
            for (const pause of ["none", undefined]) {
                aws.ssm.reset();
                pauseWith(pause);

                const summary = await restore();

                expect(summary.outcome).to.equal("restored");
                expect(summary).not.to.have.any.keys("paused", "pauseEnded");
                const reads = aws.ssm.commandCalls(GetParametersCommand).map((call) => call.args[0].input.Names);
                expect(reads).to.have.length(1);
                expect(reads[0]).to.include(PARAMETER.pause).and.to.include(PARAMETER.pipeline);
            }
        });

        it("restores no chosen snapshot while paused", async () => {
            pauseWith("indefinitely");

            const summary = await restore(refreshSettings(), { chosen: { aurora: arnOf(aurora) } });

            expectNothingDone();
            expect(summary.outcome).to.equal("paused");
        });

        it("in a dry run, still reports what it would do, and that a run now would do nothing", async () => {
            pauseWith("indefinitely");

            const summary = await restore(refreshSettings(), { dryRun: true });

            expect(parameterWrites(aws)).to.deep.equal([]);
            expect(pipelineStarts()).to.have.length(0);
            const reason = `paused indefinitely by ${PARAMETER.pause}; to resume: ${RESUME}`;
            expect(summary).to.deep.include({ outcome: "dry-run", paused: reason });
            expect(summary.wouldDo?.[0]).to.equal(`A run now would change nothing and start nothing: ${reason}. Once resumed, it would do what follows.`);
            expect(summary.engines[0].wouldRestoreFrom).to.equal(arnOf(aurora));
        });
    });

    describe("db-update-latest-snapshot-id", () => {
        const update = (settings: RefreshSettings = refreshSettings()) =>
            updateLatestSnapshots(settings, updateDependencies(recordingLogger().log), { dryRun: false, now: new Date("2024-05-06T04:00:00Z") });

        it("keeps moving latest while paused, which nothing restores from, and says it is paused", async () => {
            pauseWith("indefinitely");

            const summary = await update();

            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraLatest, arnOf(aurora)],
                [PARAMETER.documentDbLatest, arnOf(documentDbCopy)],
            ]);
            expect(summary).to.deep.include({ outcome: "updated", paused: `paused indefinitely by ${PARAMETER.pause}; to resume: ${RESUME}` });
        });

        it("says when a pause has ended", async () => {
            pauseWith("2024-05-05");

            const summary = await update();

            expect(summary.pauseEnded).to.equal(`the pause by ${PARAMETER.pause} ended at 2024-05-05T00:00:00.000Z`);
            expect(summary.paused).to.equal(undefined);
        });
    });
});
