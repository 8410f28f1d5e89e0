import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeExecutionCommand, DescribeStateMachineCommand, ExecutionListItem, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { measureFreshness } from "../../../handlers/monitoring/freshness";
import { createFreshnessHandler } from "../../../handlers/monitoring/lambda";
import { MonitorSettings } from "../../../handlers/monitoring/settings";
import { RestoreSummary } from "../../../handlers/refresh/restore";
import { ShareDryRunSummary, ShareRunSummary } from "../../../handlers/share/share-snapshots";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../../handlers/settings";
import { executionArn, REFRESH_MONITOR, SHARE_MONITOR } from "./support";

const NOW = new Date("2026-12-08T09:00:00Z");
const CREATED = new Date("2026-11-30T12:00:00Z");

/** A succeeded execution, newest first in ListExecutions, and the output DescribeExecution gives for it. */
interface Succeeded {
    name: string;
    output: object;
}

function restoreOutput(outcome: RestoreSummary["outcome"], takenAt: (string | undefined)[]): { restore: RestoreSummary } {
    return {
        restore: {
            outcome,
            cycle: "cycle",
            pipelineName: "acceptance-main",
            engines: takenAt.map((time, index) => ({
                engine: index === 0 ? "aurora" : "documentdb",
                ...(outcome === "restored" && time !== undefined ? { restoredFrom: `snapshot-${index}`, takenAt: time } : {}),
                ...(outcome === "dry-run" && time !== undefined ? { wouldRestoreFrom: `snapshot-${index}`, takenAt: time } : {}),
            })),
            ...(outcome === "paused" ? { paused: "paused indefinitely" } : {}),
        },
    };
}

describe("the freshness function", () => {
    const stepFunctions = mockClient(SFNClient);
    const cloudWatch = mockClient(CloudWatchClient);
    beforeEach(() => {
        stepFunctions.reset();
        cloudWatch.reset();
        cloudWatch.on(PutMetricDataCommand).resolves({});
        stepFunctions.on(DescribeStateMachineCommand).resolves({ creationDate: CREATED });
    });
    after(() => {
        stepFunctions.restore();
        cloudWatch.restore();
    });

    const dependencies = () => ({ stepFunctions: new SFNClient({}), cloudWatch: new CloudWatchClient({}) });

    function serveExecutions(settings: MonitorSettings, executions: Succeeded[]): void {
        const listed: ExecutionListItem[] = executions.map((execution) => ({
            executionArn: executionArn(settings, execution.name), stateMachineArn: settings.stateMachineArn, name: execution.name, status: "SUCCEEDED", startDate: NOW,
        }));
        stepFunctions.on(ListExecutionsCommand).resolves({ executions: listed });
        for (const execution of executions) {
            stepFunctions.on(DescribeExecutionCommand, { executionArn: executionArn(settings, execution.name) }).resolves({ name: execution.name, status: "SUCCEEDED", output: JSON.stringify(execution.output) });
        }
    }

    const described = () => stepFunctions.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input.executionArn!.split(":").pop());
    const published = () => cloudWatch.commandCalls(PutMetricDataCommand).map((call) => call.args[0].input);

    it("publishes the age of the stalest data the last restoring cycle delivered, skipping dry runs and paused cycles", async () => {
        serveExecutions(REFRESH_MONITOR, [
            { name: "manual-20261208T080000Z", output: restoreOutput("dry-run", ["2026-12-07T20:00:00.000Z", "2026-12-07T20:00:00.000Z"]) },
            { name: "cycle-2026-12-07", output: restoreOutput("paused", [undefined, undefined]) },
            { name: "cycle-2026-12-06", output: restoreOutput("restored", ["2026-12-05T20:00:00.000Z", "2026-12-05T20:30:00.000Z"]) },
            { name: "cycle-2026-11-22", output: restoreOutput("restored", ["2026-11-21T20:00:00.000Z", "2026-11-21T20:00:00.000Z"]) },
        ]);
        const summary = await measureFreshness(REFRESH_MONITOR, NOW, dependencies());
        // From 2026-12-05 20:00 to 2026-12-08 09:00: 61 hours.
        expect(summary).to.deep.equal({ dataAgeHours: 61, deliveredBy: "cycle-2026-12-06", since: "2026-12-05T20:00:00.000Z" });
        expect(stepFunctions.commandCalls(ListExecutionsCommand).map((call) => call.args[0].input)).to.deep.equal([
            { stateMachineArn: REFRESH_MONITOR.stateMachineArn, statusFilter: "SUCCEEDED", maxResults: 20 },
        ]);
        expect(described(), "reads no further than the one that delivered").to.deep.equal(["manual-20261208T080000Z", "cycle-2026-12-07", "cycle-2026-12-06"]);
        expect(stepFunctions.commandCalls(DescribeStateMachineCommand)).to.have.length(0);
        expect(published()).to.deep.equal([{
            Namespace: "SnapshotRefresh",
            MetricData: [{
                MetricName: "DataAgeHours",
                Dimensions: [{ Name: "Instance", Value: "acceptance" }, { Name: "Cycle", Value: "refresh cycle" }],
                Timestamp: NOW,
                Value: 61,
                Unit: "None",
            }],
        }]);
    });

    it("skips a cycle that restored only some engines (an operator's chosen snapshot): it says nothing of the others' data", async () => {
        serveExecutions(REFRESH_MONITOR, [
            { name: "manual-20261208T080000Z", output: restoreOutput("restored", ["2026-10-01T00:00:00.000Z", undefined]) },
            { name: "cycle-2026-12-06", output: restoreOutput("restored", ["2026-12-05T20:00:00.000Z", "2026-12-05T20:15:00.000Z"]) },
        ]);
        const summary = await measureFreshness(REFRESH_MONITOR, NOW, dependencies());
        expect(summary.deliveredBy).to.equal("cycle-2026-12-06");
        expect(summary.dataAgeHours).to.equal(61);
    });

    it("publishes hours to the hundredth", async () => {
        serveExecutions(REFRESH_MONITOR, [{ name: "cycle-2026-12-06", output: restoreOutput("restored", ["2026-12-05T20:04:00.000Z"]) }]);
        // 60 hours 56 minutes.
        expect((await measureFreshness(REFRESH_MONITOR, NOW, dependencies())).dataAgeHours).to.equal(60.93);
        expect(published()[0].MetricData![0].Value).to.equal(60.93);
    });

    it("on the share side, counts from when production took the stalest shared copy's source", async () => {
        const shared: ShareRunSummary = {
            cycle: "share-2026-12-07",
            outcome: "shared",
            clusters: [
                { engine: "aurora", cluster: "orders", outcome: "shared", reason: "shared", copy: "copy-orders", source: { identifier: "rds:orders", arn: "arn:orders", createdAt: "2026-12-07T20:00:00.000Z", encrypted: true } },
                { engine: "documentdb", cluster: "catalog", outcome: "shared", reason: "shared", copy: "copy-catalog", source: { identifier: "rds:catalog", arn: "arn:catalog", createdAt: "2026-12-07T19:00:00.000Z", encrypted: true } },
            ],
            sharingChanges: [],
            deleted: [],
            warnings: [],
        };
        const dryRun: ShareDryRunSummary = { cycle: "manual-1", outcome: "dry-run", clusters: [], warnings: [] };
        serveExecutions(SHARE_MONITOR, [{ name: "manual-1", output: { share: dryRun } }, { name: "share-2026-12-07", output: { share: shared } }]);
        const summary = await measureFreshness(SHARE_MONITOR, NOW, dependencies());
        expect(summary).to.deep.equal({ dataAgeHours: 14, deliveredBy: "share-2026-12-07", since: "2026-12-07T19:00:00.000Z" });
        expect(published()[0].MetricData![0].Dimensions).to.deep.equal([{ Name: "Instance", Value: "production" }, { Name: "Cycle", Value: "share cycle" }]);
    });

    it("counts from the state machine's creation while no recent cycle delivered anything, so a new stack gets one cadence to start", async () => {
        serveExecutions(REFRESH_MONITOR, [
            { name: "manual-1", output: restoreOutput("dry-run", ["2026-12-07T20:00:00.000Z"]) },
            { name: "cycle-2026-12-06", output: restoreOutput("paused", [undefined]) },
            { name: "older", output: { restore: "from an older version" } },
        ]);
        const summary = await measureFreshness(REFRESH_MONITOR, NOW, dependencies());
        // From 2026-11-30 12:00 to 2026-12-08 09:00: 7 days and 21 hours.
        expect(summary).to.deep.equal({ dataAgeHours: 189, since: "2026-11-30T12:00:00.000Z" });
        expect(stepFunctions.commandCalls(DescribeStateMachineCommand).map((call) => call.args[0].input)).to.deep.equal([{ stateMachineArn: REFRESH_MONITOR.stateMachineArn }]);
        expect(published()[0].MetricData![0].Value).to.equal(189);
    });

    it("counts from the state machine's creation when it never had a succeeded execution", async () => {
        stepFunctions.on(ListExecutionsCommand).resolves({ executions: [] });
        expect(await measureFreshness(SHARE_MONITOR, NOW, dependencies())).to.deep.equal({ dataAgeHours: 189, since: "2026-11-30T12:00:00.000Z" });
        expect(stepFunctions.commandCalls(DescribeExecutionCommand)).to.have.length(0);
    });

    it("runs as the hourly Lambda handler with the settings its environment carries", async () => {
        const saved = { environment: process.env[SETTINGS_ENVIRONMENT_VARIABLE], info: console.info };
        const logged: unknown[] = [];
        process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(SHARE_MONITOR);
        console.info = (entry: unknown) => logged.push(entry);
        try {
            stepFunctions.on(ListExecutionsCommand).resolves({ executions: [] });
            const context = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:111111111111:function:production-share-measure-data-age", functionName: "production-share-measure-data-age", awsRequestId: "request-2" };
            const summary = await createFreshnessHandler()({}, context);
            expect(summary.since).to.equal("2026-11-30T12:00:00.000Z");
            expect(published()[0].MetricData![0].Dimensions).to.deep.equal([{ Name: "Instance", Value: "production" }, { Name: "Cycle", Value: "share cycle" }]);
            expect(logged).to.deep.equal([{ event: "run summary", function: "measure-data-age", instance: "production", requestId: "request-2", outcome: "measured", ...summary }]);
        } finally {
            console.info = saved.info;
            if (saved.environment === undefined) delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            else process.env[SETTINGS_ENVIRONMENT_VARIABLE] = saved.environment;
        }
    });
});
