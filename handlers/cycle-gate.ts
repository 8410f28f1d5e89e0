/**
 * Decides, inside the function that starts the refresh cycles, whether a schedule firing starts one, and names
 * it.
 *
 * EventBridge Scheduler cannot express "every 2 weeks" or "02:00, or 03:00 when 02:00 does not exist", so the
 * schedule fires on the weekday every week, at the time and an hour later, and the {@link CycleGate} in its
 * payload lets through one firing per cycle. All reasoning happens on the local wall clock of the schedule's
 * time zone, counting calendar days, so daylight saving changes and year ends never shift the cycle days.
 */

import {
    dateOfDay,
    dayOfDate,
    dayOfWall,
    formatTime,
    isWholeIn,
    MINUTES_PER_DAY,
    minuteOfTime,
    minuteOfWall,
    WallMinutes,
    ZoneClock,
    zoneClock,
} from "./calendar";

/** Which firings of a readable cadence's schedule start a cycle. Plain JSON: it travels in the schedule's payload. */
export interface CycleGate {
    /** IANA time zone the schedule's cron expression is evaluated in. */
    timezone: string;
    /** Cycle length in calendar days: 1 to 31 for days, 7 times N for weeks. */
    everyDays: number;
    /** Local calendar date (YYYY-MM-DD) of the first cycle; every `everyDays` days after it is a cycle day. */
    anchorDate: string;
    /** Local wall-clock time "HH:MM" a cycle starts at. */
    localTime: string;
}

export type FiringDecision =
    | {
        start: true;
        /** The execution name of the cycle: `<prefix>-<local date>` (`<prefix>-<UTC minute>` for a raw cadence's firing). */
        cycleName: string;
        /** Why it starts, for the log. */
        reason: string;
    }
    | {
        start: false;
        /** Why not, for the log: "2026-12-13 is not a cycle week: 1 week after the last cycle on 2026-12-06". */
        reason: string;
        /** When the next cycle starts, in the gate's time zone: "2026-12-20 02:00 Europe/Amsterdam". */
        nextCycle: string;
    };

/** Cron writes the cycle's time twice, the second an hour later, for the days the first does not exist. */
const FALLBACK_DELAY_MINUTES = 60;

/**
 * Whether this firing starts a cycle, and which.
 * @param gate the schedule payload's gate; undefined for a raw cron/rate cadence, where every firing is a cycle.
 * @param scheduledTime the firing's `<aws.scheduler.scheduled-time>`; undefined for a manual invocation.
 * @param now stands in for a missing scheduled time.
 * @param namePrefix what the cycle's execution name starts with: `cycle` (`cycle-2026-12-06`), `share`.
 */
export function decideFiring(gate: CycleGate | undefined, scheduledTime: string | undefined, now: Date = new Date(), namePrefix = "cycle"): FiringDecision {
    const firingMs = scheduledTime === undefined ? now.getTime() : parseScheduledTime(scheduledTime);
    if (firingMs === undefined) {
        throw new Error(
            `scheduledTime ${JSON.stringify(scheduledTime)} is not an ISO-8601 instant such as 2026-03-29T01:00:00Z: ` +
            "the schedule must pass <aws.scheduler.scheduled-time>. Redeploy with pulumi up.",
        );
    }
    if (gate === undefined || scheduledTime === undefined) {
        return {
            start: true,
            cycleName: `${namePrefix}-${new Date(firingMs).toISOString().slice(0, 16).replace(":", "")}Z`,
            reason: gate === undefined ? "every firing of a cron(...) or rate(...) cadence starts a cycle" : "invoked by hand: a cycle starts now",
        };
    }
    assertGate(gate);
    const clock = zoneClock(gate.timezone);
    const firing = clock.wallAt(firingMs);
    const intendedMinute = minuteOfTime(gate.localTime);
    const isFallback = minuteOfWall(firing) !== intendedMinute;
    const fallbackTime = formatMinuteOfDay(intendedMinute + FALLBACK_DELAY_MINUTES);
    const skip = (day: number, reason: string): FiringDecision => ({ start: false, reason, nextCycle: nextCycleAfter(gate, clock, day) });

    if (isFallback && minuteOfWall(firing - FALLBACK_DELAY_MINUTES) !== intendedMinute) {
        return skip(dayOfWall(firing), `${formatMinuteOfDay(firing)} is neither the cycle time ${gate.localTime} nor its fallback ${fallbackTime}`);
    }
    const intended = isFallback ? firing - FALLBACK_DELAY_MINUTES : firing;
    const day = dayOfWall(intended);
    const date = dateOfDay(day);
    const notCycle = cycleDayProblem(gate, day);
    if (notCycle !== undefined) return skip(day, notCycle);
    if (isFallback && clock.instantsAt(intended).length > 0) {
        return skip(day, `the fallback firing at ${fallbackTime} is not needed: ${gate.localTime} exists on ${date} in ${gate.timezone}, so the cycle started then`);
    }
    return {
        start: true,
        cycleName: `${namePrefix}-${date}`,
        reason: isFallback
            ? `cycle ${date}: ${gate.localTime} does not exist that day in ${gate.timezone} (clocks spring forward), so it starts at ${fallbackTime}`
            : `cycle ${date}: ${gate.localTime} ${gate.timezone}`,
    };
}

/** The instant an ISO-8601 date-time with a zone designator names, in epoch milliseconds; undefined for anything else. */
function parseScheduledTime(value: string): number | undefined {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
    const instantMs = Date.parse(value);
    return Number.isNaN(instantMs) ? undefined : instantMs;
}

/** Why a local day is not a cycle day, or undefined when it is one. */
function cycleDayProblem(gate: CycleGate, day: number): string | undefined {
    const anchorDay = dayOfDate(gate.anchorDate);
    const date = dateOfDay(day);
    if (day < anchorDay) return `${date} is before the first cycle on ${gate.anchorDate}`;
    const daysSinceCycle = (day - anchorDay) % gate.everyDays;
    if (daysSinceCycle === 0) return undefined;
    const lastCycle = dateOfDay(day - daysSinceCycle);
    const inWeeks = gate.everyDays % 7 === 0 && daysSinceCycle % 7 === 0;
    const distance = inWeeks ? plural(daysSinceCycle / 7, "week") : plural(daysSinceCycle, "day");
    return `${date} is not a cycle ${inWeeks ? "week" : "day"}: ${distance} after the last cycle on ${lastCycle}`;
}

/** The first cycle after local day `day`, as the local clock shows it when it starts. */
function nextCycleAfter(gate: CycleGate, clock: ZoneClock, day: number): string {
    const anchorDay = dayOfDate(gate.anchorDate);
    const nextDay = day < anchorDay ? anchorDay : anchorDay + (Math.floor((day - anchorDay) / gate.everyDays) + 1) * gate.everyDays;
    const startsAt = cycleStart(gate, clock, nextDay)?.wall ?? intendedStart(gate, nextDay) + FALLBACK_DELAY_MINUTES;
    return `${dateOfDay(nextDay)} ${formatMinuteOfDay(startsAt)} ${gate.timezone}`;
}

/** One cycle a gate lets start. */
export interface GatedCycle {
    /** Its local date, "YYYY-MM-DD": the execution is named after it (`cycle-2026-12-06`). */
    date: string;
    /** The instant the firing that starts it fires. */
    startsAt: Date;
}

/**
 * The next `count` cycles that start after `after`, exactly as {@link decideFiring} starts them from the
 * schedule's firings: on each cycle day at the gate's time, or an hour later where that time does not exist;
 * a time the fall-back repeats fires once, at its first occurrence. For plans and descriptions: the starter
 * itself never looks ahead.
 */
export function cyclesAfter(gate: CycleGate, after: Date, count: number): GatedCycle[] {
    assertGate(gate);
    const clock = zoneClock(gate.timezone);
    const anchorDay = dayOfDate(gate.anchorDate);
    // A cycle whose fallback passes midnight starts the day after its date: begin with the cycle day before.
    const fromDay = dayOfWall(clock.wallAt(after.getTime())) - 1;
    let day = fromDay <= anchorDay ? anchorDay : anchorDay + Math.ceil((fromDay - anchorDay) / gate.everyDays) * gate.everyDays;
    const cycles: GatedCycle[] = [];
    // Only a gap longer than the fallback's hour leaves a cycle day without a cycle: rare, so a few extra days suffice.
    for (let daysTried = 0; cycles.length < count && daysTried < 2 * count + 2; daysTried++, day += gate.everyDays) {
        const start = cycleStart(gate, clock, day);
        if (start !== undefined && start.instantMs > after.getTime()) cycles.push({ date: dateOfDay(day), startsAt: new Date(start.instantMs) });
    }
    return cycles;
}

function intendedStart(gate: CycleGate, day: number): WallMinutes {
    return day * MINUTES_PER_DAY + minuteOfTime(gate.localTime);
}

/** When a cycle day's cycle starts: the first firing of its time, else of its fallback; undefined where Scheduler fires neither. */
function cycleStart(gate: CycleGate, clock: ZoneClock, day: number): { wall: WallMinutes; instantMs: number } | undefined {
    for (const wall of [intendedStart(gate, day), intendedStart(gate, day) + FALLBACK_DELAY_MINUTES]) {
        const [firstInstantMs] = clock.instantsAt(wall);
        if (firstInstantMs !== undefined) return { wall, instantMs: firstInstantMs };
    }
    return undefined;
}

/** A gate is deploy-time JSON in a payload anyone can edit; a broken one must fail loudly, not skip cycles. */
function assertGate(gate: CycleGate): void {
    const problems: string[] = [];
    if (!isTimeZone(gate.timezone)) problems.push(`timezone ${JSON.stringify(gate.timezone)} is not an IANA time zone`);
    if (!isWholeIn(gate.everyDays, 1, 366)) problems.push("everyDays is not a whole number of days");
    if (typeof gate.anchorDate !== "string" || Number.isNaN(dayOfDate(gate.anchorDate))) problems.push("anchorDate is not YYYY-MM-DD");
    if (typeof gate.localTime !== "string" || !/^\d\d:\d\d$/.test(gate.localTime) || Number.isNaN(minuteOfTime(gate.localTime))) {
        problems.push("localTime is not HH:MM");
    }
    if (problems.length > 0) {
        throw new Error(`The schedule payload's cycle gate is not usable (${problems.join("; ")}): redeploy with pulumi up.`);
    }
}

function isTimeZone(value: unknown): boolean {
    if (typeof value !== "string" || value === "") return false;
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: value });
        return true;
    } catch {
        return false;
    }
}

function formatMinuteOfDay(wall: WallMinutes): string {
    return formatTime(minuteOfWall(wall));
}

function plural(count: number, unit: string): string {
    return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
