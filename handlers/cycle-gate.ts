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
    formatTime,
    isWholeIn,
    MINUTES_PER_DAY,
    MINUTES_PER_HOUR,
    minuteOfTime,
    MS_PER_DAY,
    MS_PER_MINUTE,
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
 * A local wall-clock time as minutes since 1970-01-01T00:00 on the zone's own calendar. Wall-clock arithmetic
 * ("an hour after 23:30 on Saturday") becomes integer addition, and `floor(wall / 1440)` is the local day.
 */
type WallMinutes = number;

/** Wall-clock conversions for one time zone; built per decision because serialized handlers must not keep state. */
interface ZoneClock {
    wallAt(instantMs: number): WallMinutes;
    /** Whether a wall-clock time exists: a time in a spring-forward gap does not. */
    exists(wall: WallMinutes): boolean;
}

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
    const isFallback = minuteOfDay(firing) !== intendedMinute;
    const fallbackTime = formatMinuteOfDay(intendedMinute + FALLBACK_DELAY_MINUTES);
    const skip = (day: number, reason: string): FiringDecision => ({ start: false, reason, nextCycle: nextCycleAfter(gate, clock, day) });

    if (isFallback && minuteOfDay(firing - FALLBACK_DELAY_MINUTES) !== intendedMinute) {
        return skip(dayOf(firing), `${formatMinuteOfDay(firing)} is neither the cycle time ${gate.localTime} nor its fallback ${fallbackTime}`);
    }
    const intended = isFallback ? firing - FALLBACK_DELAY_MINUTES : firing;
    const day = dayOf(intended);
    const date = dateOfDay(day);
    const notCycle = cycleDayProblem(gate, day);
    if (notCycle !== undefined) return skip(day, notCycle);
    if (isFallback && clock.exists(intended)) {
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
    const intended = nextDay * MINUTES_PER_DAY + minuteOfTime(gate.localTime);
    const startsAt = clock.exists(intended) ? intended : intended + FALLBACK_DELAY_MINUTES;
    return `${dateOfDay(nextDay)} ${formatMinuteOfDay(startsAt)} ${gate.timezone}`;
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
    // Offset changes are months apart, so the offsets a day either side are the only candidates.
    const exists = (wall: WallMinutes) => {
        const asIfUtcMs = wall * MS_PER_MINUTE;
        return [offsetAt(asIfUtcMs - MS_PER_DAY), offsetAt(asIfUtcMs + MS_PER_DAY)]
            .some((offset) => wallAt(asIfUtcMs - offset * MS_PER_MINUTE) === wall);
    };
    return { wallAt, exists };
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
    return formatTime(minuteOfDay(wall));
}

function dayOf(wall: WallMinutes): number {
    return Math.floor(wall / MINUTES_PER_DAY);
}

function minuteOfDay(wall: WallMinutes): number {
    return wall - dayOf(wall) * MINUTES_PER_DAY;
}

function plural(count: number, unit: string): string {
    return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
