import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { createNotifyHandler } from "../../../handlers/monitoring/lambda";
import { notifyCycleEnd } from "../../../handlers/monitoring/notify";
import { RestoreSummary } from "../../../handlers/refresh/restore";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../../handlers/settings";
import { ERROR_GUIDE } from "../../../handlers/troubleshooting";
import { rejectionOf, TARGET_ACCOUNT } from "../support";
import { consoleLink, executionArn, lambdaCause, REFRESH_MONITOR } from "./support";

const CYCLE = "cycle-2026-12-06";
const EXECUTION = executionArn(REFRESH_MONITOR, CYCLE);
const START = new Date("2026-12-06T01:00:00Z");

const RESTORED: RestoreSummary = {
    outcome: "restored",
    cycle: CYCLE,
    pipelineName: "acceptance-main",
    executionId: "0f1e2d3c-1111-2222-3333-444455556666",
    engines: [{ engine: "aurora", restoredFrom: "acceptance-aurora-copy", takenAt: "2026-12-05T20:00:00.000Z" }],
};

/** The event EventBridge delivers when an execution changes status, with the fields the notifier does not read. */
interface StatusChangeEvent {
    version: string;
    source: string;
    "detail-type": string;
    resources: string[];
    detail: { executionArn: string; stateMachineArn: string; name?: string; status: string; input: string; output: string | null };
}

/** The event EventBridge delivers when an execution of `stateMachineArn` changes status. */
function statusEvent(stateMachineArn: string, executionArnOfEvent: string, status = "SUCCEEDED"): StatusChangeEvent {
    return {
        version: "0",
        source: "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        resources: [executionArnOfEvent],
        detail: { executionArn: executionArnOfEvent, stateMachineArn, name: executionArnOfEvent.split(":").pop(), status, input: "{}", output: null },
    };
}

/** The history of a refresh cycle that failed in its restore, newest first, as GetExecutionHistory returns it. */
function failedRestoreHistory(): HistoryEvent[] {
    const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000);
    return [
        { id: 9, type: "ExecutionFailed", timestamp: at(241), executionFailedEventDetails: { error: "CopyNotReadyError", cause: "..." } },
        { id: 8, type: "LambdaFunctionFailed", timestamp: at(241), lambdaFunctionFailedEventDetails: { error: "CopyNotReadyError", cause: "..." } },
        { id: 7, type: "LambdaFunctionStarted", timestamp: at(240) },
        { id: 6, type: "LambdaFunctionScheduled", timestamp: at(240) },
        { id: 5, type: "TaskStateEntered", timestamp: at(240), stateEnteredEventDetails: { name: "RestoreFromSnapshot" } },
        { id: 4, type: "WaitStateExited", timestamp: at(240), stateExitedEventDetails: { name: "WaitForCopies" } },
        { id: 3, type: "WaitStateEntered", timestamp: at(230), stateEnteredEventDetails: { name: "WaitForCopies" } },
    ];
}

describe("the notifier", () => {
    const stepFunctions = mockClient(SFNClient);
    const sns = mockClient(SNSClient);
    beforeEach(() => {
        stepFunctions.reset();
        sns.reset();
        sns.on(PublishCommand).resolves({ MessageId: "message-1" });
    });
    after(() => {
        stepFunctions.restore();
        sns.restore();
    });

    const dependencies = () => ({ stepFunctions: new SFNClient({}), sns: new SNSClient({}) });

    it("publishes the message of the execution it describes, not the event's copy of it, once, to the topic", async () => {
        stepFunctions.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({
            executionArn: EXECUTION, stateMachineArn: REFRESH_MONITOR.stateMachineArn, name: CYCLE, status: "SUCCEEDED",
            startDate: START, stopDate: new Date("2026-12-06T01:41:00Z"), output: JSON.stringify({ restore: RESTORED }),
        });
        const event = statusEvent(REFRESH_MONITOR.stateMachineArn, EXECUTION);
        // EventBridge truncates a large output: the event's copy is never what the message says.
        const truncated = { ...event, detail: { ...event.detail, output: JSON.stringify({ restore: { outcome: "paused", paused: "the event's copy" } }) } };
        const summary = await notifyCycleEnd(REFRESH_MONITOR, truncated, dependencies());
        expect(summary).to.deep.equal({ execution: CYCLE, status: "SUCCEEDED", subject: `Restored: refresh cycle ${CYCLE} of acceptance`, messageId: "message-1" });
        expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input)).to.deep.equal([{
            TopicArn: REFRESH_MONITOR.topicArn,
            Subject: `Restored: refresh cycle ${CYCLE} of acceptance`,
            Message: [
                `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} restored the databases' snapshots and started the main pipeline (started 2026-12-06 01:00 UTC, took 41 min).`,
                "aurora: restored acceptance-aurora-copy, which production took 2026-12-05 20:00 UTC (5 h before the cycle started).",
                "Main pipeline acceptance-main: execution 0f1e2d3c-1111-2222-3333-444455556666.",
                consoleLink(REFRESH_MONITOR, CYCLE),
            ].join("\n"),
        }]);
        expect(stepFunctions.commandCalls(GetExecutionHistoryCommand), "a success needs no history").to.have.length(0);
    });

    it("finds the step a failed execution stopped in from its newest history events", async () => {
        const cause = lambdaCause("CopyNotReadyError", "documentdb: copy acceptance-documentdb-x is still creating at the end of the maintenance window");
        stepFunctions.on(DescribeExecutionCommand).resolves({
            executionArn: EXECUTION, stateMachineArn: REFRESH_MONITOR.stateMachineArn, name: CYCLE, status: "FAILED",
            startDate: START, stopDate: new Date("2026-12-06T05:01:00Z"), error: "CopyNotReadyError", cause,
        });
        stepFunctions.on(GetExecutionHistoryCommand).resolves({ events: failedRestoreHistory() });
        const summary = await notifyCycleEnd(REFRESH_MONITOR, statusEvent(REFRESH_MONITOR.stateMachineArn, EXECUTION, "FAILED"), dependencies());
        expect(stepFunctions.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input)).to.deep.equal([{ executionArn: EXECUTION, reverseOrder: true, maxResults: 30 }]);
        expect(summary.subject).to.equal(`FAILED: refresh cycle ${CYCLE} of acceptance`);
        expect(sns.commandCalls(PublishCommand)[0].args[0].input.Message).to.equal([
            `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} FAILED (started 2026-12-06 01:00 UTC, took 4 h 1 min), at step RestoreFromSnapshot.`,
            "Error: CopyNotReadyError: documentdb: copy acceptance-documentdb-x is still creating at the end of the maintenance window",
            `What changed: ${ERROR_GUIDE.CopyNotReadyError.changed}`,
            `What to do: ${ERROR_GUIDE.CopyNotReadyError.action}`,
            consoleLink(REFRESH_MONITOR, CYCLE),
        ].join("\n"));
    });

    it("refuses an execution of another state machine, sending nothing and reading nothing", async () => {
        const other = "arn:aws:states:eu-west-1:222222222222:stateMachine:someone-elses-machine";
        const error = await rejectionOf(notifyCycleEnd(REFRESH_MONITOR, statusEvent(other, `${other.replace(":stateMachine:", ":execution:")}:run-1`), dependencies()));
        expect(error.name).to.equal("InvalidRequestError");
        expect(error.message).to.equal(`the notifier of ${REFRESH_MONITOR.stateMachineArn} was sent an execution of ${other}`);
        expect(stepFunctions.calls()).to.have.length(0);
        expect(sns.calls()).to.have.length(0);
    });

    it("refuses anything but an execution status event", async () => {
        for (const event of [{}, { detail: { executionArn: "cycle-2026-12-06" } }, { detail: { executionArn: 42 } }]) {
            const error = await rejectionOf(notifyCycleEnd(REFRESH_MONITOR, event, dependencies()));
            expect(error.name, JSON.stringify(event)).to.equal("InvalidRequestError");
            expect(error.message).to.equal(`the notifier expects a Step Functions Execution Status Change event with detail.executionArn; got ${JSON.stringify(event)}`);
        }
        expect(stepFunctions.calls()).to.have.length(0);
        expect(sns.calls()).to.have.length(0);
    });

    describe("as the Lambda handler", () => {
        const consoleMethods = { info: console.info, error: console.error };
        let logged: { level: string; entry: Record<string, unknown> }[];
        let environment: string | undefined;
        beforeEach(() => {
            logged = [];
            console.info = (entry: Record<string, unknown>) => logged.push({ level: "info", entry });
            console.error = (entry: Record<string, unknown>) => logged.push({ level: "error", entry });
            environment = process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(REFRESH_MONITOR);
        });
        afterEach(() => {
            Object.assign(console, consoleMethods);
            if (environment === undefined) delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            else process.env[SETTINGS_ENVIRONMENT_VARIABLE] = environment;
        });
        const context = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:222222222222:function:acceptance-refresh-notify-cycle-end", functionName: "acceptance-refresh-notify-cycle-end", awsRequestId: "request-1" };

        it("reads its settings from the environment and writes one run summary line", async () => {
            stepFunctions.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, name: CYCLE, status: "ABORTED", startDate: START });
            stepFunctions.on(GetExecutionHistoryCommand).resolves({ events: [] });
            const summary = await createNotifyHandler()(statusEvent(REFRESH_MONITOR.stateMachineArn, EXECUTION, "ABORTED"), context);
            expect(summary).to.deep.equal({ execution: CYCLE, status: "ABORTED", subject: `WAS ABORTED: refresh cycle ${CYCLE} of acceptance`, messageId: "message-1" });
            expect(logged).to.deep.equal([{
                level: "info",
                entry: { event: "run summary", function: "notify-cycle-end", instance: "acceptance", requestId: "request-1", outcome: "sent", ...summary },
            }]);
        });

        it("fails before reading or sending anything when its settings were edited into something unusable", async () => {
            process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify({ ...REFRESH_MONITOR, topicArn: "team-alerts" });
            const error = await rejectionOf(createNotifyHandler()(statusEvent(REFRESH_MONITOR.stateMachineArn, EXECUTION), context));
            expect(error.message).to.equal(`${SETTINGS_ENVIRONMENT_VARIABLE} is not usable (topicArn is not an ARN): redeploy with pulumi up.`);
            expect(stepFunctions.calls()).to.have.length(0);
            expect(sns.calls()).to.have.length(0);
            expect(logged).to.deep.equal([{
                level: "error",
                entry: { event: "run summary", function: "notify-cycle-end", requestId: "request-1", outcome: "failed", error: { name: "Error", message: error.message } },
            }]);
        });
    });
});
