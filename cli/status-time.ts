import { MS_PER_MINUTE } from "../handlers/calendar";

const MINUTES_PER_HOUR = 60;
const MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR;

/** An instant on the stack's wall clock, as an operator reads it: `Sun 2026-12-06 02:00`. */
export function formatLocalTime(instant: Date, timezone: string): string {
    const parts = new Intl.DateTimeFormat("en-GB", {
        timeZone: timezone,
        hourCycle: "h23",
        weekday: "short",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
    }).formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((candidate) => candidate.type === type)?.value ?? "";
    return `${part("weekday")} ${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
}

/** A length of time in the two largest units that matter: `45 s`, `52 min`, `4 h 1 min`, `2 d 6 h`. */
export function formatDuration(milliseconds: number): string {
    const totalMinutes = Math.floor(Math.abs(milliseconds) / MS_PER_MINUTE);
    if (totalMinutes === 0) return `${Math.floor(Math.abs(milliseconds) / 1000)} s`;
    const days = Math.floor(totalMinutes / MINUTES_PER_DAY);
    const hours = Math.floor((totalMinutes % MINUTES_PER_DAY) / MINUTES_PER_HOUR);
    const minutes = totalMinutes % MINUTES_PER_HOUR;
    if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
    if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
    return `${minutes} min`;
}

/** How far an instant is from now: `2 d 6 h ago`, `in 13 d 17 h`. */
export function formatRelative(instant: Date, now: Date): string {
    const difference = instant.getTime() - now.getTime();
    return difference > 0 ? `in ${formatDuration(difference)}` : `${formatDuration(difference)} ago`;
}
