import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListSchedulesCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import {
    DescribeExecutionCommand,
    DescribeExecutionCommandInput,
    DescribeExecutionCommandOutput,
    DescribeStateMachineCommand,
    ExecutionDoesNotExist,
    ExecutionStatus,
    ListExecutionsCommand,
    SFNClient,
    StateMachineDoesNotExist,
} from "@aws-sdk/client-sfn";
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { install } from "@sinonjs/fake-timers";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { runStatus } from "../../cli/status";
import { createStatusClients } from "../../cli/status-aws";
import {
    AwsMocks,
    copyOf,
    mockAws,
    PIPELINE_NAME,
    REGION,
    serveAuroraSnapshots,
    serveDocumentDbSnapshots,
    serveParameters,
    sharedSnapshot,
    snapshotArn,
    SnapshotRecord,
    SOURCE_ACCOUNT,
    spelledCopyIdentifier,
    TARGET_ACCOUNT,
} from "../handlers/support";
import {
    ACCEPTANCE_ACCOUNT,
    automatedSnapshot,
    mockProductionAccount,
    PRODUCTION_ACCOUNT,
    ProductionAccount,
    shareCopyOf,
    STAGING_ACCOUNT,
} from "../handlers/share/support";

// ---------------------------------------------------------------------------------------------------------------
// The project: stack files as an operator keeps them

/** Monday 7 December 2026, 09:00 in Amsterdam: the morning after the acceptance cycle of Sunday 02:00. */
const NOW = new Date("2026-12-07T08:00:00Z");
const INSTANCE = "snapshot-refresh";
const PAUSE_PARAMETER = `/snapshot-refresh/${INSTANCE}/paused-until`;

const ACCEPTANCE_STACK = `config:
  aws:region: ${REGION}
  snapshot-refresh:role: refresh
  snapshot-refresh:sourceAccountId: "${SOURCE_ACCOUNT}"
  snapshot-refresh:pipelineName: ${PIPELINE_NAME}
  snapshot-refresh:engines:
    - aurora
    - engine: documentdb
      kmsKeyArn: arn:aws:kms:${REGION}:${TARGET_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab
  snapshot-refresh:cadence: every 2 weeks on sunday at 02:00 starting 2026-12-06
  snapshot-refresh:timezone: Europe/Amsterdam
`;

const PRODUCTION_STACK = `config:
  aws:region: ${REGION}
  snapshot-refresh:role: share
  snapshot-refresh:targetAccountIds:
    - "${ACCEPTANCE_ACCOUNT}"
  snapshot-refresh:clusters:
    aurora:
      - orders
    documentdb:
      - catalog
  snapshot-refresh:cadence: every 2 weeks on saturday at 23:00 starting 2026-12-05
  snapshot-refresh:timezone: Europe/Amsterdam
  snapshot-refresh:maintenanceWindowMinutes: "120"
  snapshot-refresh:snapshotIdentifierPrefix: snapshot-share-
`;

let projectDirectory: string;

/** Writes `Pulumi.<stack>.yaml` into the project directory. */
function writeStack(stack: string, yaml: string): void {
    writeFileSync(join(projectDirectory, `Pulumi.${stack}.yaml`), yaml);
}

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

async function status(...argv: string[]): Promise<Run> {
    const run: Run = { code: -1, stdout: "", stderr: "" };
    run.code = await runStatus(argv, {
        projectDirectory,
        now: NOW,
        environment: {},
        createClients: createStatusClients,
        stdout: (text) => { run.stdout += text; },
        stderr: (text) => { run.stderr += text; },
    });
    return run;
}

/** The text, with runs of spaces made single: assertions read it as a sentence, whatever the column widths. */
function squeezed(text: string): string {
    return text.replace(/ +/g, " ");
}

// ---------------------------------------------------------------------------------------------------------------
// The account behind the mocked clients, beyond what the handlers' test support serves

interface AccountMocks {
    sts: AwsClientStub<STSClient>;
    scheduler: AwsClientStub<SchedulerClient>;
}

function mockAccount(): AccountMocks {
    return { sts: mockClient(STSClient), scheduler: mockClient(SchedulerClient) };
}

function serveIdentity(account: AccountMocks, accountId: string): void {
    account.sts.on(GetCallerIdentityCommand).resolves({
        Account: accountId,
        Arn: `arn:aws:sts::${accountId}:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/jane`,
        UserId: "AROAEXAMPLE:jane",
    });
}

/** Pulumi names the schedule `<instance>-cycle-<7 random hex>`; it invokes the side's starter function. */
function serveSchedule(account: AccountMocks, accountId: string, starter: string, state: "ENABLED" | "DISABLED" = "ENABLED"): void {
    account.scheduler.on(ListSchedulesCommand).resolves({
        Schedules: [
            // Another instance's schedule in the same account, which shares the name's prefix but not the target.
            { Name: `${INSTANCE}-cycle-0c1d2e3`, GroupName: `${INSTANCE}-other-schedules-1a2b3c4`, State: "DISABLED", Target: { Arn: `arn:aws:lambda:${REGION}:${accountId}:function:${INSTANCE}-cycle-start-refresh-cycle-x` } },
            { Name: `${INSTANCE}-cycle-4f2a9c1`, GroupName: `${INSTANCE}-schedules-8b3d0e2`, State: state, Target: { Arn: `arn:aws:lambda:${REGION}:${accountId}:function:${INSTANCE}-${starter}` } },
        ],
    });
}

function stateMachineArn(accountId: string, label: "refresh-cycle" | "share-cycle"): string {
    return `arn:aws:states:${REGION}:${accountId}:stateMachine:${INSTANCE}-${label}`;
}

interface ExecutionFixture {
    name: string;
    status: ExecutionStatus;
    startedAt: string;
    stoppedAt?: string;
    input?: object;
    /** The execution's final state; present only for one that succeeded. */
    output?: object;
    error?: string;
    cause?: string;
}

/** Serves the state machine and its executions, newest first, as ListExecutions returns them. */
function serveCycle(sfn: AwsClientStub<SFNClient>, machineArn: string, executions: ExecutionFixture[]): void {
    sfn.on(DescribeStateMachineCommand).callsFake((input: { stateMachineArn?: string }) => {
        if (input.stateMachineArn !== machineArn) throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${input.stateMachineArn}'`, $metadata: { httpStatusCode: 400 } });
        return { stateMachineArn: machineArn, name: machineArn.split(":").pop(), status: "ACTIVE", type: "STANDARD" };
    });
    const arnOf = (execution: ExecutionFixture) => `${machineArn.replace(":stateMachine:", ":execution:")}:${execution.name}`;
    sfn.on(ListExecutionsCommand, { stateMachineArn: machineArn }).callsFake((input: { maxResults?: number }) => ({
        executions: executions.slice(0, input.maxResults ?? 100).map((execution) => ({
            executionArn: arnOf(execution),
            stateMachineArn: machineArn,
            name: execution.name,
            status: execution.status,
            startDate: new Date(execution.startedAt),
            ...(execution.stoppedAt ? { stopDate: new Date(execution.stoppedAt) } : {}),
        })),
    }));
    sfn.on(DescribeExecutionCommand).callsFake((input: DescribeExecutionCommandInput): Partial<DescribeExecutionCommandOutput> => {
        const execution = executions.find((candidate) => arnOf(candidate) === input.executionArn);
        if (execution === undefined) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${input.executionArn}'`, $metadata: { httpStatusCode: 400 } });
        return {
            executionArn: input.executionArn,
            stateMachineArn: machineArn,
            name: execution.name,
            status: execution.status,
            startDate: new Date(execution.startedAt),
            ...(execution.stoppedAt ? { stopDate: new Date(execution.stoppedAt) } : {}),
            input: JSON.stringify(execution.input ?? {}),
            ...(execution.output ? { output: JSON.stringify(execution.output) } : {}),
            ...(execution.error ? { error: execution.error } : {}),
            ...(execution.cause ? { cause: execution.cause } : {}),
        };
    });
}

/** The pause parameter: its value, or ParameterNotFound for a stack deployed before pausing existed. */
function servePause(ssm: AwsClientStub<SSMClient>, value: string | undefined): void {
    ssm.on(GetParameterCommand, { Name: PAUSE_PARAMETER }).callsFake(() => {
        if (value === undefined) throw new ParameterNotFound({ message: `Parameter ${PAUSE_PARAMETER} not found.`, $metadata: { httpStatusCode: 400 } });
        return { Parameter: { Name: PAUSE_PARAMETER, Value: value, Type: "String" } };
    });
}

/** What a Lambda function's error looks like in an execution's `cause`. */
function lambdaCause(errorType: string, errorMessage: string): string {
    return JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, "    at restoreSnapshots (/var/task/index.js:1:1)"] });
}

describe("npm run status", function () {
    this.timeout(30_000);

    // The whole program reads one clock: the status's "now" and the cadence's description of the next cycles.
    let clock: ReturnType<typeof install>;
    before(() => {
        clock = install({ now: NOW, toFake: ["Date"] });
        projectDirectory = mkdtempSync(join(tmpdir(), "snapshot-refresh-status-"));
        writeStack("acceptance", ACCEPTANCE_STACK);
        writeStack("production", PRODUCTION_STACK);
    });
    after(() => {
        clock.uninstall();
        rmSync(projectDirectory, { recursive: true, force: true });
    });

    // -----------------------------------------------------------------------------------------------------------
    describe("an acceptance stack (role refresh)", () => {
        const MACHINE = stateMachineArn(TARGET_ACCOUNT, "refresh-cycle");
        let aws: AwsMocks;
        let account: AccountMocks;

        // Production took its automated snapshots on Saturday evening and shared copies of them overnight.
        const auroraShared = sharedSnapshot({
            name: spelledCopyIdentifier("snapshot-refresh-share-", "aurora", snapshotArn(SOURCE_ACCOUNT, "rds:orders-2026-12-05-20-05"), new Date("2026-12-05T20:05:12Z")),
            createdAt: "2026-12-05T20:05:12Z",
            cluster: "orders",
        });
        const documentDbShared = sharedSnapshot({
            name: spelledCopyIdentifier("snapshot-refresh-share-", "documentdb", snapshotArn(SOURCE_ACCOUNT, "rds:catalog-2026-12-05-20-07"), new Date("2026-12-05T20:07:33Z")),
            createdAt: "2026-12-05T20:07:33Z",
            engine: "documentdb",
            cluster: "catalog",
        });
        const documentDbCopy = copyOf(documentDbShared, "documentdb");
        const olderDocumentDbCopy = copyOf(sharedSnapshot({ name: "snapshot-refresh-share-documentdb-20261121t200701-0a0b0c0d", createdAt: "2026-11-21T20:07:01Z", engine: "documentdb", cluster: "catalog" }), "documentdb");

        const restoredCycle: ExecutionFixture = {
            name: "cycle-2026-12-06",
            status: "SUCCEEDED",
            startedAt: "2026-12-06T01:00:02Z",
            stoppedAt: "2026-12-06T01:52:40Z",
            output: {
                update: { outcome: "updated" },
                restore: {
                    outcome: "restored",
                    cycle: "cycle-2026-12-06",
                    pipelineName: PIPELINE_NAME,
                    executionId: "0d6f1c2e-5b8a-4c3d-9e7f-1a2b3c4d5e6f",
                    engines: [
                        { engine: "aurora", restoredFrom: auroraShared.DBClusterSnapshotArn, takenAt: "2026-12-05T20:05:12.000Z" },
                        { engine: "documentdb", restoredFrom: documentDbCopy.DBClusterSnapshotArn, takenAt: "2026-12-05T20:07:33.000Z" },
                    ],
                },
            },
        };
        const dryRun: ExecutionFixture = {
            name: "manual-20261203T101500Z",
            status: "SUCCEEDED",
            startedAt: "2026-12-03T10:15:00Z",
            stoppedAt: "2026-12-03T10:15:41Z",
            input: { dryRun: true },
            output: {
                dryRun: true,
                restore: {
                    outcome: "dry-run",
                    cycle: "manual-20261203T101500Z",
                    pipelineName: PIPELINE_NAME,
                    engines: [{ engine: "aurora", wouldRestoreFrom: "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:x", wouldDo: ["write aurora_current_snapshot_id"] }],
                },
            },
        };
        const previousCycle: ExecutionFixture = {
            name: "cycle-2026-11-22",
            status: "SUCCEEDED",
            startedAt: "2026-11-22T01:00:01Z",
            stoppedAt: "2026-11-22T02:14:09Z",
            output: { restore: { outcome: "restored", cycle: "cycle-2026-11-22", pipelineName: PIPELINE_NAME, executionId: "9a8b7c6d-0000-4000-8000-000000000001", engines: [] } },
        };

        beforeEach(() => {
            aws = mockAws();
            account = mockAccount();
            serveIdentity(account, TARGET_ACCOUNT);
            serveSchedule(account, TARGET_ACCOUNT, "start-refresh-cycle");
            servePause(aws.ssm, "none");
            serveAuroraSnapshots(aws, { shared: [[auroraShared]] });
            serveDocumentDbSnapshots(aws, { shared: [[documentDbShared]], manual: [[documentDbCopy, olderDocumentDbCopy]] });
        });
        afterEach(() => {
            aws.restore();
            account.sts.restore();
            account.scheduler.restore();
        });

        function serveRestored(): void {
            serveParameters(aws, {
                aurora_latest_snapshot_id: auroraShared.DBClusterSnapshotArn!,
                aurora_current_snapshot_id: auroraShared.DBClusterSnapshotArn!,
                documentdb_latest_snapshot_id: documentDbCopy.DBClusterSnapshotArn!,
                documentdb_current_snapshot_id: olderDocumentDbCopy.DBClusterSnapshotArn!,
            });
        }

        it("shows each engine's latest and current with when production took them, the last cycles and the next one", async () => {
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle, dryRun, previousCycle]);

            const run = await status("--stack", "acceptance");

            expect(run.stderr).to.equal("");
            expect(run.code).to.equal(0);
            const text = squeezed(run.stdout);
            expect(text).to.contain("Stack acceptance: snapshot-refresh, role refresh (restored from production's shared snapshots)");
            expect(text).to.contain(`Account ${TARGET_ACCOUNT}, Region eu-west-1, state machine snapshot-refresh-refresh-cycle`);
            expect(text).to.contain("Times in Europe/Amsterdam; now Mon 2026-12-07 09:00");
            expect(text).not.to.contain("Attention");
            expect(text).to.contain("Paused no\n");
            expect(text).to.contain("Schedule enabled (snapshot-refresh-cycle-4f2a9c1, group snapshot-refresh-schedules-8b3d0e2)");
            expect(text).to.contain("Next cycle Sun 2026-12-20 02:00 (in 12 d 17 h)\nCadence every 2 weeks on Sunday at 02:00 Europe/Amsterdam (next cycles on 2026-12-20, 2027-01-03, ...)");
            expect(text).to.contain("Snapshots (the main pipeline main-pipeline restores from current)");
            expect(text).to.contain(`aurora (restored straight from production's shared snapshot)\n latest ${auroraShared.DBClusterSnapshotIdentifier!.split(":").pop()} taken Sat 2026-12-05 21:05 (1 d 11 h ago), shared by ${SOURCE_ACCOUNT}\n current the same as latest`);
            expect(text).to.contain(`documentdb (restored from a copy in this account)\n latest ${documentDbCopy.DBClusterSnapshotIdentifier} taken Sat 2026-12-05 21:07 (1 d 11 h ago), copy in this account\n current ${olderDocumentDbCopy.DBClusterSnapshotIdentifier} taken Sat 2026-11-21 21:07 (15 d 11 h ago), copy in this account`);
            expect(text).to.contain("shared latest holds the newest data production shares");
            expect(text).to.contain("Last 3 cycles (newest first)");
            expect(text).to.contain("cycle-2026-12-06 succeeded restored, started Sun 2026-12-06 02:00, took 52 min\n");
            expect(text).to.contain(`aurora: ${auroraShared.DBClusterSnapshotArn}, taken Sat 2026-12-05 21:05`);
            expect(text).to.contain("main pipeline main-pipeline: execution 0d6f1c2e-5b8a-4c3d-9e7f-1a2b3c4d5e6f");
            expect(text).to.contain('manual-20261203T101500Z succeeded dry-run, started Thu 2026-12-03 11:15, took 41 s, started by hand with {"dryRun":true}');
            expect(text).to.contain("would: aurora: write aurora_current_snapshot_id");
            expect(text).to.contain("cycle-2026-11-22 succeeded restored, started Sun 2026-11-22 02:00, took 1 h 14 min");
        });

        it("says when production shares newer data than latest, which the next cycle restores", async () => {
            const newerAurora = sharedSnapshot({ name: "snapshot-refresh-share-aurora-20261206t200444-5e6f7a8b", createdAt: "2026-12-06T20:04:44Z", cluster: "orders" });
            serveAuroraSnapshots(aws, { shared: [[auroraShared, newerAurora]] });
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);

            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain("shared production shares newer data: snapshot-refresh-share-aurora-20261206t200444-5e6f7a8b, taken Sun 2026-12-06 21:04 (11 h 55 min ago); the next cycle restores it");
        });

        it("prints the same facts as JSON with --json", async () => {
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle, previousCycle]);

            const run = await status("--stack=acceptance", "--json", "--cycles", "1");

            expect(run.code).to.equal(0);
            const report = JSON.parse(run.stdout) as {
                role: string;
                account: string;
                pause: { state: { paused: boolean } };
                nextCycle: { at: string };
                refresh: { engines: { engine: string; latest: { value: string; snapshot: { takenAt: string; ownCopy: boolean } } }[]; pipeline: { value: string } };
                cycles: { name: string; status: string; durationMs: number; delivery: { outcome: string } }[];
                attention: string[];
            };
            expect(report.role).to.equal("refresh");
            expect(report.account).to.equal(TARGET_ACCOUNT);
            expect(report.pause.state.paused).to.equal(false);
            expect(report.nextCycle.at).to.equal("2026-12-20T01:00:00.000Z");
            expect(report.refresh.pipeline.value).to.equal(PIPELINE_NAME);
            expect(report.refresh.engines.map((engine) => [engine.engine, engine.latest.snapshot.takenAt, engine.latest.snapshot.ownCopy])).to.deep.equal([
                ["aurora", "2026-12-05T20:05:12.000Z", false],
                ["documentdb", "2026-12-05T20:07:33.000Z", true],
            ]);
            expect(report.cycles).to.have.length(1);
            expect(report.cycles[0]).to.deep.include({ name: "cycle-2026-12-06", status: "SUCCEEDED", durationMs: 3_158_000 });
            expect(report.cycles[0].delivery.outcome).to.equal("restored");
            expect(report.attention).to.deep.equal([]);
        });

        it("shows a pause by the parameter: until when, the cycle it skips, and how to resume", async () => {
            serveRestored();
            servePause(aws.ssm, "2026-12-21T06:00:00Z");
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);

            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain(`Paused YES, until Mon 2026-12-21 07:00 (in 13 d 22 h), by ${PAUSE_PARAMETER}\n resume: aws ssm put-parameter --overwrite --name ${PAUSE_PARAMETER} --value none\n`);
            expect(text).to.contain("Next cycle Sun 2027-01-03 02:00 (in 26 d 17 h), after the pause; the cycle of Sun 2026-12-20 02:00 (in 12 d 17 h) changes nothing while paused");
        });

        it("shows a pause by the parameter without an end, and a value that is no time, which pauses too", async () => {
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);
            servePause(aws.ssm, "indefinitely");

            expect(squeezed((await status("--stack", "acceptance")).stdout)).to.contain(`Paused YES, without an end, by ${PAUSE_PARAMETER} (indefinitely)\n resume:`);

            aws.ssm.reset();
            serveRestored();
            servePause(aws.ssm, "until monday");
            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain(`Paused YES, without an end, paused: ${PAUSE_PARAMETER} is "until monday", which is not none, indefinitely or a time such as 2027-01-04T06:00:00Z`);
            expect(text).to.contain("Next cycle none while paused; the cycle of Sun 2026-12-20 02:00 (in 12 d 17 h) changes nothing while paused");
        });

        it("shows a pause by the stack configuration, with the schedule disabled, and how to resume", async () => {
            writeStack("acceptance-paused", `${ACCEPTANCE_STACK}  snapshot-refresh:paused: true\n`);
            account.scheduler.reset();
            serveSchedule(account, TARGET_ACCOUNT, "start-refresh-cycle", "DISABLED");
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);

            const text = squeezed((await status("--stack", "acceptance-paused")).stdout);

            expect(text).to.contain("Paused YES, without an end, by snapshot-refresh:paused in the stack configuration\n" +
                " resume: pulumi config set snapshot-refresh:paused false --stack acceptance-paused && pulumi up --stack acceptance-paused\n");
            expect(text).to.contain("Schedule disabled (snapshot-refresh-cycle-4f2a9c1");
            expect(text).to.contain("Next cycle none while paused; the cycle of Sun 2026-12-20 02:00 (in 12 d 17 h) changes nothing while paused");
            expect(text).not.to.contain("Attention");
        });

        it("warns that a pause in the stack file is not deployed while the schedule is still enabled", async () => {
            writeStack("acceptance-paused", `${ACCEPTANCE_STACK}  snapshot-refresh:paused: true\n`);
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);

            const text = squeezed((await status("--stack", "acceptance-paused")).stdout);

            expect(text).to.contain("Attention\n ! snapshot-refresh:paused is true in");
            expect(text).to.contain(`the pause is not deployed. Run pulumi up --stack acceptance-paused, or pause at once with: aws ssm put-parameter --overwrite --name ${PAUSE_PARAMETER} --value indefinitely`);
        });

        it("puts a failed last cycle first, with its error and what to do", async () => {
            serveRestored();
            const failed: ExecutionFixture = {
                name: "cycle-2026-12-06",
                status: "FAILED",
                startedAt: "2026-12-06T01:00:02Z",
                stoppedAt: "2026-12-06T05:00:31Z",
                error: "CopyNotReadyError",
                cause: lambdaCause("CopyNotReadyError", `documentdb: the copy ${documentDbCopy.DBClusterSnapshotIdentifier} is copying, and the maintenance window ended at 2026-12-06T05:00:00.000Z; whenCopyNotReady is fail, so nothing was restored`),
            };
            serveCycle(aws.sfn, MACHINE, [failed, previousCycle]);

            const run = await status("--stack", "acceptance");

            expect(run.code).to.equal(0);
            const text = squeezed(run.stdout);
            expect(text).to.match(/^Stack acceptance[^]*\n\nAttention\n ! The last cycle, cycle-2026-12-06, failed \(Sun 2026-12-06 06:00\): CopyNotReadyError: documentdb: the copy /);
            expect(text).to.contain("What to do:");
            expect(text).to.contain("cycle-2026-12-06 FAILED, started Sun 2026-12-06 02:00, took 4 h\n CopyNotReadyError: documentdb: the copy");
        });

        it("says when a cycle restored although its update of latest failed", async () => {
            serveRestored();
            const { output } = restoredCycle as { output: { restore: object } };
            serveCycle(aws.sfn, MACHINE, [{
                ...restoredCycle,
                output: { ...output, update: { Error: "NothingSharedError", Cause: lambdaCause("NothingSharedError", `aurora: account ${SOURCE_ACCOUNT} shares no aurora snapshot of the followed clusters`) } },
            }]);

            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain(`! The last cycle, cycle-2026-12-06, succeeded, but its update of latest failed: NothingSharedError: aurora: account ${SOURCE_ACCOUNT} shares no aurora snapshot`);
            expect(text).to.contain("the update failed, the restore went on: NothingSharedError: aurora:");
        });

        it("says which cycle did not start when the schedule's last cycle day passed without one", async () => {
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [previousCycle]);

            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain("! The cycle due Sun 2026-12-06 02:00 did not start. The starter's log says why: log group /snapshot-refresh/snapshot-refresh/start-refresh-cycle");
        });

        it("shows parameters still at none, and a stack that has not run a cycle yet, without alarm", async () => {
            serveParameters(aws);
            servePause(aws.ssm, undefined);
            serveCycle(aws.sfn, MACHINE, []);

            const run = await status("--stack", "acceptance");

            expect(run.code).to.equal(0);
            const text = squeezed(run.stdout);
            expect(text).to.contain("aurora (restored straight from production's shared snapshot)\n latest none (no snapshot chosen yet)\n current the same as latest");
            expect(text).to.contain("shared production shares newer data: ");
            expect(text).to.contain("Paused no\n");
            expect(text).to.contain("Last cycles: none yet");
            expect(text).not.to.contain("Attention");
        });

        it("warns when current names a snapshot that no longer exists, or a parameter is missing", async () => {
            const deleted = snapshotArn(TARGET_ACCOUNT, "snapshot-refresh-documentdb-20261024t200700-deadbeef");
            const values = serveParameters(aws, { documentdb_current_snapshot_id: deleted });
            // The pipeline's parameter was deleted by hand.
            values.delete("main_cicd_name");
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);

            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain("! documentdb current: documentdb_current_snapshot_id names snapshot-refresh-documentdb-20261024t200700-deadbeef, which does not exist (any more)");
            expect(text).to.contain("! The parameter main_cicd_name does not exist, so no restore can start the main pipeline: pulumi up --stack acceptance creates it.");
            expect(text).to.contain("current snapshot-refresh-documentdb-20261024t200700-deadbeef taken Sat 2026-10-24 22:07 (43 d 11 h ago), copy in this account, DOES NOT EXIST");
        });

        it("fails with what to do when the stack is not deployed in the account", async () => {
            serveRestored();
            aws.sfn.on(DescribeStateMachineCommand).rejects(new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${MACHINE}'`, $metadata: { httpStatusCode: 400 } }));

            const run = await status("--stack", "acceptance");

            expect(run.code).to.equal(1);
            expect(run.stdout).to.equal("");
            expect(run.stderr).to.contain(`Stack acceptance is not deployed in account ${TARGET_ACCOUNT}, Region eu-west-1: its refresh-cycle state machine snapshot-refresh-refresh-cycle does not exist.`);
            expect(run.stderr).to.contain("Deploy it with pulumi up --stack acceptance, or, if it is deployed, use the credentials of its account (AWS_PROFILE)");
        });

        it("fails with what to do when there are no AWS credentials", async () => {
            const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
            account.sts.on(GetCallerIdentityCommand).rejects(noCredentials);

            const run = await status("--stack", "acceptance");

            expect(run.code).to.equal(1);
            expect(run.stderr).to.contain("No AWS credentials found: the status reads the account stack acceptance is deployed in, with your credentials for it.");
            expect(run.stderr).to.contain("aws sso login --profile <profile>, then AWS_PROFILE=<profile>");
            expect(run.stderr).to.contain("(CredentialsProviderError: Could not load credentials from any providers)");
            expect(aws.sfn.commandCalls(DescribeStateMachineCommand)).to.have.length(0);
        });

        it("says which permission is missing, and shows the rest when only the schedule cannot be read", async () => {
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);
            account.scheduler.on(ListSchedulesCommand).rejects(Object.assign(new Error("User: arn:aws:sts::222222222222:assumed-role/ops/jane is not authorized to perform: scheduler:ListSchedules"), { name: "AccessDeniedException" }));

            const partial = await status("--stack", "acceptance");

            expect(partial.code).to.equal(0);
            expect(squeezed(partial.stdout)).to.contain("Schedule unknown: could not list the schedules (scheduler:ListSchedules): AccessDeniedException: User:");
            expect(partial.stdout).not.to.contain("Attention");

            aws.sfn.on(ListExecutionsCommand).rejects(Object.assign(new Error("User is not authorized to perform: states:ListExecutions"), { name: "AccessDeniedException" }));
            const refused = await status("--stack", "acceptance");

            expect(refused.code).to.equal(1);
            expect(refused.stderr).to.contain("Your credentials may not read the cycle's executions (states:ListExecutions) of stack acceptance. The status needs read access:");
        });

        it("warns when the stack's schedule is gone", async () => {
            serveRestored();
            serveCycle(aws.sfn, MACHINE, [restoredCycle]);
            account.scheduler.reset();
            account.scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });

            const text = squeezed((await status("--stack", "acceptance")).stdout);

            expect(text).to.contain("! The schedule is missing: no schedule named snapshot-refresh-cycle-* invokes the start-refresh-cycle function, so no cycle starts on its own; pulumi up creates it.");
        });

        it("refuses production's credentials for the acceptance stack", async () => {
            account.sts.reset();
            serveIdentity(account, SOURCE_ACCOUNT);

            const run = await status("--stack", "acceptance");

            expect(run.code).to.equal(1);
            expect(run.stderr).to.contain(`Your credentials are those of account ${SOURCE_ACCOUNT}, the production account (snapshot-refresh:sourceAccountId)`);
        });
    });

    // -----------------------------------------------------------------------------------------------------------
    describe("a production stack (role share)", () => {
        const MACHINE = stateMachineArn(PRODUCTION_ACCOUNT, "share-cycle");
        let production: ProductionAccount;
        let sfn: AwsClientStub<SFNClient>;
        let ssm: AwsClientStub<SSMClient>;
        let account: AccountMocks;

        const ordersSource = automatedSnapshot({ cluster: "orders", takenAt: "2026-12-05T20:05:12Z" });
        const ordersCopy = shareCopyOf(ordersSource, "aurora");
        const ordersOlderCopy = shareCopyOf(automatedSnapshot({ cluster: "orders", takenAt: "2026-11-21T20:04:58Z" }), "aurora");
        const ordersCopying = shareCopyOf(automatedSnapshot({ cluster: "orders", takenAt: "2026-12-06T20:05:03Z" }), "aurora", "copying");
        const catalogSource = automatedSnapshot({ cluster: "catalog", takenAt: "2026-12-05T20:07:33Z", engine: "documentdb" });
        const catalogCopy = shareCopyOf(catalogSource, "documentdb");

        function sharedReport(engine: string, cluster: string, source: SnapshotRecord, copy: SnapshotRecord): object {
            return {
                engine,
                cluster,
                outcome: "shared",
                reason: `${copy.DBClusterSnapshotIdentifier} is shared with ${ACCEPTANCE_ACCOUNT}`,
                source: { identifier: source.DBClusterSnapshotIdentifier, arn: source.DBClusterSnapshotArn, createdAt: source.SnapshotCreateTime!.toISOString(), encrypted: true },
                copy: copy.DBClusterSnapshotIdentifier,
            };
        }

        const sharedCycle: ExecutionFixture = {
            name: "share-2026-12-05",
            status: "SUCCEEDED",
            startedAt: "2026-12-05T22:00:01Z",
            stoppedAt: "2026-12-05T22:41:17Z",
            output: {
                share: {
                    cycle: "share-2026-12-05",
                    outcome: "shared",
                    clusters: [sharedReport("aurora", "orders", ordersSource, ordersCopy), sharedReport("documentdb", "catalog", catalogSource, catalogCopy)],
                    sharingChanges: [],
                    deleted: [],
                    warnings: [],
                },
            },
        };

        function serveProduction(sharedWith: Record<string, string[]>): void {
            production = mockProductionAccount({
                manual: [[ordersCopying, ordersCopy, catalogCopy], [ordersOlderCopy]],
                sharedWith,
            });
        }

        beforeEach(() => {
            sfn = mockClient(SFNClient);
            ssm = mockClient(SSMClient);
            account = mockAccount();
            serveIdentity(account, PRODUCTION_ACCOUNT);
            serveSchedule(account, PRODUCTION_ACCOUNT, "start-share-cycle");
            servePause(ssm, "none");
        });
        afterEach(() => {
            production.restore();
            sfn.restore();
            ssm.restore();
            account.sts.restore();
            account.scheduler.restore();
        });

        it("shows each cluster's newest shared copy, when its data was taken, whom it is shared with, and the last cycles", async () => {
            serveProduction({
                [ordersCopy.DBClusterSnapshotIdentifier!]: [ACCEPTANCE_ACCOUNT],
                [ordersOlderCopy.DBClusterSnapshotIdentifier!]: [ACCEPTANCE_ACCOUNT],
                [catalogCopy.DBClusterSnapshotIdentifier!]: [ACCEPTANCE_ACCOUNT],
            });
            serveCycle(sfn, MACHINE, [sharedCycle]);

            const run = await status("--stack", "production");

            expect(run.stderr).to.equal("");
            expect(run.code).to.equal(0);
            const text = squeezed(run.stdout);
            expect(text).to.contain("Stack production: snapshot-refresh, role share (production: shares its clusters' snapshots)");
            expect(text).to.contain(`Account ${PRODUCTION_ACCOUNT}, Region eu-west-1, state machine snapshot-refresh-share-cycle`);
            expect(text).not.to.contain("Attention");
            expect(text).to.contain("Next cycle Sat 2026-12-19 23:00 (in 12 d 14 h)\nCadence every 2 weeks on Saturday at 23:00 Europe/Amsterdam (next cycles on 2026-12-19, 2027-01-02, ...)");
            expect(text).to.contain(`Shared copies (named snapshot-share-*, to be shared with ${ACCEPTANCE_ACCOUNT})`);
            expect(text).to.contain(`aurora orders (3 copies kept)\n shared ${ordersCopy.DBClusterSnapshotIdentifier} data taken Sat 2026-12-05 21:05 (1 d 11 h ago), shared with ${ACCEPTANCE_ACCOUNT}\n newer ${ordersCopying.DBClusterSnapshotIdentifier} data taken Sun 2026-12-06 21:05 (11 h 54 min ago), in-progress`);
            expect(text).to.contain(`documentdb catalog (1 copy kept)\n shared ${catalogCopy.DBClusterSnapshotIdentifier} data taken Sat 2026-12-05 21:07`);
            expect(text).to.contain("share-2026-12-05 succeeded shared, started Sat 2026-12-05 23:00, took 41 min");
            expect(text).to.contain(`aurora orders: ${ordersCopy.DBClusterSnapshotIdentifier}, taken Sat 2026-12-05 21:05`);
            // Only available copies are asked whom they are shared with, newest first, until one is shared.
            expect(production.identifiersOf("DescribeDBClusterSnapshotAttributes").sort()).to.deep.equal([catalogCopy.DBClusterSnapshotIdentifier, ordersCopy.DBClusterSnapshotIdentifier].sort());
        });

        it("puts a failed share cycle and sharing that is not exact first", async () => {
            serveProduction({
                [ordersCopy.DBClusterSnapshotIdentifier!]: [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT],
            });
            serveCycle(sfn, MACHINE, [{
                name: "share-2026-12-05",
                status: "FAILED",
                startedAt: "2026-12-05T22:00:01Z",
                stoppedAt: "2026-12-06T00:00:44Z",
                error: "ShareFailedError",
                cause: lambdaCause("ShareFailedError", "documentdb catalog: the copy of rds:catalog-2026-12-05-20-07 failed; the next cycle copies it again"),
            }]);

            const run = await status("--stack", "production");

            const text = squeezed(run.stdout);
            expect(run.code).to.equal(0);
            expect(text).to.contain("! The last cycle, share-2026-12-05, failed (Sun 2026-12-06 01:00): ShareFailedError: documentdb catalog: the copy of rds:catalog-2026-12-05-20-07 failed");
            expect(text).to.contain(`! ${ordersCopy.DBClusterSnapshotIdentifier} is shared with ${ACCEPTANCE_ACCOUNT}, ${STAGING_ACCOUNT}, not exactly the targets ${ACCEPTANCE_ACCOUNT} (also ${STAGING_ACCOUNT}): the next share cycle makes it exact.`);
            expect(text).to.contain(`! documentdb catalog: no copy is shared with the target accounts yet (${catalogCopy.DBClusterSnapshotIdentifier} is available)`);
            expect(text).to.contain("share-2026-12-05 FAILED, started Sat 2026-12-05 23:00, took 2 h");
        });

        it("refuses the credentials of an account the stack shares with", async () => {
            serveProduction({});
            account.sts.reset();
            serveIdentity(account, ACCEPTANCE_ACCOUNT);

            const run = await status("--stack", "production");

            expect(run.code).to.equal(1);
            expect(run.stderr).to.contain(`Your credentials are those of account ${ACCEPTANCE_ACCOUNT}, one of the accounts stack production shares with`);
        });
    });

    // -----------------------------------------------------------------------------------------------------------
    describe("the command line", () => {
        it("asks for the stack, naming the stacks that have a file", async () => {
            const run = await status();

            expect(run.code).to.equal(2);
            expect(run.stderr).to.contain("Say which stack: --stack <stack>, e.g. --stack acceptance. Stacks with a file here: acceptance");
            expect(run.stderr).to.contain("Usage: npm run status -- --stack <stack> [--json] [--cycles <count>]");
        });

        it("names the stack files there are when a stack has none", async () => {
            const run = await status("--stack", "acme/staging");

            expect(run.code).to.equal(1);
            expect(run.stderr).to.contain(`There is no ${join(projectDirectory, "Pulumi.staging.yaml")} for stack acme/staging. The stacks with a file here: acceptance`);
        });

        it("reports a mistyped key as pulumi preview does, before reading AWS", async () => {
            writeStack("typo", ACCEPTANCE_STACK.replace("snapshot-refresh:cadence:", "snapshot-refresh:cadance:"));

            const run = await status("--stack", "typo");

            expect(run.code).to.equal(1);
            expect(run.stderr).to.contain("snapshot-refresh:cadance is not a snapshot-refresh setting (did you mean snapshot-refresh:cadence?)");
        });

        it("refuses an option it does not know, and a count it cannot use", async () => {
            const unknownOption = await status("--stack", "acceptance", "--verbose");
            expect(unknownOption.code).to.equal(2);
            expect(unknownOption.stderr).to.contain("--verbose is not an option of the status.\n\nUsage:");
            expect((await status("--stack", "acceptance", "--cycles", "0")).stderr).to.contain("--cycles must be a whole number from 1 to 100 (got 0).");
        });
    });
});
