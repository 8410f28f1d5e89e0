import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { CycleDelivery, errorText, readDelivery } from "../handlers/monitoring/execution-output";
import { reading } from "./status-aws";
import { CycleNames } from "./status-names";

/** One execution of the cycle's state machine. */
export interface CycleRun {
    name: string;
    executionArn: string;
    /** `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`, `PENDING_REDRIVE`. */
    status: string;
    /** Started by the schedule (named after its cycle), rather than by hand. */
    scheduled: boolean;
    /** The execution's input, when an operator gave one (`{"dryRun":true}`, `{"restore":{...}}`). */
    request?: string;
    startedAt: Date;
    /** Absent while it runs. */
    stoppedAt?: Date;
    /** Milliseconds from its start to its end, or to now while it runs. */
    durationMs: number;
    /** What its output says it delivered; absent while it runs and when it failed. */
    delivery?: CycleDelivery;
    /** Refresh cycles: the update's error, when the update failed and the restore went on without it. */
    updateError?: string;
    /** The error's name (`CopyNotReadyError`, `States.Timeout`), when it failed, timed out or was stopped. */
    errorName?: string;
    /** Why it failed, timed out or was stopped, in a sentence. */
    error?: string;
}

/** The newest `count` executions, newest first, each with its result or its error. */
export async function readRecentCycles(sfn: SFNClient, stack: string, stateMachineArn: string, side: CycleNames, count: number, now: Date): Promise<CycleRun[]> {
    const listed = await reading("the cycle's executions (states:ListExecutions)", stack, () =>
        sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: count })));
    const executions = (listed.executions ?? []).slice(0, count);
    return Promise.all(executions.map(async (execution): Promise<CycleRun> => {
        const executionArn = execution.executionArn ?? "";
        const described = await reading(`the execution ${execution.name} (states:DescribeExecution)`, stack, () =>
            sfn.send(new DescribeExecutionCommand({ executionArn })));
        const name = described.name ?? execution.name ?? "";
        const startedAt = described.startDate ?? execution.startDate ?? now;
        const stoppedAt = described.stopDate ?? execution.stopDate;
        const status = described.status ?? execution.status ?? "unknown";
        const request = compactJson(described.input);
        const delivery = described.output === undefined ? undefined : readDelivery(side.role, described.output);
        const updateError = delivery?.updateFailure;
        const errorName = described.error ?? (status === "ABORTED" ? "Aborted" : status === "TIMED_OUT" ? "States.Timeout" : undefined);
        const error = errorText(described.error, described.cause) ?? (status === "ABORTED" ? "stopped by hand" : undefined);
        return {
            name,
            executionArn,
            status,
            scheduled: isScheduledName(name, side.executionNamePrefix),
            ...(request !== undefined && request !== "{}" ? { request } : {}),
            startedAt,
            ...(stoppedAt === undefined ? {} : { stoppedAt }),
            durationMs: (stoppedAt ?? now).getTime() - startedAt.getTime(),
            ...(delivery === undefined ? {} : { delivery }),
            ...(updateError === undefined ? {} : { updateError }),
            ...(errorName === undefined ? {} : { errorName }),
            ...(error === undefined ? {} : { error }),
        };
    }));
}

/** `cycle-2026-12-06` for a readable cadence, `cycle-2026-12-06T0100Z` for a cron(...) or rate(...) one. */
function isScheduledName(name: string, prefix: string): boolean {
    return name.startsWith(`${prefix}-`) && /^\d{4}-\d{2}-\d{2}(T\d{4}Z)?$/.test(name.slice(prefix.length + 1));
}

/** The execution's input on one line, as an operator would type it. */
function compactJson(text: string | undefined): string | undefined {
    const parsed = parseJson(text);
    return parsed === undefined ? text : JSON.stringify(parsed);
}

function parseJson(text: string | undefined): unknown {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}
