import { CopyDBClusterSnapshotCommand } from "@aws-sdk/client-docdb";
import { StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { ExecutionAlreadyExists, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { expect } from "chai";
import { CycleGate } from "../../handlers/cycle-gate";
import { LambdaContext } from "../../handlers/lambda";
import { RestoreSummary } from "../../handlers/refresh/restore";
import { UpdateSummary } from "../../handlers/refresh/update-latest";
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
/** An older snapshot an operator may choose. */
const auroraOlder = sharedSnapshot({ name: "orders-2024-05-04", createdAt: "2024-05-04T03:00:00Z" });

function contextIn(account: string): LambdaContext {
    return {
        invokedFunctionArn: `arn:aws:lambda:eu-west-1:${account}:function:snapshot-refresh-function`,
        functionName: "snapshot-refresh-function",
        awsRequestId: "8f5e0c1a-request",
    };
}

/** What the refresh cycle's state machine passes its Task states: the execution's name and start, and its input. */
function cycleInput(startedAt: Date, request: unknown = {}) {
    return { cycle: { name: "cycle-2024-05-12", startedAt: startedAt.toISOString() }, request };
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

    /** The function's summary lines: one per run, whatever became of it. */
    const summaryLines = () => logLines.filter((line) => line.event === "run summary");
    /** The run's one summary line. */
    const summaryLine = () => {
        const lines = summaryLines();
        expect(lines, JSON.stringify(logLines)).to.have.length(1);
        return lines[0] as { level: string; outcome: string; paused?: string; error?: { name: string; message: string }; engines?: Record<string, Record<string, unknown>> };
    };
    const noChanges = () => {
        expect(parameterWrites(aws), "parameter writes").to.deep.equal([]);
        expect(aws.docdb.commandCalls(CopyDBClusterSnapshotCommand), "copies").to.have.length(0);
        expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand), "pipeline starts").to.have.length(0);
    };
    /** A refusal before the run touched AWS, with its one summary line. */
    async function refusal(factory: () => Handler, event: unknown): Promise<Error> {
        const error = await rejectionOf(invoke(factory, event));
        expect(error.name).to.equal("InvalidRequestError");
        noAwsCalls();
        expect(summaryLine()).to.deep.include({ level: "ERROR", outcome: "failed", error: { name: "InvalidRequestError", message: error.message } });
        return error;
    }

    describe("db-update-latest-snapshot-id", () => {
        beforeEach(() => {
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[]] });
            aws.docdb.on(CopyDBClusterSnapshotCommand).resolves({ DBClusterSnapshot: copyOf(documentDb, "documentdb", "copying") });
            serveParameters(aws);
        });

        // The archive's tests look for this title and the next: they run every scenario against the uploaded archives.
        it("runs now for an empty event, as `aws lambda invoke` sends it", async () => {
            const result = await invoke(factories.update, {});

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(aurora)]]);
            expect(aws.docdb.commandCalls(CopyDBClusterSnapshotCommand).map((call) => call.args[0].input.TargetDBClusterSnapshotIdentifier))
                .to.deep.equal([copyIdentifierOf("documentdb", documentDb)]);
            expect(result).to.deep.include({ outcome: "updated" });
            expect(result).to.have.nested.property("engines[1].copy.outcome", "started");
            expect(logLines.map((line) => [line.level, line.event, line.function, line.requestId])).to.deep.equal([
                ["INFO", "run summary", "db-update-latest-snapshot-id", "8f5e0c1a-request"],
            ]);
            expect(summaryLine()).to.deep.include({ outcome: "updated" });
            expect(summaryLine().engines?.aurora).to.deep.include({ latestAfter: arnOf(aurora) });
            expect(summaryLine().engines?.documentdb).to.deep.include({ copy: { identifier: copyIdentifierOf("documentdb", documentDb), outcome: "started" } });
        });

        it("runs for the state machine's input, naming the cycle on its log line", async () => {
            await invoke(factories.update, cycleInput(new Date()));

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(aurora)]]);
            expect(logLines.map((line) => [line.event, line.cycle])).to.deep.equal([["run summary", "cycle-2024-05-12"]]);
        });

        for (const [form, event] of [["directly", { dryRun: true }], ["from the state machine", cycleInput(new Date(), { dryRun: true })]] as const) {
            it(`changes nothing for a dry run given ${form}, and reports what it would do`, async () => {
                const result = await invoke(factories.update, event) as UpdateSummary;

                noChanges();
                expect(result.outcome).to.equal("dry-run");
                expect(result.engines[1].wouldStartCopy).to.equal(copyIdentifierOf("documentdb", documentDb));
                expect(summaryLine()).to.deep.include({ level: "INFO", outcome: "dry-run" });
            });
        }

        it("refuses any other input before touching AWS, listing the accepted forms", async () => {
            const error = await refusal(factories.update, { runNow: true });

            expect(error.message).to.equal(
                'db-update-latest-snapshot-id cannot run {"runNow":true}: "runNow" is not a field it knows. It accepts {} (run now), ' +
                '{"dryRun": true} (report what a run would do, changing nothing); from its state machine, {"cycle": {"name": "<execution name>", ' +
                '"startedAt": "<ISO 8601 time>"}, "request": <the execution\'s input, one of the forms above>} (what the refresh cycle\'s state machine passes).',
            );
        });

        it("refuses an execution input it does not know, as the state machine passes it", async () => {
            const error = await refusal(factories.update, cycleInput(new Date(), { dryrun: true }));

            expect(error.message).to.include('the execution\'s input has "dryrun", which is not a field it knows');
        });

        it("refuses a dryRun that is not true or false", async () => {
            const error = await refusal(factories.update, { dryRun: "yes" });

            expect(error.message).to.include('dryRun is "yes", not true or false');
        });

        for (const [form, event] of [["directly", { restore: { aurora: "orders-2024-05-11" } }], ["from the state machine", cycleInput(new Date(), { restore: { aurora: "orders-2024-05-11" } })]] as const) {
            it(`refuses chosen snapshots given ${form}, saying where they belong`, async () => {
                const error = await refusal(factories.update, event);

                expect(error.message).to.equal(
                    "db-update-latest-snapshot-id does not restore chosen snapshots (it would move latest, and restores nothing): give " +
                    '{"restore":{"aurora":"orders-2024-05-11"}} to db-restore-from-snapshot, or start the refresh cycle\'s execution with it as its ' +
                    "input, which skips this function. Nothing was changed.",
                );
            });
        }

        it("writes a failed run's summary line with what it did before failing", async () => {
            aws.docdb.on(CopyDBClusterSnapshotCommand).rejects(new Error("Copy refused"));

            const error = await rejectionOf(invoke(factories.update, {}));

            expect(error.name).to.equal("EnginesFailedError");
            const line = summaryLine();
            expect(line).to.deep.include({ level: "ERROR", outcome: "failed" });
            expect(line.error?.name).to.equal("EnginesFailedError");
            expect(line.engines?.aurora).to.deep.include({ latestAfter: arnOf(aurora) });
            expect(line.engines?.documentdb).to.deep.include({ error: "CopyFailedError: cannot copy " + arnOf(documentDb) + ` to ${copyIdentifierOf("documentdb", documentDb)}: Error: Copy refused` });
        });

        it("fails with what to do when the function was not deployed with its settings, and still writes its summary line", async () => {
            delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            const error = await rejectionOf(invoke(factories.update, {}));
            expect(error.message).to.contain(`${SETTINGS_ENVIRONMENT_VARIABLE} is not set`).and.to.contain("pulumi up");
            expect(summaryLine()).to.deep.include({ outcome: "failed", function: "db-update-latest-snapshot-id" });
            noAwsCalls();
        });
    });

    describe("db-restore-from-snapshot", () => {
        const copy = copyOf(documentDb, "documentdb");
        const serveReadyCycle = () => {
            serveAuroraSnapshots(aws, { shared: [[aurora, auroraOlder]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDb]], manual: [[copy]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(aurora), [PARAMETER.documentDbLatest]: arnOf(copy) });
            servePipeline(aws, { startedExecutionId: "execution-7" });
        };

        it("restores now for an empty event and starts the pipeline once", async () => {
            serveReadyCycle();

            const result = await invoke(factories.restore, {});

            expect(result).to.deep.include({ outcome: "restored", executionId: "execution-7" });
            expect(parameterWrites(aws)).to.deep.equal([
                [PARAMETER.auroraCurrent, arnOf(aurora)],
                [PARAMETER.documentDbCurrent, arnOf(copy)],
            ]);
            expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand)).to.have.length(1);
            const line = summaryLine();
            expect(line).to.deep.include({ level: "INFO", outcome: "restored", executionId: "execution-7", function: "db-restore-from-snapshot" });
            expect(line.engines?.aurora).to.deep.include({ restoredFrom: arnOf(aurora), takenAt: "2024-05-11T03:00:00.000Z" });
            expect(line.engines?.documentdb).to.deep.include({ restoredFrom: arnOf(copy), takenAt: "2024-05-11T03:00:00.000Z" });
        });

        for (const [form, event] of [["directly", { dryRun: true }], ["from the state machine", cycleInput(new Date(), { dryRun: true })]] as const) {
            it(`changes nothing for a dry run given ${form}, and reports what it would do`, async () => {
                serveReadyCycle();

                const result = await invoke(factories.restore, event) as RestoreSummary;

                noChanges();
                expect(result).to.deep.include({ outcome: "dry-run", wouldStartPipeline: "main-pipeline" });
                expect(result.engines[0].wouldRestoreFrom).to.equal(arnOf(aurora));
                expect(summaryLine()).to.deep.include({ outcome: "dry-run" });
            });
        }

        for (const [form, event] of [["directly", { restore: { aurora: arnOf(auroraOlder) } }], ["from the state machine", cycleInput(new Date(), { restore: { aurora: arnOf(auroraOlder) } })]] as const) {
            it(`restores chosen snapshots given ${form}, writing only their engines' current`, async () => {
                serveReadyCycle();

                const result = await invoke(factories.restore, event) as RestoreSummary;

                expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraCurrent, arnOf(auroraOlder)]]);
                expect(aws.codePipeline.commandCalls(StartPipelineExecutionCommand)).to.have.length(1);
                expect(result.outcome).to.equal("restored");
                expect(summaryLine().engines?.aurora).to.deep.include({ restoredFrom: arnOf(auroraOlder), chosen: true, takenAt: "2024-05-04T03:00:00.000Z" });
            });
        }

        it("checks chosen snapshots in a dry run, changing nothing", async () => {
            serveReadyCycle();

            const result = await invoke(factories.restore, { restore: { aurora: arnOf(auroraOlder) }, dryRun: true }) as RestoreSummary;

            noChanges();
            expect(result.outcome).to.equal("dry-run");
            expect(result.engines[0]).to.deep.include({ wouldRestoreFrom: arnOf(auroraOlder), chosen: true });
        });

        it("refuses any other input before touching AWS, listing the accepted forms, restore among them", async () => {
            const error = await refusal(factories.restore, { restore: { mysql: "orders" } });

            expect(error.message).to.equal(
                'db-restore-from-snapshot cannot run {"restore":{"mysql":"orders"}}: restore names "mysql", which is not an engine (aurora, documentdb). ' +
                'It accepts {} (run now), {"dryRun": true} (report what a run would do, changing nothing), {"restore": {"aurora": ' +
                '"<snapshot ARN or identifier>", "documentdb": "<snapshot ARN or identifier>"}} (restore chosen snapshots, one engine or more; add ' +
                '"dryRun": true to check them first); from its state machine, {"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}, ' +
                '"request": <the execution\'s input, one of the forms above>} (what the refresh cycle\'s state machine passes).',
            );
        });

        for (const [form, event, problem] of [
            ["a restore naming no engine", { restore: {} }, "restore does not name a snapshot for any engine"],
            ["a snapshot that is not a string", { restore: { aurora: 42 } }, "restore.aurora is not a snapshot ARN or identifier"],
            ["an execution input with a field it does not know", cycleInput(new Date(), { restore: { aurora: "x" }, force: true }), 'the execution\'s input has "force"'],
            ["an event that is not an object", "restore", "the event is not a JSON object"],
        ] as const) {
            it(`refuses ${form}`, async () => {
                const error = await refusal(factories.restore, event);

                expect(error.message).to.include(problem);
            });
        }

        it("refuses to run in the source account, reading the account from the invoked function's ARN", async () => {
            const error = await rejectionOf(invoke(factories.restore, {}, SOURCE_ACCOUNT));

            expect(error.name).to.equal("SourceAccountRefusedError");
            noAwsCalls();
            expect(summaryLine()).to.deep.include({ outcome: "failed" });
        });

        it("changes nothing while paused, and says so on its summary line", async () => {
            serveReadyCycle();
            serveParameters(aws, { [PARAMETER.pause]: "indefinitely" });

            const result = await invoke(factories.restore, {});

            expect(result).to.deep.include({ outcome: "paused" });
            noChanges();
            expect(summaryLine()).to.deep.include({ outcome: "paused" });
            expect(summaryLine().paused).to.include("paused indefinitely");
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
                expect(summaryLine()).to.deep.include({ outcome: "waiting", nextCheckAt: result.nextCheckAt });
            });

            it("decides at once in a cycle whose maintenance window is 0 minutes", async () => {
                process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(refreshSettings({ maintenanceWindowMinutes: 0 }));

                const error = await rejectionOf(invoke(factories.restore, cycleInput(new Date())));

                expect(error.name).to.equal("CopyNotReadyError");
                expect(parameterWrites(aws)).to.deep.equal([]);
            });

            it("decides at once when invoked by hand, since nothing will check again, and its summary line says what it found", async () => {
                const error = await rejectionOf(invoke(factories.restore, {}));

                expect(error.name).to.equal("CopyNotReadyError");
                expect(parameterWrites(aws)).to.deep.equal([]);
                const line = summaryLine();
                expect(line).to.deep.include({ level: "ERROR", outcome: "failed", pipelineName: "main-pipeline" });
                expect(line.error?.name).to.equal("CopyNotReadyError");
                expect(line.engines?.aurora).to.deep.include({ latestBefore: arnOf(aurora) });
                expect(line.engines).to.have.keys("aurora", "documentdb");
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
            expect(logLines.map((line) => [line.level, line.event, line.function])).to.deep.equal([["INFO", "run summary", "start-refresh-cycle"]]);
        });

        it("starts nothing on a firing outside a cycle, and logs one line saying when the next cycle is", async () => {
            const result = await invoke(factories.starter, { scheduledTime: "2024-05-05T02:00:00Z", gate: GATE });

            expect(result).to.deep.equal({
                outcome: "not-a-cycle",
                reason: "2024-05-05 is not a cycle week: 1 week after the last cycle on 2024-04-28",
                nextCycle: "2024-05-12 02:00 UTC",
            });
            expect(logLines.map((line) => [line.event, line.outcome, line.nextCycle])).to.deep.equal([["run summary", "not-a-cycle", "2024-05-12 02:00 UTC"]]);
            noAwsCalls();
        });

        it("refuses an operator's input, which belongs to the state machine: a dry run must never start a real cycle", async () => {
            for (const input of [{ dryRun: true }, { restore: { aurora: "some-snapshot" } }]) {
                logLines.length = 0;
                const error = await rejectionOf(invoke(factories.starter, input));
                expect(error.name).to.equal("InvalidRequestError");
                expect(error.message).to.include(`start an execution of ${STATE_MACHINE_ARN} with that input`);
                expect(logLines.map((line) => [line.event, line.outcome])).to.deep.equal([["run summary", "failed"]]);
            }
            noAwsCalls();
        });

        it("starts no second execution when the firing comes again: the name is taken", async () => {
            aws.sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists: 'cycle-2024-05-12'", $metadata: { httpStatusCode: 400 } }));

            const result = await invoke(factories.starter, { scheduledTime: "2024-05-12T02:00:00Z", gate: GATE });

            expect(result).to.deep.include({ outcome: "already-started", cycle: "cycle-2024-05-12" });
        });
    });
}
