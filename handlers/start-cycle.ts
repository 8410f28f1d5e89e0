import { CycleGate, decideFiring } from "./cycle-gate";
import { refreshError } from "./errors";
import { StarterSettings } from "./settings";
import { CycleExecutions } from "./step-functions";

/** What the schedule sends: Scheduler fills in the firing's time, the gate says which firings are cycles. */
export interface ScheduleEvent {
    /** The schedule's `<aws.scheduler.scheduled-time>`, ISO 8601. Absent when invoked by hand: a cycle starts now. */
    scheduledTime?: string;
    /** Present for a readable cadence; see components/cadence.ts. */
    gate?: CycleGate;
}

export type StartOutcome = "started" | "already-started" | "not-a-cycle";

export interface StartSummary {
    outcome: StartOutcome;
    reason: string;
    /** The cycle's execution name, when the firing is a cycle. */
    cycle?: string;
    executionArn?: string;
    /** When the firing is not a cycle: when the next one starts. */
    nextCycle?: string;
}

export interface StartDependencies {
    executions: CycleExecutions;
}

/**
 * A cycle's starter, on either side: a firing that is a cycle starts the state machine's execution named after
 * the cycle, so a duplicated or retried firing can never run a cycle twice; any other firing starts nothing and
 * logs when the next cycle is.
 */
export async function startCycle(settings: StarterSettings, event: ScheduleEvent, now: Date, dependencies: StartDependencies): Promise<StartSummary> {
    const decision = decideFiring(readGate(settings, event), event.scheduledTime, now, settings.executionNamePrefix);
    if (!decision.start) {
        return { outcome: "not-a-cycle", reason: decision.reason, nextCycle: decision.nextCycle };
    }
    const started = await dependencies.executions.start(settings.stateMachineArn, decision.cycleName);
    return (started === "name-taken"
        ? { outcome: "already-started", reason: `${decision.reason}; an execution named ${decision.cycleName} already exists`, cycle: decision.cycleName }
        : { outcome: "started", reason: decision.reason, cycle: decision.cycleName, executionArn: started.executionArn });
}

function readGate(settings: StarterSettings, event: ScheduleEvent): CycleGate | undefined {
    const unknownKeys = typeof event === "object" && event !== null ? Object.keys(event).filter((key) => key !== "scheduledTime" && key !== "gate") : [];
    if (typeof event !== "object" || event === null || unknownKeys.length > 0) {
        throw refreshError(
            "InvalidRequestError",
            `the ${settings.cycleLabel} starter takes only its schedule's payload, {"scheduledTime": ..., "gate": ...}, or {} to start a cycle ` +
            `now; got ${JSON.stringify(event)}. To run now, dry-run or restore chosen snapshots, start an execution of ${settings.stateMachineArn} ` +
            `with that input (aws stepfunctions start-execution --state-machine-arn ${settings.stateMachineArn} --input '{"dryRun": true}'), ` +
            "or invoke the function that does the work",
        );
    }
    return event.gate;
}
