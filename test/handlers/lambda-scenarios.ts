import { CopyDBClusterSnapshotCommand } from "@aws-sdk/client-docdb";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { ExecutionAlreadyExists, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { expect } from "chai";
import { CycleGate } from "../../handlers/cycle-gate";
import { LambdaContext } from "../../handlers/lambda";
import { SETTINGS_ENVIRONMENT_VARIABLE, StarterSettings } from "../../handlers/settings";
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
export type Handler = (event: never, context: LambdaContext) => Promise<unknown>;

export interface HandlerFactories {
    update: () => Handler;
    restore: () => Handler;
    starter: () => Handler;
}

/** Every 2 weeks on Sunday at 02:00 UTC, as the component plans it: 2024-05-12 is a cycle day, 2024-05-05 is not. */
const GATE: CycleGate = { timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00" };
const STATE_MACHINE_ARN = `arn:aws:states:eu-west-1:${TARGET_ACCOUNT}:stateMachine:snapshot-refresh-refresh-cycle`;
const STARTER_SETTINGS: StarterSettings = { instanceName: "snapshot-refresh", stateMachineArn: STATE_MACHINE_ARN, cycleLabel: "refresh cycle", executionNamePrefix: "cycle" };

const aurora = sharedSnapshot({ name: "orders-2024-05-11", createdAt: "2024-05-11T03:00:00Z" });
const documentDb = sharedSnapshot({ name: "catalog-2024-05-11", engine: "documentdb", createdAt: "2024-05-11T03:00:00Z" });

function contextIn(account: string): LambdaContext {
    return {
        invokedFunctionArn: `arn:aws:lambda:eu-west-1:${account}:function:snapshot-refresh-function`,
        functionName: "snapshot-refresh-function",
        awsRequestId: "8f5e0c1a-request",
    };
}

/** What the refresh cycle's state machine passes its Task states: the execution's name and start. */
function cycleInput(startedAt: Date) {
    return { cycle: { name: "cycle-2024-05-12", startedAt: startedAt.toISOString() } };
}

/**
 * What the functions do when Lambda invokes them: the same scenarios run against the handlers as written and
 * against the archives Pulumi builds for upload, so the two cannot drift apart.
 */
export function describeHandlerScenarios(factories: HandlerFactories): void {
    let aws: AwsMocks;
    /** What the functions handed the console: in Lambda, their log. */
    let logLines: Record<string, unknown>[];
    const consoleMethods = { info: console.info, warn: console.warn, error: console.error };
    const invoke = (factory: () => Handler, event: unknown, account = TARGET_ACCOUNT) => factory()(event as never, contextIn(account));
    const noAwsCalls = () => {
        for (const mock of [aws.rds, aws.docdb, aws.ssm, aws.codePipeline, aws.sfn]) expect(mock.calls()).to.have.length(0);
    };
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
        beforeEach(() => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[]] });
            aws.docdb.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: copyOf(documentDb, "documentdb", "copying") });
            serveParameters(aws);
        });

        it("runs now for an empty event, as `aws lambda invoke` sends it", async () => {
            const result = await invoke(factories.update, {});

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(aurora)]]);
            expect(aws.docdb.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input.TargetDBClusterSnapshotIdentifier))
                .to.deep.equal([copyIdentifierOf("documentdb", documentDb)]);
            expect(result).to.have.nested.property("engines[1].copy.outcome", "started");
            expect(logLines.map((line) => [line.level, line.event, line.function, line.requestId])).to.deep.equal([
                ["INFO", "update summary", "db-update-latest-snapshot-id", "8f5e0c1a-request"],
            ]);
        });

        it("runs for the state machine's input, naming the cycle on its log line", async () => {
            await invoke(factories.update, cycleInput(new Date()));

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(aurora)]]);
            expect(logLines.map((line) => [line.event, line.cycle])).to.deep.equal([["update summary", "cycle-2024-05-12"]]);
        });

        it("refuses any other input before touching AWS, listing the accepted forms", async () => {
            const error = await rejectionOf(invoke(factories.update, { runNow: true }));

            expect(error.name).to.equal("InvalidRequestError");
            expect(error.message).to.equal(
                'db-update-latest-snapshot-id cannot run {"runNow":true}: "runNow" is not a field it knows. It accepts {} (run now, outside any cycle) ' +
                'or {"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}} (what the refresh cycle\'s state machine passes).',
            );
            noAwsCalls();
        });

        it("fails with what to do when the function was not deployed with its settings", async () => {
            delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            const error = await rejectionOf(invoke(factories.update, {}));
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

            const result = await invoke(factories.restore, {});

            expect(result).to.deep.include({ outcome: "restored", executionId: "execution-7" });
            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(aurora)],
                [PARAMETER.documentDbCurrent, arnOf(copy)],
            ]);
            expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand)).to.have.length(1);
        });

        it("refuses to run in the source account, reading the account from the invoked function's ARN", async () => {
            const error = await rejectionOf(invoke(factories.restore, {}, SOURCE_ACCOUNT));

            expect(error.name).to.equal("SourceAccountRefusedError");
            noAwsCalls();
        });

        describe("while the newest copy is still in progress", () => {
            beforeEach(() => {
                serveAuroraSnapshots(aws, { shared: [[aurora]] });
                serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copyOf(documentDb, "documentdb", "copying")]] });
                serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(aurora) });
                servePipeline(aws);
            });

            it("tells the cycle when to check again, within its maintenance window", async () => {
                const startedAt = new Date(Date.now() - 5 * 60_000);
                const before = Date.now();

                const result = await invoke(factories.restore, cycleInput(startedAt)) as { outcome: string; nextCheckAt: string };

                expect(result.outcome).to.equal("waiting");
                // copyRecheckMinutes (10) after this check.
                expect(Date.parse(result.nextCheckAt) - before).to.be.within(10 * 60_000 - 1_000, 10 * 60_000 + 5_000);
                expect(parameterWrites(aws)).to.deep.equal([]);
            });

            it("decides at once in a cycle whose maintenance window is 0 minutes", async () => {
                process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(refreshSettings({ maintenanceWindowMinutes: 0 }));

                const error = await rejectionOf(invoke(factories.restore, cycleInput(new Date())));

                expect(error.name).to.equal("CopyNotReadyError");
                expect(parameterWrites(aws)).to.deep.equal([]);
            });

            it("decides at once when invoked by hand, since nothing will check again", async () => {
                const error = await rejectionOf(invoke(factories.restore, {}));

                expect(error.name).to.equal("CopyNotReadyError");
                expect(parameterWrites(aws)).to.deep.equal([]);
            });
        });
    });

    describe("the refresh cycle starter", () => {
        beforeEach(() => {
            process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(STARTER_SETTINGS);
        });

        it("starts the cycle's execution, named after its date, on a firing of a cycle day", async () => {
            aws.sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:cycle-2024-05-12`, startDate: new Date() });

            const result = await invoke(factories.starter, { scheduledTime: "2024-05-12T02:00:00Z", gate: GATE });

            expect(aws.sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input)).to.deep.equal([
                { stateMachineArn: STATE_MACHINE_ARN, name: "cycle-2024-05-12", input: "{}" },
            ]);
            expect(result).to.deep.include({ outcome: "started", cycle: "cycle-2024-05-12" });
            expect(logLines.map((line) => [line.level, line.event, line.function])).to.deep.equal([["INFO", "refresh cycle", "start-refresh-cycle"]]);
        });

        it("starts nothing on a firing outside a cycle, and logs one line saying when the next cycle is", async () => {
            const result = await invoke(factories.starter, { scheduledTime: "2024-05-05T02:00:00Z", gate: GATE });

            expect(result).to.deep.equal({
                outcome: "not-a-cycle",
                reason: "2024-05-05 is not a cycle week: 1 week after the last cycle on 2024-04-28",
                nextCycle: "2024-05-12 02:00 UTC",
            });
            expect(logLines.map((line) => line.event)).to.deep.equal(["not a refresh cycle"]);
            noAwsCalls();
        });

        it("starts no second execution when the firing comes again: the name is taken", async () => {
            aws.sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists: 'cycle-2024-05-12'", $metadata: { httpStatusCode: 400 } }));

            const result = await invoke(factories.starter, { scheduledTime: "2024-05-12T02:00:00Z", gate: GATE });

            expect(result).to.deep.include({ outcome: "already-started", cycle: "cycle-2024-05-12" });
        });
    });
}
