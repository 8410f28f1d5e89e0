import { guideFor } from "../troubleshooting";
import { causeMessage, CycleDelivery, readDelivery } from "./execution-output";
import { MonitorSettings } from "./settings";

/** How one execution of a cycle ended, as Step Functions describes it. */
export interface ExecutionEnd {
    executionArn: string;
    name: string;
    /** SUCCEEDED, FAILED, TIMED_OUT or ABORTED. */
    status: string;
    startDate: Date;
    stopDate?: Date;
    output?: string;
    error?: string;
    cause?: string;
    /** The state the execution was in when it failed, from its history. */
    failedState?: string;
}

export interface CycleMessage {
    /** At most 100 characters, as SNS requires of an email subject. */
    subject: string;
    body: string;
}

const MAX_SUBJECT_LENGTH = 100;

/**
 * The one message a cycle's end sends: what it delivered (per engine, with when production took the data), or
 * where and why it failed, what that changed and what to do. Whoever reads it at 9 a.m. needs no logs.
 */
export function cycleMessage(settings: MonitorSettings, end: ExecutionEnd): CycleMessage {
    // The account tells the two sides, and several acceptance accounts, apart in one shared inbox.
    const title = `${capitalize(settings.cycleLabel)} ${end.name} of ${settings.instanceName} in account ${accountOf(end.executionArn)}`;
    // In brackets, after the outcome: "paused in 1 min" would read as a pause still to come.
    const took = end.stopDate === undefined ? "" : `, took ${formatDuration(end.stopDate.getTime() - end.startDate.getTime())}`;
    const started = `started ${formatTime(end.startDate)}${took}`;
    const link = `Execution: ${consoleUrl(end.executionArn)}`;
    if (end.status !== "SUCCEEDED") {
        const errorName = end.status === "ABORTED" ? "Aborted" : end.status === "TIMED_OUT" ? "States.Timeout" : end.error;
        const guide = guideFor(errorName);
        const ended = end.status === "TIMED_OUT" ? "TIMED OUT" : end.status === "ABORTED" ? "WAS ABORTED" : "FAILED";
        return {
            subject: subject(`${ended}: ${settings.cycleLabel} ${end.name} of ${settings.instanceName}`),
            body: lines(
                `${title} ${ended} (${started})${end.failedState ? `, at step ${end.failedState}` : ""}.`,
                `Error: ${errorName ?? end.status}: ${causeMessage(end.cause) ?? "no message"}`,
                `What changed: ${guide.changed}`,
                `What to do: ${guide.action}`,
                link,
            ),
        };
    }
    const delivery = readDelivery(settings.side, end.output);
    const outcome = delivery.outcome ?? "succeeded";
    return {
        subject: subject(`${outcomeWord(outcome)}: ${settings.cycleLabel} ${end.name} of ${settings.instanceName}`),
        body: lines(`${title} ${outcomeSentence(outcome)} (${started}).`, ...deliveryLines(delivery, end.startDate), link),
    };
}

function deliveryLines(delivery: CycleDelivery, startDate: Date): string[] {
    const result: string[] = [];
    if (delivery.paused !== undefined) result.push(`Paused: ${delivery.paused}`);
    if (delivery.outcome === "dry-run") {
        result.push("Nothing was changed. It would:", ...delivery.wouldDo.map((line) => `- ${line}`));
    } else {
        for (const item of delivery.items) {
            if (item.snapshot !== undefined) {
                const taken = item.takenAt === undefined ? "" : `, which production took ${formatTime(new Date(item.takenAt))} (${formatDuration(startDate.getTime() - Date.parse(item.takenAt))} before the cycle started)`;
                result.push(`${item.name}: ${delivery.outcome === "shared" ? "shared" : "restored"} ${item.snapshot}${taken}.`);
            } else if (item.note !== undefined) {
                result.push(`${item.name}: ${item.note}.`);
            }
        }
    }
    if (delivery.pipelineExecutionId !== undefined) result.push(`Main pipeline ${delivery.pipelineName ?? ""}: execution ${delivery.pipelineExecutionId}.`);
    result.push(...delivery.warnings.map((warning) => `Warning: ${warning}`));
    return result;
}

function outcomeWord(outcome: string): string {
    return ({ restored: "Restored", shared: "Shared", paused: "Paused", "dry-run": "Dry run" } as Record<string, string>)[outcome] ?? "Succeeded";
}

function outcomeSentence(outcome: string): string {
    return ({
        restored: "restored the databases' snapshots and started the main pipeline",
        shared: "shared the newest snapshots",
        paused: "changed nothing: the instance is paused",
        "dry-run": "was a dry run",
    } as Record<string, string>)[outcome] ?? "succeeded";
}

function accountOf(executionArn: string): string {
    return executionArn.split(":")[4];
}

/** The execution in the Step Functions console of its Region. */
function consoleUrl(executionArn: string): string {
    const region = executionArn.split(":")[3];
    return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function subject(text: string): string {
    // SNS rejects control characters and subjects over 100 characters.
    const printable = text.replace(/[^\x20-\x7E]/g, " ");
    return printable.length <= MAX_SUBJECT_LENGTH ? printable : `${printable.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

function lines(...parts: string[]): string {
    return parts.join("\n");
}

function capitalize(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatTime(date: Date): string {
    return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `42 min`, `3 h 5 min`, `2 d 4 h`: how long, to the minute. */
export function formatDuration(ms: number): string {
    const minutes = Math.max(0, Math.round(ms / 60_000));
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 48) return `${hours} h${minutes % 60 === 0 ? "" : ` ${minutes % 60} min`}`;
    return `${Math.floor(hours / 24)} d${hours % 24 === 0 ? "" : ` ${hours % 24} h`}`;
}
