/**
 * Decides, inside the update and restore functions, whether a schedule firing is a refresh cycle.
 *
 * EventBridge Scheduler cannot express "every 2 weeks" or "02:00, or 03:00 when 02:00 does not exist", so the
 * schedules fire more often than needed and the {@link CycleGate} in their payload filters the firings. All
 * reasoning happens on the local wall clock of the schedule's time zone, counting calendar days, so daylight
 * saving changes and year ends never shift which days are cycle days.
 */

import {
    dateOfDay,
    dayOfDate,
    formatTime,
    isWholeIn,
    MINUTES_PER_DAY,
    MINUTES_PER_HOUR,
    minuteOfTime,
    MS_PER_DAY,
    MS_PER_MINUTE,
} from "./calendar";

/** Plain JSON: it is serialized into the schedule payload. */
export interface CycleGate {
    kind: "update" | "restore";
    /** IANA time zone the schedule's cron expression is evaluated in. */
    timezone: string;
    /** Cycle length in calendar days: 1..31 for days, 7*N for weeks. */
    everyDays: number;
    /** Local calendar date (YYYY-MM-DD) of a cycle day: the update's day. No cycle runs before it. */
    anchorDate: string;
    /** Intended local wall-clock time of the first firing on its day, "HH:MM" (the update's time, or the restore's start). */
    localTime: string;
    /** Intended local wall-clock time of the cycle's update, "HH:MM": the restore's cycle starts then. Update: equals `localTime`. */
    updateTime: string;
    /** For restore: days between the update's day and the restore's day (0 or 1). For update: 0. */
    dayOffset: number;
    /** Restore only: window length in minutes. Update: 0. */
    windowMinutes: number;
    /** Restore only: minutes between attempts inside the window. Update: 0. */
    recheckMinutes: number;
}

export interface CycleDecision {
    /** True when this firing should do the work. */
    run: boolean;
    /**
     * Stable id of the refresh cycle this firing belongs to: the update day's local date "YYYY-MM-DD" (for
     * ungated firings: the scheduled time's UTC date-time, minute precision, "YYYY-MM-DDTHH:MMZ").
     */
    cycleId: string;
    /** 1-based attempt within the restore window (1 for update and ungated; 0 when `run` is false). */
    attempt: number;
    /** True when no later firing belongs to the same window (always true for update and ungated firings; false when `run` is false). */
    lastAttempt: boolean;
    /**
     * ISO instant at which this cycle's restore window started (restore) or this firing's intended time
     * (update); used by the restore to find what it already did this cycle. For a firing that does not run:
     * the scheduled time.
     */
    windowStart: string;
    /**
     * ISO instant at which this cycle's update ran: its intended time, or just after the spring-forward gap
     * when that time did not exist (the fallback firing). The same for the update and every restore attempt
     * of a cycle. Ungated: the scheduled time; for a firing that does not run: the scheduled time.
     */
    cycleStart: string;
    /** Why it runs or not, for the log: e.g. "not a cycle week: 1 week after the last cycle on 2026-12-06". */
    reason: string;
}

/** Cron writes the update's time twice, the second an hour later, for days when the first does not exist. */
const FALLBACK_DELAY_MINUTES = 60;

/**
 * A local wall-clock time as minutes since 1970-01-01T00:00 on the zone's own calendar. Wall-clock arithmetic
 * ("two hours after 23:30 on Saturday") becomes integer addition, and `floor(wall / 1440)` is the local day.
 */
type WallMinutes = number;

/** Wall-clock conversions for one time zone; built per decision because serialized handlers must not keep state. */
interface ZoneClock {
    wallAt(instantMs: number): WallMinutes;
    /**
     * The instant a wall-clock time denotes. A time in a spring-forward gap does not exist; like cron it is
     * then taken to be the instant just after the gap. A repeated time resolves to its first occurrence.
     */
    resolve(wall: WallMinutes): { instantMs: number; exists: boolean };
}

/**
 * Whether this firing should refresh, and as which cycle and attempt.
 * @param gate the schedule payload's gate; undefined for a raw cron/rate schedule or a manual invocation.
 * @param scheduledTime the firing's scheduled time, ISO-8601 (Scheduler's `<aws.scheduler.scheduled-time>`).
 * @param now stands in for a missing scheduled time of an ungated (manual) invocation.
 */
export function decideCycle(
    gate: CycleGate | undefined,
    scheduledTime: string | undefined,
    now: Date = new Date(),
): CycleDecision {
    if (gate === undefined) return decideUngated(scheduledTime, now);
    assertGate(gate);
    const firingMs = parseScheduledTime(scheduledTime);
    if (firingMs === undefined) {
        throw new Error(
            `The ${gate.kind} schedule's payload has a cycle gate but scheduledTime is ${JSON.stringify(scheduledTime)}, ` +
            "not an ISO-8601 instant: the schedule must pass <aws.scheduler.scheduled-time>. Redeploy with pulumi up.",
        );
    }
    const clock = zoneClock(gate.timezone);
    const firing = clock.wallAt(firingMs);
    return gate.kind === "update"
        ? decideUpdate(gate, clock, firing, firingMs)
        : decideRestore(gate, clock, firing, firingMs);
}

/** The instant an ISO-8601 date-time with a zone designator names, in epoch milliseconds; undefined for anything else. */
function parseScheduledTime(value: string | undefined): number | undefined {
    if (value === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
        return undefined;
    }
    const instantMs = Date.parse(value);
    return Number.isNaN(instantMs) ? undefined : instantMs;
}

function decideUngated(scheduledTime: string | undefined, now: Date): CycleDecision {
    const firingMs = scheduledTime === undefined ? now.getTime() : parseScheduledTime(scheduledTime);
    if (firingMs === undefined) {
        throw new Error(`scheduledTime ${JSON.stringify(scheduledTime)} is not an ISO-8601 instant such as 2026-03-29T01:00:00Z.`);
    }
    return {
        run: true,
        cycleId: `${isoInstant(firingMs).slice(0, 16)}Z`,
        attempt: 1,
        lastAttempt: true,
        windowStart: isoInstant(firingMs),
        cycleStart: isoInstant(firingMs),
        reason: scheduledTime === undefined
            ? "no cycle gate and no scheduled time: a manual invocation always runs"
            : "no cycle gate: every firing of a cron(...) or rate(...) schedule is a cycle",
    };
}

function decideUpdate(gate: CycleGate, clock: ZoneClock, firing: WallMinutes, firingMs: number): CycleDecision {
    const intendedMinute = minuteOfTime(gate.localTime);
    const isFallback = minuteOfDay(firing) !== intendedMinute;
    const fallbackTime = formatMinuteOfDay(intendedMinute + FALLBACK_DELAY_MINUTES);
    if (isFallback && minuteOfDay(firing - FALLBACK_DELAY_MINUTES) !== intendedMinute) {
        return skip(dateOfDay(dayOf(firing)), firingMs,
            `${formatMinuteOfDay(firing)} is neither the update time ${gate.localTime} nor its fallback ${fallbackTime}`);
    }
    const intended = isFallback ? firing - FALLBACK_DELAY_MINUTES : firing;
    const cycleId = dateOfDay(dayOf(intended));
    const notCycle = cycleDayProblem(gate, dayOf(intended));
    if (notCycle !== undefined) return skip(cycleId, firingMs, notCycle);

    const intendedInstant = clock.resolve(intended);
    if (isFallback && intendedInstant.exists) {
        return skip(cycleId, firingMs,
            `fallback firing at ${fallbackTime} is not needed: ${gate.localTime} exists on ${cycleId} in ${gate.timezone}, so the update ran then`);
    }
    return {
        run: true,
        cycleId,
        attempt: 1,
        lastAttempt: true,
        windowStart: isoInstant(intendedInstant.instantMs),
        cycleStart: isoInstant(intendedInstant.instantMs),
        reason: isFallback
            ? `cycle ${cycleId}: ${gate.localTime} does not exist that day in ${gate.timezone} (clocks spring forward), so the update runs at ${fallbackTime}`
            : `cycle ${cycleId}: update at ${gate.localTime} ${gate.timezone}`,
    };
}

function decideRestore(gate: CycleGate, clock: ZoneClock, firing: WallMinutes, firingMs: number): CycleDecision {
    const startMinute = minuteOfTime(gate.localTime);
    // The window is shorter than a day, so exactly one day's window can contain the firing: the latest one
    // that started at or before it.
    const windowDay = dayOf(firing - startMinute);
    const windowStartWall = windowDay * MINUTES_PER_DAY + startMinute;
    const windowEndWall = windowStartWall + gate.windowMinutes;
    const offset = firing - windowStartWall;
    const updateDay = windowDay - gate.dayOffset;
    const cycleId = dateOfDay(updateDay);
    const windowText = `restore window ${gate.localTime}-${formatMinuteOfDay(windowEndWall)} ${gate.timezone}`;

    if (offset >= gate.windowMinutes) {
        return skip(cycleId, firingMs, `${formatMinuteOfDay(firing)} is outside the ${windowText}`);
    }
    if (offset % gate.recheckMinutes !== 0) {
        return skip(cycleId, firingMs,
            `${formatMinuteOfDay(firing)} is not on the ${windowText}'s every-${gate.recheckMinutes}-minutes grid`);
    }
    const notCycle = cycleDayProblem(gate, updateDay);
    if (notCycle !== undefined) return skip(cycleId, firingMs, notCycle);

    const firingsBefore = countExisting(clock, windowStartWall, firing, gate.recheckMinutes);
    const firingsAfter = countExisting(clock, firing + gate.recheckMinutes, windowEndWall, gate.recheckMinutes);
    const attempt = firingsBefore + 1;
    const lastAttempt = firingsAfter === 0;
    return {
        run: true,
        cycleId,
        attempt,
        lastAttempt,
        windowStart: isoInstant(clock.resolve(windowStartWall).instantMs),
        cycleStart: isoInstant(clock.resolve(updateDay * MINUTES_PER_DAY + minuteOfTime(gate.updateTime)).instantMs),
        reason: `cycle ${cycleId}: restore attempt ${attempt}${lastAttempt ? " (the last)" : ""} at ` +
            `${formatMinuteOfDay(firing)} in the ${windowText}`,
    };
}

/** How many of the recheck times in [from, until) exist on the wall clock, i.e. actually fire. */
function countExisting(clock: ZoneClock, from: WallMinutes, until: WallMinutes, step: number): number {
    let count = 0;
    for (let wall = from; wall < until; wall += step) {
        if (clock.resolve(wall).exists) count++;
    }
    return count;
}

/** Why a local day is not a cycle day, or undefined when it is one. */
function cycleDayProblem(gate: CycleGate, updateDay: number): string | undefined {
    const anchorDay = dayOfDate(gate.anchorDate);
    const date = dateOfDay(updateDay);
    if (updateDay < anchorDay) return `${date} is before the first cycle on ${gate.anchorDate}`;
    const daysSinceCycle = (updateDay - anchorDay) % gate.everyDays;
    if (daysSinceCycle === 0) return undefined;
    const lastCycle = dateOfDay(updateDay - daysSinceCycle);
    const inWeeks = gate.everyDays % 7 === 0 && daysSinceCycle % 7 === 0;
    const distance = inWeeks ? plural(daysSinceCycle / 7, "week") : plural(daysSinceCycle, "day");
    return `${date} is not a cycle ${inWeeks ? "week" : "day"}: ${distance} after the last cycle on ${lastCycle}`;
}

function skip(cycleId: string, firingMs: number, reason: string): CycleDecision {
    const scheduled = isoInstant(firingMs);
    return { run: false, cycleId, attempt: 0, lastAttempt: false, windowStart: scheduled, cycleStart: scheduled, reason };
}

function zoneClock(timeZone: string): ZoneClock {
    const format = new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
    });
    const wallAt = (instantMs: number): WallMinutes => {
        const parts = format.formatToParts(instantMs);
        const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
        const day = Date.UTC(part("year"), part("month") - 1, part("day")) / MS_PER_DAY;
        return day * MINUTES_PER_DAY + part("hour") * MINUTES_PER_HOUR + part("minute");
    };
    const offsetAt = (instantMs: number): number => wallAt(instantMs) - Math.floor(instantMs / MS_PER_MINUTE);
    const resolve = (wall: WallMinutes) => {
        const asIfUtcMs = wall * MS_PER_MINUTE;
        // Offset changes are months apart, so the offsets a day either side are the only candidates.
        const offsetBefore = offsetAt(asIfUtcMs - MS_PER_DAY);
        const offsetAfter = offsetAt(asIfUtcMs + MS_PER_DAY);
        const candidates = [offsetBefore, offsetAfter]
            .map((offset) => asIfUtcMs - offset * MS_PER_MINUTE)
            .filter((instantMs) => wallAt(instantMs) === wall);
        return candidates.length > 0
            ? { instantMs: Math.min(...candidates), exists: true }
            : { instantMs: asIfUtcMs - offsetBefore * MS_PER_MINUTE, exists: false };
    };
    return { wallAt, resolve };
}

/** A gate is deploy-time JSON in a payload anyone can edit; a broken one must fail loudly, not skip cycles. */
function assertGate(gate: CycleGate): void {
    const problems: string[] = [];
    if (gate.kind !== "update" && gate.kind !== "restore") problems.push("kind is neither update nor restore");
    if (!isTimeZone(gate.timezone)) problems.push(`timezone ${JSON.stringify(gate.timezone)} is not an IANA time zone`);
    if (!isWholeIn(gate.everyDays, 1, 366)) problems.push("everyDays is not a whole number of days");
    if (typeof gate.anchorDate !== "string" || Number.isNaN(dayOfDate(gate.anchorDate))) problems.push("anchorDate is not YYYY-MM-DD");
    for (const key of ["localTime", "updateTime"] as const) {
        const time = gate[key];
        if (typeof time !== "string" || !/^\d\d:\d\d$/.test(time) || Number.isNaN(minuteOfTime(time))) problems.push(`${key} is not HH:MM`);
    }
    if (!isWholeIn(gate.dayOffset, 0, 1)) problems.push("dayOffset is neither 0 nor 1");
    if (gate.kind === "restore" && !(isWholeIn(gate.recheckMinutes, 1, MINUTES_PER_DAY) &&
        isWholeIn(gate.windowMinutes, gate.recheckMinutes, MINUTES_PER_DAY - 1))) {
        problems.push("windowMinutes and recheckMinutes do not describe a restore window");
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
    return formatTime(minuteOfDay(wall));
}

function dayOf(wall: WallMinutes): number {
    return Math.floor(wall / MINUTES_PER_DAY);
}

function minuteOfDay(wall: WallMinutes): number {
    return wall - dayOf(wall) * MINUTES_PER_DAY;
}

function isoInstant(instantMs: number): string {
    return new Date(instantMs).toISOString().replace(".000Z", "Z");
}

function plural(count: number, unit: string): string {
    return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
