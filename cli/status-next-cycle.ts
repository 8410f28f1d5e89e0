import { CadencePlan, nextCycleTimes } from "../components/cadence";
import { PauseState } from "../handlers/pause";

/** When the next cycle starts, given the cadence and the pause. */
export interface NextCycle {
    /** The cadence in words, timezone included. */
    cadence: string;
    /** When the next cycle that will run starts; absent when the cadence gives no time (`rate(...)`) or while paused without an end. */
    at?: Date;
    /** The cycle a pause with an end skips: it starts, finds the pause and changes nothing. */
    skipped?: Date;
    /** Why the cadence gives no time (a `rate(...)` cadence). */
    note?: string;
}

export function nextCycle(plan: CadencePlan, pause: PauseState, now: Date): NextCycle {
    const base = { cadence: plan.description };
    const next = nextCycleTimes(plan, now, 1)?.[0];
    if (next === undefined) {
        return { ...base, note: `not known here: ${plan.expression} counts from when the schedule was created; the EventBridge Scheduler console shows its next firing` };
    }
    if (!pause.paused) return { ...base, at: next };
    if (pause.until === undefined) return { ...base, skipped: next };
    const until = new Date(pause.until);
    if (next >= until) return { ...base, at: next };
    const afterPause = nextCycleTimes(plan, until, 1)?.[0];
    return { ...base, skipped: next, ...(afterPause === undefined ? {} : { at: afterPause }) };
}

/**
 * The scheduled cycle that should have started last, when it started more than `graceMinutes` ago; undefined
 * when the cadence gives no times or the previous interval has no cycle in it.
 */
export function lastDueCycle(plan: CadencePlan, now: Date, graceMinutes: number): Date | undefined {
    if (plan.cycleMinutes === undefined) return undefined;
    const latestDue = now.getTime() - graceMinutes * 60_000;
    const due = nextCycleTimes(plan, new Date(latestDue - plan.cycleMinutes * 60_000), 2) ?? [];
    return due.filter((time) => time.getTime() <= latestDue).pop();
}
