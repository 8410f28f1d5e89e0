/**
 * EventBridge Scheduler's clock for cron schedules: which instants a `cron(...)` expression fires at in an IANA
 * time zone, with Scheduler's daylight saving rule (a local time that does not exist that day is skipped; a
 * local time that occurs twice fires once, at its first occurrence), and the payload each firing delivers.
 *
 * Only the cron subset the cadence planner emits is supported (lists, ranges, `*`, `?`, `a/step`, weekday names);
 * `L`, `W` and `#` fail loudly. Evaluation walks candidate local days and their listed hours and minutes, so a
 * year costs a few thousand time zone conversions, not half a million minutes.
 */
import { ScheduleEvent } from "../../handlers/start-cycle";

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const SCHEDULED_TIME_PLACEHOLDER = "<aws.scheduler.scheduled-time>";

interface CronField {
    min: number;
    max: number;
    names?: readonly string[];
}

const FIELDS: Record<"minutes" | "hours" | "dayOfMonth" | "month" | "dayOfWeek" | "year", CronField> = {
    minutes: { min: 0, max: 59 },
    hours: { min: 0, max: 23 },
    dayOfMonth: { min: 1, max: 31 },
    month: { min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
    // Scheduler numbers weekdays 1 (SUN) to 7 (SAT).
    dayOfWeek: { min: 1, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
    year: { min: 1970, max: 2199 },
};

/** A parsed expression; `undefined` for a day field means `?` (no restriction from that field). */
export interface CronSchedule {
    minutes: number[];
    hours: number[];
    daysOfMonth?: Set<number>;
    months: Set<number>;
    /** 0 = Sunday, as `Date.getUTCDay`. */
    weekdays?: Set<number>;
    years: Set<number>;
}

export function parseCron(expression: string): CronSchedule {
    const match = /^cron\((.*)\)$/.exec(expression.trim());
    if (!match) throw new Error(`${expression} is not a cron(...) expression`);
    const parts = match[1].trim().split(/\s+/);
    if (parts.length !== 6) throw new Error(`${expression} does not have 6 fields`);
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts;
    return {
        minutes: [...values(minutes, FIELDS.minutes)].sort((a, b) => a - b),
        hours: [...values(hours, FIELDS.hours)].sort((a, b) => a - b),
        daysOfMonth: dayOfMonth === "?" ? undefined : values(dayOfMonth, FIELDS.dayOfMonth),
        months: values(month, FIELDS.month),
        weekdays: dayOfWeek === "?" ? undefined : new Set([...values(dayOfWeek, FIELDS.dayOfWeek)].map((day) => day - 1)),
        years: values(year, FIELDS.year),
    };
}

function values(text: string, field: CronField): Set<number> {
    const result = new Set<number>();
    for (const item of text.toUpperCase().split(",")) {
        const match = /^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:\/(\d+))?$/.exec(item);
        if (!match) throw new Error(`cron item "${item}" is outside the supported subset`);
        const [, range, stepText] = match;
        const step = stepText === undefined ? 1 : Number(stepText);
        let from: number;
        let to: number;
        if (range === "*") {
            [from, to] = [field.min, field.max];
        } else {
            const [first, last] = range.split("-");
            from = valueOf(first, field);
            // `a/step` runs from a to the end of the field.
            to = last !== undefined ? valueOf(last, field) : stepText !== undefined ? field.max : from;
        }
        if (step < 1 || to < from) throw new Error(`cron item "${item}" describes no values`);
        for (let value = from; value <= to; value += step) result.add(value);
    }
    return result;
}

function valueOf(text: string, field: CronField): number {
    const named = field.names?.indexOf(text) ?? -1;
    if (named >= 0) return field.min + named;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(value >= field.min && value <= field.max)) throw new Error(`cron value "${text}" is out of range`);
    return value;
}

/** Local wall-clock reading of instants in one time zone, and the reverse. */
export class ZoneClock {
    private readonly format: Intl.DateTimeFormat;

    constructor(readonly timeZone: string) {
        this.format = new Intl.DateTimeFormat("en-US", {
            timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric",
        });
    }

    /** Local time as minutes since 1970-01-01T00:00 on the zone's own calendar. */
    wallMinutes(instantMs: number): number {
        const parts = this.format.formatToParts(instantMs);
        const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((candidate) => candidate.type === type)!.value);
        return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute")) / MS_PER_MINUTE;
    }

    /** "YYYY-MM-DD" of the local day an instant falls on. */
    localDate(instantMs: number): string {
        return new Date(this.wallMinutes(instantMs) * MS_PER_MINUTE).toISOString().slice(0, 10);
    }

    /** "HH:MM" local. */
    localTime(instantMs: number): string {
        return new Date(this.wallMinutes(instantMs) * MS_PER_MINUTE).toISOString().slice(11, 16);
    }

    /**
     * The instants at which the local clock reads `date` `time`: none in a spring-forward gap, two in the hour a
     * fall-back repeats, otherwise one; ascending.
     */
    instantsOf(date: string, time: string): number[] {
        const asIfUtcMs = Date.parse(`${date}T${time}:00Z`);
        if (Number.isNaN(asIfUtcMs)) throw new Error(`${date} ${time} is not a date and time`);
        const wall = asIfUtcMs / MS_PER_MINUTE;
        // Offsets change months apart, so the offsets a day either side are the only ones that can apply.
        const offsets = new Set([asIfUtcMs - MS_PER_DAY, asIfUtcMs + MS_PER_DAY].map((probe) => this.wallMinutes(probe) - probe / MS_PER_MINUTE));
        return [...offsets]
            .map((offsetMinutes) => asIfUtcMs - offsetMinutes * MS_PER_MINUTE)
            .filter((candidate) => this.wallMinutes(candidate) === wall)
            .sort((a, b) => a - b);
    }

    /** The first instant the local clock reads `date` `time`; fails for a time that does not exist. */
    instantOf(date: string, time: string): Date {
        const [first] = this.instantsOf(date, time);
        if (first === undefined) throw new Error(`${date} ${time} does not exist in ${this.timeZone}`);
        return new Date(first);
    }
}

/** One EventBridge Scheduler schedule targeting a function, as the component creates it. */
export interface ScheduleDefinition<Target extends string> {
    target: Target;
    expression: string;
    timezone: string;
    /** The schedule's input, with `<aws.scheduler.scheduled-time>` where Scheduler fills in the firing's time. */
    input: ScheduleEvent;
}

export interface Firing<Target extends string> {
    target: Target;
    /** Epoch milliseconds of the firing. */
    atMs: number;
    /** `<aws.scheduler.scheduled-time>`: ISO 8601 in UTC, to the second. */
    scheduledTime: string;
    /** The payload as delivered to the function. */
    event: ScheduleEvent;
    /** Local date and time of the firing in the schedule's zone. */
    localDate: string;
    localTime: string;
}

/** Every firing of the schedules on the local days from `fromDate` up to (not including) `untilDate`, in time order. */
export function firings<Target extends string>(schedules: readonly ScheduleDefinition<Target>[], fromDate: string, untilDate: string): Firing<Target>[] {
    const result: Firing<Target>[] = [];
    for (const schedule of schedules) {
        const cron = parseCron(schedule.expression);
        const clock = new ZoneClock(schedule.timezone);
        const input = JSON.stringify(schedule.input);
        for (let dayMs = Date.parse(`${fromDate}T00:00:00Z`); dayMs < Date.parse(`${untilDate}T00:00:00Z`); dayMs += MS_PER_DAY) {
            const day = new Date(dayMs);
            const matchesDay = cron.years.has(day.getUTCFullYear()) && cron.months.has(day.getUTCMonth() + 1) &&
                (cron.daysOfMonth?.has(day.getUTCDate()) ?? true) && (cron.weekdays?.has(day.getUTCDay()) ?? true);
            if (!matchesDay) continue;
            const date = day.toISOString().slice(0, 10);
            for (const hour of cron.hours) {
                for (const minute of cron.minutes) {
                    const time = `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
                    const [atMs] = clock.instantsOf(date, time);
                    if (atMs === undefined) continue;
                    const scheduledTime = new Date(atMs).toISOString().replace(".000Z", "Z");
                    // Scheduler substitutes context attributes in the input text, then delivers the JSON.
                    const event = JSON.parse(input.split(SCHEDULED_TIME_PLACEHOLDER).join(scheduledTime)) as ScheduleEvent;
                    result.push({ target: schedule.target, atMs, scheduledTime, event, localDate: date, localTime: time });
                }
            }
        }
    }
    return result.sort((a, b) => a.atMs - b.atMs);
}
