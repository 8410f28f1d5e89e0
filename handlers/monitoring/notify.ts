import { DescribeExecutionCommand, GetExecutionHistoryCommand, HistoryEvent, SFNClient } from "@aws-sdk/client-sfn";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { refreshError } from "../errors";
import { cycleMessage, CycleMessage, ExecutionEnd } from "./cycle-report";
import { MonitorSettings } from "./settings";

/** The part of EventBridge's "Step Functions Execution Status Change" event the notifier reads. */
export interface ExecutionStatusEvent {
    detail?: { executionArn?: unknown; stateMachineArn?: unknown };
}

export interface NotifyDependencies {
    stepFunctions: SFNClient;
    sns: SNSClient;
}

export interface NotifySummary {
    execution: string;
    status: string;
    subject: string;
    messageId?: string;
}

/** History events read, newest first, to find the state a failed execution was in. */
const HISTORY_EVENTS_READ = 30;

/**
 * Sends the one message of an execution that ended. It describes the execution itself rather than trusting the
 * event's copy of the output, which EventBridge truncates beyond 256 KB.
 */
export async function notifyCycleEnd(settings: MonitorSettings, event: ExecutionStatusEvent, dependencies: NotifyDependencies): Promise<NotifySummary> {
    const executionArn = event.detail?.executionArn;
    if (typeof executionArn !== "string" || !executionArn.startsWith("arn:")) {
        throw refreshError("InvalidRequestError", `the notifier expects a Step Functions Execution Status Change event with detail.executionArn; got ${JSON.stringify(event)}`);
    }
    if (event.detail?.stateMachineArn !== settings.stateMachineArn) {
        throw refreshError("InvalidRequestError", `the notifier of ${settings.stateMachineArn} was sent an execution of ${String(event.detail?.stateMachineArn)}`);
    }
    const end = await describeEnd(executionArn, dependencies.stepFunctions);
    const message: CycleMessage = cycleMessage(settings, end);
    const published = await dependencies.sns.send(new PublishCommand({ TopicArn: settings.topicArn, Subject: message.subject, Message: message.body }));
    return { execution: end.name, status: end.status, subject: message.subject, messageId: published.MessageId };
}

async function describeEnd(executionArn: string, stepFunctions: SFNClient): Promise<ExecutionEnd> {
    const execution = await stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
    const end: ExecutionEnd = {
        executionArn,
        name: execution.name ?? executionArn.split(":").pop()!,
        status: execution.status ?? "UNKNOWN",
        startDate: execution.startDate ?? new Date(),
        stopDate: execution.stopDate,
        output: execution.output,
        error: execution.error,
        cause: execution.cause,
    };
    if (end.status !== "SUCCEEDED") {
        const history = await stepFunctions.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: HISTORY_EVENTS_READ }));
        end.failedState = lastStateEntered(history.events ?? []);
    }
    return end;
}

function lastStateEntered(newestFirst: readonly HistoryEvent[]): string | undefined {
    return newestFirst.find((event) => event.type?.endsWith("StateEntered"))?.stateEnteredEventDetails?.name;
}
