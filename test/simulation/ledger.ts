/**
 * What happened, per invocation and per cycle: the simulation's record, which the invariants and the tests read
 * and which is printed as a table when a test fails.
 */
import { EngineName } from "../../handlers/engines";
import { FunctionKind } from "./deployment";
import { ApiCall } from "./fake-aws";
import { Invocation } from "./lambda-runtime";
import { PipelineExecution } from "./pipeline-service";
import { Firing } from "./scheduler-clock";
import { StoredSnapshot } from "./snapshot-store";

export type ParameterState = Record<string, { value: string; version: number }>;

export interface InvocationRecord {
    kind: FunctionKind;
    firing: Firing<FunctionKind>;
    invocation: Invocation;
    status: "skipped" | "succeeded" | "failed";
    /** The restore's outcome when it succeeded: restored, already-restored or waiting. */
    restoreOutcome?: string;
    parametersBefore: ParameterState;
    parametersAfter: ParameterState;
    /** The AWS calls the run made. */
    calls: ApiCall[];
    copiesStarted: StoredSnapshot[];
    deleted: StoredSnapshot[];
    cycle?: CycleRecord;
    /**
     * Per engine, the production snapshot this run had to work with, from production's own records at the run's
     * instant: for the update, the newest shared then; for a restore attempt, the cycle's data as of the attempt
     * (see ProductionAccount.cycleDataAt). Absent for skipped runs.
     */
    expectedData?: Partial<Record<EngineName, string>>;
    /** A restore attempt of a cycle: whether no later attempt of its window exists, read from the window itself. */
    lastAttempt?: boolean;
}

/** What a cycle should come to, and which errors its runs may end with on the way. */
export interface CycleExpectation {
    outcome: "restored" | "failed";
    /** A failed update run must say this; without it, any failed update run is a violation. */
    updateError?: RegExp;
    /** A failed restore attempt must say this; for a failed cycle, the window's last attempt must (unless `lastRestoreError`). */
    restoreError?: RegExp;
    /**
     * What the window's last attempt must say instead, when it differs: a copy that does not exist is started
     * only on an attempt a later one can wait for, so the last attempt explains why it started none.
     */
    lastRestoreError?: RegExp;
}

export interface CycleRecord {
    number: number;
    /** Local date of the cycle day. */
    date: string;
    expectation: CycleExpectation;
    updates: InvocationRecord[];
    restores: InvocationRecord[];
    /**
     * The cycle's update time, from the calendar (the cadence's local time that day, or the hour after it when
     * that time does not exist): snapshots started later belong to the next cycle.
     */
    cycleStart: Date;
    /** Per engine, the newest production snapshot shared with acceptance when the update ran: what the update had to record. */
    sharedWhenUpdated: Partial<Record<EngineName, string>>;
    /**
     * Per engine, the data the cycle should restore: the newest production snapshot started at or before the
     * update time and shared by the attempt that restored (by the last attempt so far while none has).
     */
    expectedData: Partial<Record<EngineName, string>>;
    /** Executions the restore function started during the cycle. */
    executions: PipelineExecution[];
    outcome?: "restored" | "failed" | "incomplete";
    /** Restored production ARNs per engine, or the last attempt's error. */
    detail?: string;
}

const ATTEMPT_CODE: Record<string, string> = { waiting: "w", restored: "R", "already-restored": "a" };

function attemptCode(record: InvocationRecord): string {
    if (record.status === "failed") return "E";
    // A copy the restore had to start itself is worth seeing at a glance: the update did not make it.
    if (record.restoreOutcome === "waiting" && record.copiesStarted.length > 0) return "c";
    return ATTEMPT_CODE[record.restoreOutcome ?? ""] ?? "?";
}

function shortArn(arn: string): string {
    return arn.replace(/^arn:aws:rds:[^:]+:(\d+):cluster-snapshot:/, "$1:");
}

/**
 * One line per cycle: date, update result, restore attempts (c started a copy and waits, w waiting, E error,
 * R restored, a already restored), outcome, details.
 */
export function cycleTable(cycles: readonly CycleRecord[]): string {
    const header = "  #  date        update  attempts  expected  outcome     restored data or error";
    const rows = cycles.map((cycle) => {
        const update = cycle.updates.map((record) => (record.status === "failed" ? "error" : "ok")).join(",") || "-";
        const attempts = cycle.restores.map(attemptCode).join("") || "-";
        const detail = (cycle.detail ?? "").replace(/arn:aws:rds:[^:]+:\d+:cluster-snapshot:[a-z0-9-]+/g, shortArn);
        return `${String(cycle.number).padStart(3)}  ${cycle.date}  ${update.padEnd(6)}  ${attempts.padEnd(8)}  ${cycle.expectation.outcome.padEnd(8)}  ` +
            `${(cycle.outcome ?? "-").padEnd(10)}  ${detail.length > 200 ? `${detail.slice(0, 200)}...` : detail}`;
    });
    return [header, ...rows].join("\n");
}
