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
import { ExecutionRecord } from "./step-functions-service";

export type ParameterState = Record<string, { value: string; version: number }>;

export interface InvocationRecord {
    kind: FunctionKind;
    invocation: Invocation;
    status: "succeeded" | "failed";
    /** What the run said it did: the starter's and the restore's `outcome` (started, not-a-cycle, waiting, restored). */
    outcome?: string;
    /** The schedule firing the starter ran for. */
    firing?: Firing<"starter">;
    /** The Step Functions execution whose Task state ran the update or the restore. */
    execution?: ExecutionRecord;
    /** Local date and time of the run in the cadence's time zone. */
    localDate: string;
    localTime: string;
    parametersBefore: ParameterState;
    parametersAfter: ParameterState;
    /** The AWS calls the run made. */
    calls: ApiCall[];
    copiesStarted: StoredSnapshot[];
    deleted: StoredSnapshot[];
    /**
     * Per engine, the production snapshot this run had to work with, from production's own records at the run's
     * instant: for the update, the newest shared then; for a restore check, the cycle's data as of the check
     * (see ProductionAccount.cycleDataAt).
     */
    expectedData?: Partial<Record<EngineName, string>>;
    /** A restore check at or after the end of the cycle's maintenance window: nothing waits any longer. */
    final?: boolean;
}

/** What a cycle should come to, and which errors its runs may end with on the way. */
export interface CycleExpectation {
    outcome: "restored" | "failed";
    /** A failed update run must say this; without it, any failed update run is a violation. */
    updateError?: RegExp;
    /** A failed restore run must say this; a failed cycle's execution must end with it. */
    restoreError?: RegExp;
}

export interface CycleRecord {
    number: number;
    /** Local date of the cycle day: the execution is named `cycle-<date>`. */
    date: string;
    expectation: CycleExpectation;
    /** The cycle's Step Functions execution. */
    execution?: ExecutionRecord;
    updates: InvocationRecord[];
    restores: InvocationRecord[];
    /**
     * The cycle's start, from the calendar (the cadence's local time that day, or the hour after it when that
     * time does not exist): snapshots started later belong to the next cycle.
     */
    cycleStart: Date;
    /** Per engine, the newest production snapshot shared with acceptance when the update ran: what the update had to record. */
    sharedWhenUpdated: Partial<Record<EngineName, string>>;
    /**
     * Per engine, the data the cycle should restore: the newest production snapshot started at or before the
     * cycle's start and shared by the check that restored (by the last check so far while none has).
     */
    expectedData: Partial<Record<EngineName, string>>;
    /** Executions the restore function started during the cycle. */
    executions: PipelineExecution[];
    outcome?: "restored" | "failed" | "incomplete";
    /** Restored production ARNs per engine, or the execution's error. */
    detail?: string;
}

/**
 * A cycle's restore checks, a letter each, so its course reads at a glance: t (throttled, retried), E (failed),
 * c (started a copy and waits), w (waits), R (restored).
 */
export function checkCodes(cycle: CycleRecord): string {
    return cycle.restores.map(checkCode).join("");
}

/** The cycles' table and the first violations: what a failed test about a simulated world shows. */
export function worldReport(world: { cycles: readonly CycleRecord[]; violations: readonly { at: string; what: string }[] }, most = 40): string {
    const violations = world.violations.slice(0, most).map((violation) => `  ${violation.at}: ${violation.what}`).join("\n");
    return `\n${cycleTable(world.cycles)}\n\nviolations (${world.violations.length}):\n${violations}\n`;
}

function checkCode(record: InvocationRecord): string {
    if (record.status === "failed") return record.invocation.error?.name === "TransientAwsError" ? "t" : "E";
    if (record.outcome === "waiting") return record.copiesStarted.length > 0 ? "c" : "w";
    return record.outcome === "restored" ? "R" : "?";
}

function shortArn(arn: string): string {
    return arn.replace(/^arn:aws:rds:[^:]+:(\d+):cluster-snapshot:/, "$1:");
}

/** Minutes from the cycle's start to the pipeline's start, when it restored. */
function minutesToRestore(cycle: CycleRecord): string {
    const execution = cycle.executions[0];
    return execution === undefined ? "-" : String(Math.round((execution.startTime.getTime() - cycle.cycleStart.getTime()) / 60_000));
}

/**
 * One line per cycle: date, update runs, restore checks (c started a copy and waits, w waiting, t throttled and
 * retried, E error, R restored), minutes to the pipeline's start, outcome, details.
 */
export function cycleTable(cycles: readonly CycleRecord[]): string {
    const header = "  #  date        update  checks          min  expected  outcome     restored data or error";
    const rows = cycles.map((cycle) => {
        const update = cycle.updates.map((record) => (record.status === "failed" ? (record.invocation.error?.name === "TransientAwsError" ? "t" : "E") : "ok")).join(",") || "-";
        const checks = checkCodes(cycle) || "-";
        const detail = (cycle.detail ?? "").replace(/arn:aws:rds:[^:]+:\d+:cluster-snapshot:[a-z0-9-]+/g, shortArn);
        return `${String(cycle.number).padStart(3)}  ${cycle.date}  ${update.padEnd(6)}  ${checks.padEnd(14)}  ${minutesToRestore(cycle).padStart(3)}  ` +
            `${cycle.expectation.outcome.padEnd(8)}  ${(cycle.outcome ?? "-").padEnd(10)}  ${detail.length > 200 ? `${detail.slice(0, 200)}...` : detail}`;
    });
    return [header, ...rows].join("\n");
}
