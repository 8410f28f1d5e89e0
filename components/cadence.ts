import {
    dateOfDay,
    dayOfDate,
    dayOfWall,
    formatTime,
    isWholeIn,
    MINUTES_PER_DAY,
    MINUTES_PER_HOUR,
    minuteOfTime,
    MS_PER_DAY,
    weekdayOfDay,
    zoneClock,
} from "../handlers/calendar";
import { CycleGate, cyclesAfter, GatedCycle } from "../handlers/cycle-gate";
import { ConfigError } from "./config-error";

/** When the refresh cycles start, as the user configures it. */
export interface CadenceInput {
    /**
     * Readable form (`every 2 weeks on sunday at 02:00 [starting 2026-01-04]`, `every 3 days at 02:00`,
     * `daily at 02:00`, `weekly on sunday at 02:00`), `cron(...)` or `rate(...)`.
     * Default "every 2 weeks on sunday at 02:00".
     */
    cadence?: string;
    /** IANA time zone the schedule is evaluated in. Default "UTC". */
    timezone?: string;
}

/** The one schedule that starts the refresh cycles. */
export interface CadencePlan {
    /** EventBridge Scheduler expression, e.g. "cron(0 2,3 ? * SUN *)". */
    expression: string;
    /** IANA timezone the expression is evaluated in. */
    timezone: string;
    /** Present for the readable form; travels in the schedule's payload to the starter. */
    gate?: CycleGate;
    /** Minutes between two cycles' starts, where the cadence fixes it (not for cron(...)). */
    cycleMinutes?: number;
    /**
     * The cadence in one readable sentence. Where the cadence skips days or starts on a chosen date, it names
     * the next two cycle days after the time it was planned at (`... (next cycles on 2026-12-06, 2026-12-20, ...)`).
     */
    description: string;
    /**
     * The cadence without any date that moves on (`every 2 weeks on Sunday at 02:00 Europe/Amsterdam, counted from
     * 2026-12-06`): what deployed resources carry, so that a later `pulumi up` finds nothing changed.
     */
    rule: string;
}

/** What decides when a schedule's cycles start, as its expression, time zone and gate say. */
export type ScheduleTiming = Pick<CadencePlan, "expression" | "timezone" | "gate">;

const DEFAULT_CADENCE = "every 2 weeks on sunday at 02:00";
const DEFAULT_TIMEZONE = "UTC";

const WEEKDAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const CRON_WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
const CRON_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const READABLE_EXAMPLE = DEFAULT_CADENCE;
const CRON_EXAMPLE = "cron(0 2 ? * SUN *)";
const READABLE_GRAMMAR =
    "`every N weeks on <weekday> at HH:MM`, `every N days at HH:MM`, `daily at HH:MM` or " +
    "`weekly on <weekday> at HH:MM` (each optionally followed by `starting YYYY-MM-DD`), or a cron(...) or rate(...) expression";

/**
 * Turns the cadence settings into the schedule that starts the cycles; throws {@link ConfigError} on any bad setting.
 * @param now what "next" means in the description. Default: the current time.
 */
export function planCadence(input: CadenceInput, now: Date = new Date()): CadencePlan {
    const timezone = checkTimezone(input.timezone ?? DEFAULT_TIMEZONE);
    const cadence = input.cadence ?? DEFAULT_CADENCE;
    return isRawExpression(cadence) ? planRaw(cadence, timezone) : planReadable(cadence, timezone, now);
}

/**
 * When the next `count` cycles start after `after`: exactly the firings the starter starts a cycle for (the
 * readable form's gate), or every firing of a `cron(...)` expression in its time zone. Undefined for
 * `rate(...)`, whose firings count from when the schedule was created, which only AWS knows. Fewer than
 * `count` when the expression stops firing (its year field ends).
 */
export function nextCycleTimes(plan: ScheduleTiming, after: Date, count: number): Date[] | undefined {
    if (plan.gate !== undefined) return cyclesAfter(plan.gate, after, count).map((cycle) => cycle.startsAt);
    if (plan.expression.startsWith("rate(")) return undefined;
    return cronFiringsAfter(plan.expression, plan.timezone, after, count);
}

// ---------------------------------------------------------------------------------------------------------
// Readable form

interface ReadableCadence {
    unit: "day" | "week";
    /** The N of "every N days/weeks". */
    count: number;
    /** 0 = Sunday; weeks only. */
    weekday?: number;
    /** Minutes after local midnight. */
    minuteOfDay: number;
    /** Days since 1970-01-01 of the first cycle day. */
    anchorDay: number;
    /** Whether the user chose the anchor with `starting`. */
    anchorChosen: boolean;
}

function planReadable(cadence: string, timezone: string, now: Date): CadencePlan {
    const parsed = parseReadable(cadence);
    const everyDays = parsed.unit === "week" ? 7 * parsed.count : parsed.count;
    const gate: CycleGate = { timezone, everyDays, anchorDate: dateOfDay(parsed.anchorDay), localTime: formatTime(parsed.minuteOfDay) };
    return {
        expression: cycleExpression(parsed.minuteOfDay, parsed.weekday),
        timezone,
        gate,
        cycleMinutes: everyDays * MINUTES_PER_DAY,
        description: describeReadable(parsed, timezone, cyclesAfter(gate, now, 2)),
        rule: readableRule(parsed, timezone),
    };
}

function parseReadable(cadence: string): ReadableCadence {
    const text = cadence.trim().toLowerCase().replace(/\s+/g, " ");
    const match = /^(?:every(?: (?<count>\S+))? (?<unit>days?|weeks?)|(?<preset>daily|weekly))(?: on (?<weekday>\S+))?(?: at (?<time>\S+))?(?: starting (?<start>\S+))?$/
        .exec(text);
    if (!match?.groups) throw cadenceError(cadence, `is not a cadence this tool understands: write ${READABLE_GRAMMAR}`);
    const { count: countText, unit: unitText, preset, weekday: weekdayText, time, start } = match.groups;

    const unit = (unitText ?? preset).startsWith("week") ? "week" : "day";
    const maxCount = unit === "week" ? 52 : 31;
    const count = countText === undefined ? 1 : /^\d+$/.test(countText) ? Number(countText) : NaN;
    if (!(count >= 1 && count <= maxCount)) throw cadenceError(cadence, `must repeat every 1 to ${maxCount} ${unit}s`);
    const weekday = parseWeekdayClause(cadence, unit, weekdayText);

    if (time === undefined) throw cadenceError(cadence, "needs a time of day: `at HH:MM` (24-hour clock)");
    const minuteOfDay = minuteOfTime(time);
    if (Number.isNaN(minuteOfDay)) throw cadenceError(cadence, `has time "${time}", which is not HH:MM on a 24-hour clock`);

    const anchorDay = start === undefined ? defaultAnchorDay(weekday) : parseStart(start, weekday, cadence);
    return { unit, count, weekday, minuteOfDay, anchorDay, anchorChosen: start !== undefined };
}

/** The weekday of `on <weekday>` (0 = Sunday): required for weeks, forbidden for days. */
function parseWeekdayClause(cadence: string, unit: "day" | "week", text: string | undefined): number | undefined {
    if (unit === "day") {
        if (text === undefined) return undefined;
        throw cadenceError(cadence, "cannot name a weekday for a cadence in days (every N days runs on any weekday)",
            "every 3 days at 02:00");
    }
    if (text === undefined) throw cadenceError(cadence, "needs `on <weekday>` for a weekly cadence");
    const weekday = WEEKDAY_NAMES.findIndex((name) => text === name || text === name.slice(0, 3));
    if (weekday < 0) {
        throw cadenceError(cadence, `names no weekday in "on ${text}": use a full name or its first three letters`);
    }
    return weekday;
}

function cadenceError(cadence: string, problem: string, example = READABLE_EXAMPLE): ConfigError {
    return new ConfigError("cadence", problem, cadence, example);
}

/** Independent of the deploy date, so redeploying never moves the cycle days. */
function defaultAnchorDay(weekday: number | undefined): number {
    return weekday === undefined ? 0 : (weekday - weekdayOfDay(0) + 7) % 7;
}

function parseStart(start: string, weekday: number | undefined, cadence: string): number {
    const day = dayOfDate(start);
    if (Number.isNaN(day)) {
        throw cadenceError(cadence, `has starting date "${start}", which is not a real YYYY-MM-DD date`,
            `${READABLE_EXAMPLE} starting 2026-01-04`);
    }
    if (weekday !== undefined && weekdayOfDay(day) !== weekday) {
        const nextMatching = day + ((weekday - weekdayOfDay(day) + 7) % 7);
        throw cadenceError(cadence,
            `starts on ${start}, which is a ${capitalize(WEEKDAY_NAMES[weekdayOfDay(day)])}, ` +
            `not a ${capitalize(WEEKDAY_NAMES[weekday])}`,
            cadence.replace(start, dateOfDay(nextMatching)));
    }
    return day;
}


/**
 * The intended time plus the same minute an hour later: a cron firing at a time the spring-forward gap
 * removes is skipped, and the gate accepts the later firing only on such a day. At 23:xx the later firing
 * falls on the next day, so that weekday joins the list (the gate rejects the surplus firings).
 */
function cycleExpression(minuteOfDay: number, weekday: number | undefined): string {
    const hour = Math.floor(minuteOfDay / MINUTES_PER_HOUR);
    const fallbackHour = (hour + 1) % 24;
    const days = weekday === undefined ? undefined : fallbackHour === 0 ? [weekday, weekday + 1] : [weekday];
    return cronExpression(String(minuteOfDay % MINUTES_PER_HOUR), `${hour},${fallbackHour}`, days);
}

/** Daily (day-of-month `*`) when no weekdays are given. */
function cronExpression(minutes: string, hours: string, weekdays: number[] | undefined): string {
    return weekdays === undefined
        ? `cron(${minutes} ${hours} * * ? *)`
        : `cron(${minutes} ${hours} ? * ${weekdays.map((day) => CRON_WEEKDAYS[day % 7]).join(",")} *)`;
}

/** Names the next cycle days only where they are not simply every day or every such weekday. */
function describeReadable(parsed: ReadableCadence, timezone: string, upcoming: GatedCycle[]): string {
    const cycles = parsed.count > 1 || parsed.anchorChosen
        ? ` (next cycles on ${upcoming.map((cycle) => `${cycle.date}, `).join("")}...)`
        : "";
    return `${repeatedAt(parsed, timezone)}${cycles}`;
}

/** The chosen first day stands for the dates: it never moves on. */
function readableRule(parsed: ReadableCadence, timezone: string): string {
    return `${repeatedAt(parsed, timezone)}${parsed.anchorChosen ? `, counted from ${dateOfDay(parsed.anchorDay)}` : ""}`;
}

function repeatedAt(parsed: ReadableCadence, timezone: string): string {
    const repeat = parsed.count === 1 ? parsed.unit : `${parsed.count} ${parsed.unit}s`;
    const on = parsed.weekday === undefined ? "" : ` on ${capitalize(WEEKDAY_NAMES[parsed.weekday])}`;
    return `every ${repeat}${on} at ${formatTime(parsed.minuteOfDay)} ${timezone}`;
}

// ---------------------------------------------------------------------------------------------------------
// Raw cron(...) / rate(...)

function planRaw(cadence: string, timezone: string): CadencePlan {
    const expression = checkRawExpression("cadence", cadence, CRON_EXAMPLE);
    const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
    return {
        expression,
        timezone,
        ...(rate === null ? {} : { cycleMinutes: Number(rate[1]) * RATE_UNIT_MINUTES[rate[2]] }),
        description: `${expression}, ${timezone}; every firing starts a cycle`,
        rule: `${expression}, ${timezone}; every firing starts a cycle`,
    };
}

const RATE_UNIT_MINUTES: Readonly<Record<string, number>> = { minute: 1, hour: MINUTES_PER_HOUR, day: MINUTES_PER_DAY };

function isRawExpression(cadence: string): boolean {
    return /^\s*(cron|rate)\s*\(/i.test(cadence);
}

/** The expression with normalized spacing and case, as Scheduler accepts it. */
function checkRawExpression(key: string, value: string, example: string): string {
    const match = /^\s*(cron|rate)\s*\(\s*(.*?)\s*\)\s*$/i.exec(value);
    if (!match) throw new ConfigError(key, "is not a cron(...) or rate(...) expression", value, example);
    const [, kind, body] = match;
    const problem = kind.toLowerCase() === "rate" ? rateProblem(body) : cronProblem(body);
    if (problem !== undefined) throw new ConfigError(key, problem, value, example);
    return kind.toLowerCase() === "rate"
        ? `rate(${body.toLowerCase().split(/\s+/).join(" ")})`
        : `cron(${body.toUpperCase().split(/\s+/).join(" ")})`;
}

function rateProblem(body: string): string | undefined {
    const match = /^(\d+)\s+([a-z]+)$/i.exec(body);
    if (!match) return "is not rate(value unit), e.g. rate(14 days)";
    const [, valueText, unitText] = match;
    const value = Number(valueText);
    const unit = unitText.toLowerCase();
    if (!/^[1-9]\d*$/.test(valueText)) return `has rate value ${valueText}, which is not a positive whole number`;
    if (!["minute", "minutes", "hour", "hours", "day", "days"].includes(unit)) {
        return `has rate unit "${unitText}": use minute(s), hour(s) or day(s)`;
    }
    const singular = !unit.endsWith("s");
    if (singular !== (value === 1)) {
        return `must use the ${value === 1 ? "singular" : "plural"} unit for ${value}: ` +
            `rate(${value} ${singular ? `${unit}s` : unit.slice(0, -1)})`;
    }
    return undefined;
}

interface CronField {
    name: string;
    min: number;
    max: number;
    /** Names accepted for min, min+1, ... */
    names?: readonly string[];
    /** Matches the field's special forms (`L`, `15W`, `6#3`, ...). */
    special?: RegExp;
}

const CRON_FIELDS: readonly CronField[] = [
    { name: "minutes", min: 0, max: 59 },
    { name: "hours", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31, special: /^(L|LW|([1-9]|[12]\d|3[01])W)$/ },
    { name: "month", min: 1, max: 12, names: CRON_MONTHS },
    { name: "day-of-week", min: 1, max: 7, names: CRON_WEEKDAYS, special: /^(L|([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/ },
    { name: "year", min: 1970, max: 2199 },
];
const MINUTES = 0;
const HOURS = 1;
const DAY_OF_MONTH = 2;
const MONTH = 3;
const DAY_OF_WEEK = 4;
const YEAR = 5;

function cronProblem(body: string): string | undefined {
    const fields = body.toUpperCase().split(/\s+/);
    if (fields.length !== CRON_FIELDS.length) {
        return `has ${fields.length} fields, but a cron expression has 6: minutes hours day-of-month month day-of-week year`;
    }
    if ((fields[DAY_OF_MONTH] === "?") === (fields[DAY_OF_WEEK] === "?")) {
        return "must have ? in exactly one of day-of-month and day-of-week";
    }
    for (const [index, field] of CRON_FIELDS.entries()) {
        const text = fields[index];
        const isQuestionMarkAllowed = index === DAY_OF_MONTH || index === DAY_OF_WEEK;
        if (text === "?" && isQuestionMarkAllowed) continue;
        const bad = text.split(",").find((item) => !isCronItem(item, field));
        if (bad !== undefined) {
            const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : "";
            const extras = `${isQuestionMarkAllowed ? ", ?" : ""}${field.special ? " and the L/W/# forms" : ""}`;
            return `has "${bad}" in its ${field.name} field, which takes ${field.min}-${field.max}${names} ` +
                `combined with , - * /${extras}`;
        }
    }
    return undefined;
}

/** One comma-separated item: `*`, a value, a range, either with `/increment`, or a special form. */
function isCronItem(item: string, field: CronField): boolean {
    if (field.special?.test(item)) return true;
    const match = /^(\*|([A-Z0-9]+)(?:-([A-Z0-9]+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) return false;
    const [, , from, to, increment] = match;
    const values = [from, to].filter((value): value is string => value !== undefined);
    return values.every((value) => !Number.isNaN(cronValue(value, field))) &&
        (increment === undefined || isWholeIn(Number(increment), 1, field.max));
}

function cronValue(text: string, field: CronField): number {
    const named = field.names?.indexOf(text) ?? -1;
    if (named >= 0) return field.min + named;
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    return value >= field.min && value <= field.max ? value : NaN;
}

// ---------------------------------------------------------------------------------------------------------
// When a cron(...) expression fires

/** What a checked cron expression matches: its time fields as ascending values, its date fields as one test. */
interface CronMatcher {
    minutes: number[];
    hours: number[];
    /** The last year it can fire in. */
    lastYear: number;
    /** Whether it fires on a local day (days since 1970-01-01): year, month, day-of-month and day-of-week. */
    matchesDay(day: number): boolean;
}

/**
 * The first `count` firings after `after` of a checked `cron(...)` expression in `timezone`, as EventBridge
 * Scheduler fires them: a local time the spring-forward gap removes is skipped, one the fall-back repeats fires
 * once, at its first occurrence.
 */
function cronFiringsAfter(expression: string, timezone: string, after: Date, count: number): Date[] {
    const cron = cronMatcher(expression);
    const clock = zoneClock(timezone);
    const firings: Date[] = [];
    const lastDay = dayOfDate(`${cron.lastYear}-12-31`);
    // A time's first occurrence comes no later than a later time's: times up to the clock's reading at `after` fired before it.
    const afterWall = clock.wallAt(after.getTime());
    for (let day = dayOfWall(afterWall); day <= lastDay && firings.length < count; day++) {
        if (!cron.matchesDay(day)) continue;
        for (const hour of cron.hours) {
            for (const minute of cron.minutes) {
                const wall = day * MINUTES_PER_DAY + hour * MINUTES_PER_HOUR + minute;
                if (wall <= afterWall || firings.length === count) continue;
                // In the hour a fall-back repeats, a later time may have had its one firing before `after`.
                const [firstInstantMs] = clock.instantsAt(wall);
                if (firstInstantMs !== undefined && firstInstantMs > after.getTime()) firings.push(new Date(firstInstantMs));
            }
        }
    }
    return firings;
}

function cronMatcher(expression: string): CronMatcher {
    const fields = /^cron\((.*)\)$/.exec(expression)?.[1].split(" ") ?? [];
    const [minutes, hours, months, years] = [MINUTES, HOURS, MONTH, YEAR].map((index) => cronFieldValues(fields[index], CRON_FIELDS[index]));
    const dayTests = fields[DAY_OF_MONTH] === "?"
        ? fields[DAY_OF_WEEK].split(",").map(dayOfWeekTest)
        : fields[DAY_OF_MONTH].split(",").map(dayOfMonthTest);
    return {
        minutes: [...minutes].sort((a, b) => a - b),
        hours: [...hours].sort((a, b) => a - b),
        lastYear: Math.max(...years),
        matchesDay: (day) => {
            const date = calendarDate(day);
            return years.has(date.year) && months.has(date.month) && dayTests.some((test) => test(date));
        },
    };
}

/** A local day as the day fields see it. */
interface CalendarDate {
    year: number;
    /** 1 to 12. */
    month: number;
    /** 1 to 31. */
    dayOfMonth: number;
    /** 0 = Sunday. */
    weekday: number;
    /** The number of days in the month. */
    lastDayOfMonth: number;
}

function calendarDate(day: number): CalendarDate {
    const date = new Date(day * MS_PER_DAY);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    return { year, month, dayOfMonth: date.getUTCDate(), weekday: date.getUTCDay(), lastDayOfMonth: new Date(Date.UTC(year, month, 0)).getUTCDate() };
}

/** The values of a checked field's list items: `*`, a value or a range, each with an optional `/increment`. */
function cronFieldValues(text: string, field: CronField): Set<number> {
    const values = new Set<number>();
    for (const item of text.split(",")) {
        const [, star, fromText, toText, incrementText] = /^(?:(\*)|([A-Z0-9]+)(?:-([A-Z0-9]+))?)(?:\/(\d+))?$/.exec(item) ?? [];
        const from = star !== undefined ? field.min : cronValue(fromText, field);
        // `a/increment` runs to the field's end; a range whose end comes before its start wraps around (FRI-MON).
        const to = star !== undefined || (toText === undefined && incrementText !== undefined) ? field.max
            : toText === undefined ? from : cronValue(toText, field);
        const span = field.max - field.min + 1;
        const increment = incrementText === undefined ? 1 : Number(incrementText);
        for (let value = from; value <= (to >= from ? to : to + span); value += increment) values.add(value > field.max ? value - span : value);
    }
    return values;
}

/** Day-of-month items: `L` (the last day), `LW` (the last weekday), `15W` (the weekday nearest the 15th, within the month), or values. */
function dayOfMonthTest(item: string): (date: CalendarDate) => boolean {
    if (item === "L") return (date) => date.dayOfMonth === date.lastDayOfMonth;
    if (item === "LW") return (date) => date.dayOfMonth === nearestWeekday(date, date.lastDayOfMonth);
    const nearest = /^(\d+)W$/.exec(item);
    if (nearest) return (date) => date.dayOfMonth === nearestWeekday(date, Number(nearest[1]));
    const values = cronFieldValues(item, CRON_FIELDS[DAY_OF_MONTH]);
    return (date) => values.has(date.dayOfMonth);
}

/** The weekday (Monday to Friday) nearest to a day of the date's month, never in another month; NaN past the month's end. */
function nearestWeekday(date: CalendarDate, dayOfMonth: number): number {
    if (dayOfMonth > date.lastDayOfMonth) return NaN;
    const weekday = (date.weekday + dayOfMonth - date.dayOfMonth + 35) % 7;
    if (weekday === 6) return dayOfMonth === 1 ? 3 : dayOfMonth - 1;
    if (weekday === 0) return dayOfMonth === date.lastDayOfMonth ? dayOfMonth - 2 : dayOfMonth + 1;
    return dayOfMonth;
}

/**
 * Day-of-week items (1-7 = SUN-SAT): `L` (the week's last day, Saturday), `6L` (the month's last Friday),
 * `2#1` (its first Monday), or values.
 */
function dayOfWeekTest(item: string): (date: CalendarDate) => boolean {
    const field = CRON_FIELDS[DAY_OF_WEEK];
    if (item === "L") return (date) => date.weekday === field.max - field.min;
    const special = /^([A-Z0-9]+)(L|#(\d))$/.exec(item);
    if (special) {
        const weekday = cronValue(special[1], field) - field.min;
        const nth = special[3];
        return nth === undefined
            ? (date) => date.weekday === weekday && date.dayOfMonth + 7 > date.lastDayOfMonth
            : (date) => date.weekday === weekday && Math.ceil(date.dayOfMonth / 7) === Number(nth);
    }
    const weekdays = new Set([...cronFieldValues(item, field)].map((value) => value - field.min));
    return (date) => weekdays.has(date.weekday);
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

function checkTimezone(timezone: string): string {
    const fail = (): never => {
        throw new ConfigError("timezone", "is not an IANA time zone name", timezone, "Europe/Amsterdam");
    };
    // Intl also accepts offsets such as "+01:00", which Scheduler does not.
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timezone)) return fail();
    let resolved: string;
    try {
        resolved = new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone;
    } catch {
        return fail();
    }
    // Fix the case ("europe/amsterdam") but keep the user's choice among aliases (ICU prefers old names).
    return resolved.toLowerCase() === timezone.toLowerCase() ? resolved : timezone;
}






function capitalize(word: string): string {
    return word.charAt(0).toUpperCase() + word.slice(1);
}
