import { CopyDBClusterSnapshotCommand } from "@aws-sdk/client-docdb";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { expect } from "chai";
import { CycleGate } from "../../handlers/cycle";
import { InvocationEvent, LambdaContext } from "../../handlers/lambda";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../handlers/settings";
import {
    arnOf,
    AwsMocks,
    copyIdentifierOf,
    copyOf,
    mockAws,
    PARAMETER,
    parameterWrites,
    refreshSettings,
    rejectionOf,
    serveAuroraSnapshots,
    serveDocumentDbSnapshots,
    serveParameters,
    servePipeline,
    sharedSnapshot,
    SOURCE_ACCOUNT,
    TARGET_ACCOUNT,
} from "./support";

/** A Lambda handler as `CallbackFunction` exports it. */
export type Handler = (event: InvocationEvent, context: LambdaContext) => Promise<unknown>;

export interface HandlerFactories {
    update: () => Handler;
    restore: () => Handler;
}

/** Every 2 weeks on Sunday at 02:00 UTC, as the component plans it: 2024-05-12 is a cycle day, 2024-05-05 is not. */
const UPDATE_GATE: CycleGate = {
    kind: "update", timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00", updateTime: "02:00",
    dayOffset: 0, windowMinutes: 0, recheckMinutes: 0,
};
const RESTORE_GATE: CycleGate = { ...UPDATE_GATE, kind: "restore", localTime: "04:00", windowMinutes: 120, recheckMinutes: 15 };

const aurora = sharedSnapshot({ name: "orders-2024-05-11", createdAt: "2024-05-11T03:00:00Z" });
const documentDb = sharedSnapshot({ name: "catalog-2024-05-11", engine: "documentdb", createdAt: "2024-05-11T03:00:00Z" });

function contextIn(account: string): LambdaContext {
    return {
        invokedFunctionArn: `arn:aws:lambda:eu-west-1:${account}:function:snapshot-refresh-function`,
        functionName: "snapshot-refresh-function",
        awsRequestId: "8f5e0c1a-request",
    };
}

/**
 * What the functions do when Lambda invokes them: the same scenarios run against the handlers as written and
 * against the code Pulumi serializes for upload, so the two cannot drift apart.
 */
export function describeHandlerScenarios(factories: HandlerFactories): void {
    let aws: AwsMocks;
    /** What the functions handed the console: in Lambda, their log. */
    let logLines: Record<string, unknown>[];
    const consoleMethods = { info: console.info, warn: console.warn, error: console.error };
    beforeEach(() => {
        aws = mockAws();
        process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(refreshSettings());
        logLines = [];
        for (const level of ["info", "warn", "error"] as const) {
            // Anything else on the console (a Node or SDK warning) is not the functions' log: let it through.
            console[level] = (entry: unknown, ...rest: unknown[]) =>
                typeof entry === "object" && entry !== null && "event" in entry
                    ? logLines.push({ level: level.toUpperCase(), ...entry })
                    : consoleMethods[level](entry, ...rest);
        }
    });
    afterEach(() => {
        Object.assign(console, consoleMethods);
        aws.restore();
        delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
    });

    describe("db-update-latest-snapshot-id", () => {
        it("runs a normal update for an empty event, as `aws lambda invoke` sends it", async () => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[]] });
            aws.docdb.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: copyOf(documentDb, "documentdb", "copying") });
            serveParameters(aws);

            const result = await factories.update()({}, contextIn(TARGET_ACCOUNT));

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(aurora)]]);
            expect(aws.docdb.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input.TargetDBClusterSnapshotIdentifier))
                .to.deep.equal([copyIdentifierOf("documentdb", documentDb)]);
            expect(result).to.have.nested.property("engines[1].copy.outcome", "started");
            expect(logLines.map((line) => [line.level, line.event, line.function, line.requestId])).to.deep.equal([
                ["INFO", "update summary", "db-update-latest-snapshot-id", "8f5e0c1a-request"],
            ]);
        });

        it("does nothing at all on a scheduled firing outside a cycle", async () => {
            const result = await factories.update()({ scheduledTime: "2024-05-05T02:00:00Z", gate: UPDATE_GATE }, contextIn(TARGET_ACCOUNT));

            expect(result).to.deep.include({ outcome: "skipped" });
            expect(logLines).to.have.length(1);
            expect(logLines[0].reason).to.equal("2024-05-05 is not a cycle week: 1 week after the last cycle on 2024-04-28");
            for (const mock of [aws.rds, aws.docdb, aws.ssm, aws.codePipeline]) expect(mock.calls()).to.have.length(0);
        });

        it("runs on the firing of a cycle day", async () => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copyOf(documentDb, "documentdb")]] });
            serveParameters(aws);

            await factories.update()({ scheduledTime: "2024-05-12T02:00:00Z", gate: UPDATE_GATE }, contextIn(TARGET_ACCOUNT));

            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraLatest, arnOf(aurora)],
                [PARAMETER.documentDbLatest, arnOf(copyOf(documentDb, "documentdb"))],
            ]);
        });

        it("fails with what to do when the function was not deployed with its settings", async () => {
            delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            const error = await rejectionOf(factories.update()({}, contextIn(TARGET_ACCOUNT)));
            expect(error.message).to.contain(`${SETTINGS_ENVIRONMENT_VARIABLE} is not set`).and.to.contain("pulumi up");
        });
    });

    describe("db-restore-from-snapshot", () => {
        it("restores now for an empty event and starts the pipeline once", async () => {
            const copy = copyOf(documentDb, "documentdb");
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copy]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(aurora), [PARAMETER.documentDbLatest]: arnOf(copy) });
            servePipeline(aws, { startedExecutionId: "execution-7" });

            const result = await factories.restore()({}, contextIn(TARGET_ACCOUNT));

            expect(result).to.deep.include({ outcome: "restored", executionId: "execution-7" });
            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(aurora)],
                [PARAMETER.documentDbCurrent, arnOf(copy)],
            ]);
            expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand)).to.have.length(1);
        });

        it("refuses to run in the source account, reading the account from the invoked function's ARN", async () => {
            const error = await rejectionOf(factories.restore()({}, contextIn(SOURCE_ACCOUNT)));

            expect(error.name).to.equal("SourceAccountRefusedError");
            for (const mock of [aws.rds, aws.docdb, aws.ssm, aws.codePipeline]) expect(mock.calls()).to.have.length(0);
        });

        it("waits on the window's first attempt while the newest copy is still in progress", async () => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copyOf(documentDb, "documentdb", "copying")]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(aurora) });
            servePipeline(aws);

            const result = await factories.restore()({ scheduledTime: "2024-05-12T04:00:00Z", gate: RESTORE_GATE }, contextIn(TARGET_ACCOUNT));

            expect(result).to.deep.include({ outcome: "waiting" });
            expect(parameterWrites(aws)).to.deep.equal([]);
            expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand)).to.have.length(0);
        });

        it("gives up on the window's last attempt and changes nothing", async () => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copyOf(documentDb, "documentdb", "copying")]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(aurora) });
            servePipeline(aws);

            const error = await rejectionOf(
                factories.restore()({ scheduledTime: "2024-05-12T05:45:00Z", gate: RESTORE_GATE }, contextIn(TARGET_ACCOUNT)),
            );

            expect(error.name).to.equal("CopyNotReadyError");
            expect(error.message).to.contain("still in progress when the restore window ended");
            expect(parameterWrites(aws)).to.deep.equal([]);
        });
    });
}
