/**
 * Calendar arithmetic on whole days and minutes, shared by the cadence planner (at deploy time) and the cycle
 * gate (inside Lambda). Days are counted from 1970-01-01 on a zone's own calendar, never in milliseconds, so
 * daylight saving time cannot change a day's length.
 */

export const MINUTES_PER_HOUR = 60;
export const MINUTES_PER_DAY = 1440;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

export function isWholeIn(value: unknown, min: number, max: number): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Days since 1970-01-01 of a "YYYY-MM-DD" date; NaN when it is not a real date. */
export function dayOfDate(date: string): number {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    if (!match) return NaN;
    const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / MS_PER_DAY;
    return dateOfDay(day) === date ? day : NaN;
}

/** "YYYY-MM-DD" of a day counted from 1970-01-01. */
export function dateOfDay(day: number): string {
    return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday. */
export function weekdayOfDay(day: number): number {
    return new Date(day * MS_PER_DAY).getUTCDay();
}

/** Minutes after midnight of "HH:MM" or "H:MM" (24-hour clock); NaN when it is not one. */
export function minuteOfTime(time: string): number {
    const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
    return match ? Number(match[1]) * MINUTES_PER_HOUR + Number(match[2]) : NaN;
}

/** "HH:MM" of a minute of the day (0 to 1439). */
export function formatTime(minuteOfDay: number): string {
    const pad = (value: number) => String(value).padStart(2, "0");
    return `${pad(Math.floor(minuteOfDay / MINUTES_PER_HOUR))}:${pad(minuteOfDay % MINUTES_PER_HOUR)}`;
}

/**
 * A local wall-clock time as minutes since 1970-01-01T00:00 on a zone's own calendar. Wall-clock arithmetic
 * ("an hour after 23:30 on Saturday") becomes integer addition, and `floor(wall / 1440)` is the local day.
 */
export type WallMinutes = number;

/** The local day (days since 1970-01-01) of a wall-clock time. */
export function dayOfWall(wall: WallMinutes): number {
    return Math.floor(wall / MINUTES_PER_DAY);
}

/** Minutes after local midnight of a wall-clock time. */
export function minuteOfWall(wall: WallMinutes): number {
    return wall - dayOfWall(wall) * MINUTES_PER_DAY;
}

/** Wall-clock conversions for one time zone. */
export interface ZoneClock {
    /** What the zone's clock reads at an instant (epoch milliseconds). */
    wallAt(instantMs: number): WallMinutes;
    /**
     * The instants (epoch milliseconds, ascending) at which the zone's clock reads `wall`: none in a
     * spring-forward gap, two in an hour the fall-back repeats, otherwise one.
     */
    instantsAt(wall: WallMinutes): number[];
}

/** Built per use, as closures: a serialized handler may keep no class instance or state at module level. */
export function zoneClock(timeZone: string): ZoneClock {
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
    const instantsAt = (wall: WallMinutes): number[] => {
        const asIfUtcMs = wall * MS_PER_MINUTE;
        const candidates = new Set([offsetAt(asIfUtcMs - MS_PER_DAY), offsetAt(asIfUtcMs + MS_PER_DAY)]
            .map((offset) => asIfUtcMs - offset * MS_PER_MINUTE));
        return [...candidates].filter((instantMs) => wallAt(instantMs) === wall).sort((a, b) => a - b);
    };
    return { wallAt, instantsAt };
}
