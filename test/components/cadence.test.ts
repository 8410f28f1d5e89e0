import { expect } from "chai";
import { CadenceInput, nextCycleTimes, planCadence } from "../../components/cadence";
import { ConfigError } from "../../components/config-error";
import { schedulePayload } from "../../components/cycle";
import { decideFiring } from "../../handlers/cycle-gate";
import { firings } from "../simulation/scheduler-clock";

/** When the description's "next" dates are counted from. */
const NOW = new Date("2026-11-29T12:00:00Z");

function configErrorOf(input: CadenceInput): ConfigError {
    try {
        planCadence(input);
    } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
        return error as ConfigError;
    }
    expect.fail(`planCadence(${JSON.stringify(input)}) did not throw`);
}

function expectConfigError(input: CadenceInput, key: string, badValue: string | number, ...mentions: string[]): void {
    const error = configErrorOf(input);
    expect(error.key).to.equal(key);
    expect(error.message).to.include(String(badValue));
    expect(error.message).to.include("Example: ");
    for (const mention of mentions) expect(error.message).to.include(mention);
}

describe("planCadence", () => {
    describe("default plan", () => {
        const plan = planCadence({}, NOW);

        it("fires at 02:00 and at its fallback 03:00 on Sundays, in UTC", () => {
            expect(plan.expression).to.equal("cron(0 2,3 ? * SUN *)");
            expect(plan.timezone).to.equal("UTC");
        });

        it("gates every 14 days from the first Sunday after 1970-01-01", () => {
            expect(plan.gate).to.deep.equal({ timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00" });
        });

        it("describes the plan with the next cycle days, not the first ones counted from 1970", () => {
            expect(plan.description).to.equal("every 2 weeks on Sunday at 02:00 UTC (next cycles on 2026-12-06, 2026-12-20, ...)");
        });
    });

    describe("readable cadence", () => {
        it("reads `daily at HH:MM` as every day from 1970-01-01, with any day of the week", () => {
            const plan = planCadence({ cadence: "daily at 06:30" });
            expect(plan.expression).to.equal("cron(30 6,7 * * ? *)");
            expect(plan.gate).to.include({ everyDays: 1, anchorDate: "1970-01-01", localTime: "06:30" });
        });

        it("reads `weekly on <weekday>` with a three-letter weekday", () => {
            const plan = planCadence({ cadence: "weekly on Mon at 01:15" });
            expect(plan.expression).to.equal("cron(15 1,2 ? * MON *)");
            expect(plan.gate).to.include({ everyDays: 7, anchorDate: "1970-01-05", localTime: "01:15" });
        });

        it("reads `every 3 days` as a 3-day cycle counted in calendar days", () => {
            const plan = planCadence({ cadence: "every 3 days at 02:00" }, NOW);
            expect(plan.expression).to.equal("cron(0 2,3 * * ? *)");
            expect(plan.gate).to.include({ everyDays: 3, anchorDate: "1970-01-01" });
            // 2026-11-30 is day 20,422 since 1970-01-01, a multiple of 3.
            expect(plan.description).to.equal("every 3 days at 02:00 UTC (next cycles on 2026-11-30, 2026-12-03, ...)");
        });

        it("names the chosen first cycle days while they are ahead, and the next ones once they have passed", () => {
            const cadence = "every 2 weeks on sunday at 02:00 starting 2026-12-06";
            expect(planCadence({ cadence, timezone: "Europe/Amsterdam" }, NOW).description)
                .to.equal("every 2 weeks on Sunday at 02:00 Europe/Amsterdam (next cycles on 2026-12-06, 2026-12-20, ...)");
            expect(planCadence({ cadence, timezone: "Europe/Amsterdam" }, new Date("2027-06-01T00:00:00Z")).description)
                .to.equal("every 2 weeks on Sunday at 02:00 Europe/Amsterdam (next cycles on 2027-06-06, 2027-06-20, ...)");
        });

        it("names no dates where every day or every such weekday is a cycle day", () => {
            expect(planCadence({ cadence: "daily at 02:00" }, NOW).description).to.equal("every day at 02:00 UTC");
            expect(planCadence({ cadence: "weekly on sunday at 02:00" }, NOW).description).to.equal("every week on Sunday at 02:00 UTC");
        });

        it("ignores case and extra spaces", () => {
            const plan = planCadence({ cadence: "  EVERY  4   Weeks ON tuesday AT 22:05  " });
            expect(plan.expression).to.equal("cron(5 22,23 ? * TUE *)");
            expect(plan.gate).to.include({ everyDays: 28, anchorDate: "1970-01-06", localTime: "22:05" });
        });

        it("anchors on the `starting` date when it falls on the named weekday", () => {
            const plan = planCadence({ cadence: "every 2 weeks on fri at 2:00 starting 2026-01-02" });
            expect(plan.gate).to.include({ anchorDate: "2026-01-02", localTime: "02:00" });
        });

        it("rejects a `starting` date on another weekday, naming the weekday it falls on", () => {
            const cadence = "every 2 weeks on sunday at 02:00 starting 2026-01-05";
            expectConfigError({ cadence }, "cadence", cadence, "Monday", "starting 2026-01-11");
        });

        it("canonicalizes the case of the time zone and carries it into the gate", () => {
            const plan = planCadence({ timezone: "europe/amsterdam" });
            expect(plan.timezone).to.equal("Europe/Amsterdam");
            expect(plan.gate?.timezone).to.equal("Europe/Amsterdam");
        });

        it("lists the next weekday too when the fallback hour falls after midnight", () => {
            const plan = planCadence({ cadence: "every week on saturday at 23:30" });
            expect(plan.expression).to.equal("cron(30 23,0 ? * SAT,SUN *)");
            expect(plan.gate).to.include({ anchorDate: "1970-01-03", localTime: "23:30" });
        });

        it("fires at 23:00 and 00:00 every day for a daily cadence at 23:00, without listing weekdays", () => {
            expect(planCadence({ cadence: "daily at 23:00" }).expression).to.equal("cron(0 23,0 * * ? *)");
        });

        const badCadences: [cadence: string, mention: string][] = [
            ["every fortnight at 02:00", "every N weeks on <weekday>"],
            ["every 2 weeks at 02:00", "on <weekday>"],
            ["weekly at 02:00", "on <weekday>"],
            ["every 3 days on monday at 02:00", "cannot name a weekday"],
            ["every 2 weeks on sundy at 02:00", "names no weekday"],
            ["every 0 weeks on sunday at 02:00", "1 to 52"],
            ["every 53 weeks on sunday at 02:00", "1 to 52"],
            ["every 32 days at 02:00", "1 to 31"],
            ["every two weeks on sunday at 02:00", "1 to 52"],
            ["every 2 weeks on sunday", "at HH:MM"],
            ["every 2 weeks on sunday at 24:00", "24-hour clock"],
            ["every 2 weeks on sunday at 2am", "24-hour clock"],
            ["every 2 weeks on sunday at 02:00 starting 2026-02-30", "not a real YYYY-MM-DD date"],
            ["", "every N weeks on <weekday>"],
        ];
        for (const [cadence, mention] of badCadences) {
            it(`rejects ${JSON.stringify(cadence)} on the cadence key`, () => {
                expectConfigError({ cadence }, "cadence", JSON.stringify(cadence), mention);
            });
        }

        it("rejects a time zone Intl does not know, or an offset", () => {
            expectConfigError({ timezone: "Europe/Amsterdm" }, "timezone", "Europe/Amsterdm", "Europe/Amsterdam");
            expectConfigError({ timezone: "+01:00" }, "timezone", "+01:00");
        });
    });

    describe("raw cron(...) and rate(...) cadence", () => {
        const good: [given: string, normalized: string][] = [
            ["cron(0 2 ? * SUN *)", "cron(0 2 ? * SUN *)"],
            [" cron( 0  2 ? * sun * ) ", "cron(0 2 ? * SUN *)"],
            ["cron(0/30 1-3,22 1,15 JAN-MAR,DEC ? 2026-2030)", "cron(0/30 1-3,22 1,15 JAN-MAR,DEC ? 2026-2030)"],
            ["cron(0 2 L * ? *)", "cron(0 2 L * ? *)"],
            ["cron(0 2 ? * 1#2 *)", "cron(0 2 ? * 1#2 *)"],
            ["cron(*/5 * ? * MON-FRI *)", "cron(*/5 * ? * MON-FRI *)"],
            ["rate(1 day)", "rate(1 day)"],
            ["rate(14 days)", "rate(14 days)"],
            ["RATE(90 Minutes)", "rate(90 minutes)"],
        ];
        for (const [given, normalized] of good) {
            it(`accepts ${given} ungated: every firing starts a cycle`, () => {
                const plan = planCadence({ cadence: given, timezone: "Europe/Amsterdam" });
                expect(plan).to.deep.include({
                    expression: normalized,
                    timezone: "Europe/Amsterdam",
                    description: `${normalized}, Europe/Amsterdam; every firing starts a cycle`,
                });
                expect(plan.gate).to.equal(undefined);
            });
        }

        const bad: [given: string, mention: string][] = [
            ["cron(0 2 * * 0)", "has 5 fields"],
            ["cron(0 2 * * SUN *)", "? in exactly one"],
            ["cron(0 2 ? * ? *)", "? in exactly one"],
            ["cron(60 2 ? * SUN *)", "minutes field"],
            ["cron(0 24 ? * SUN *)", "hours field"],
            ["cron(0 2 32 * ? *)", "day-of-month field"],
            ["cron(0 2 1 13 ? *)", "month field"],
            ["cron(0 2 ? * 0 *)", "day-of-week field"],
            ["cron(0 2 ? * SUNDAY *)", "day-of-week field"],
            ["cron(0 2 ? * SUN 1969)", "year field"],
            ["cron(0/0 2 ? * SUN *)", "minutes field"],
            ["cron(0 2 ? * SUN *", "is not a cron(...) or rate(...) expression"],
            ["rate(1 days)", "rate(1 day)"],
            ["rate(2 day)", "rate(2 days)"],
            ["rate(0 days)", "positive whole number"],
            ["rate(2 weeks)", "minute(s), hour(s) or day(s)"],
            ["rate(days)", "rate(value unit)"],
        ];
        for (const [given, mention] of bad) {
            it(`rejects ${given}`, () => expectConfigError({ cadence: given }, "cadence", given, mention));
        }

        it("knows how far apart a rate's cycles start, and a cron's it leaves open", () => {
            expect([["rate(90 minutes)"], ["rate(2 hours)"], ["rate(14 days)"], ["cron(0 2 ? * SUN *)"]].map(([cadence]) => planCadence({ cadence }).cycleMinutes))
                .to.deep.equal([90, 120, 20_160, undefined]);
            expect(planCadence({ cadence: "every 2 weeks on sunday at 02:00" }).cycleMinutes).to.equal(20_160);
        });
    });
});

/** The times a list of instants shows in a zone, to compare readably: "Sun 2027-03-28 03:00". */
function localTimes(times: readonly Date[] | undefined, timeZone: string): string[] | undefined {
    const format = new Intl.DateTimeFormat("en-GB", { timeZone, hourCycle: "h23", weekday: "short", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
    return times?.map((time) => {
        const part = (type: Intl.DateTimeFormatPartTypes) => format.formatToParts(time).find((candidate) => candidate.type === type)?.value;
        return `${part("weekday")} ${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
    });
}

function iso(time: Date): string {
    return time.toISOString().replace(".000Z", "Z");
}

describe("nextCycleTimes", () => {
    describe("a readable cadence: exactly the firings its starter starts a cycle for", () => {
        const cases: [cadence: string, timezone: string, after: string][] = [
            // 2027-03-28: 02:00 does not exist in Amsterdam; 2026-10-25: 02:00 happens twice.
            ["every 2 weeks on sunday at 02:00 starting 2026-01-04", "Europe/Amsterdam", "2026-09-20T00:00:00Z"],
            ["every 2 weeks on sunday at 02:00 starting 2026-01-04", "Europe/Amsterdam", "2027-02-20T00:00:00Z"],
            ["daily at 02:30", "Europe/Amsterdam", "2026-10-22T00:00:00Z"],
            ["daily at 02:30", "Europe/Amsterdam", "2027-03-25T00:00:00Z"],
            ["every 2 weeks on saturday at 23:00 starting 2026-12-05", "Europe/Amsterdam", "2026-11-29T12:00:00Z"],
            ["every week on saturday at 23:30", "UTC", "2026-11-29T12:00:00Z"],
            ["every 3 days at 00:30", "America/Santiago", "2026-08-25T00:00:00Z"],
            ["every week on sunday at 02:00", "America/New_York", "2027-02-28T00:00:00Z"],
            ["every 4 weeks on tuesday at 22:05", "Australia/Lord_Howe", "2026-09-01T00:00:00Z"],
        ];
        for (const [cadence, timezone, after] of cases) {
            it(`${cadence}, ${timezone}, after ${after}`, () => {
                const plan = planCadence({ cadence, timezone }, NOW);
                const times = nextCycleTimes(plan, new Date(after), 8) ?? [];
                expect(times).to.have.length(8);
                const until = new Date(times[times.length - 1].getTime() + 86_400_000).toISOString().slice(0, 10);
                const fired = firings([{ target: "starter", expression: plan.expression, timezone: plan.timezone, input: schedulePayload(plan) }], after.slice(0, 10), until)
                    .filter((firing) => firing.atMs > Date.parse(after) && firing.atMs <= times[times.length - 1].getTime());
                const started = fired.filter((firing) => decideFiring(plan.gate, firing.scheduledTime).start).map((firing) => firing.scheduledTime);
                expect(started).to.deep.equal(times.map(iso));
                expect(fired.length, "firings that start no cycle lie in between").to.be.greaterThan(times.length);
            });
        }

        it("starts an hour later on the night the clocks skip the cycle's time, and at the first of a repeated time", () => {
            const fortnightly = planCadence({ cadence: "every 2 weeks on sunday at 02:00 starting 2026-01-04", timezone: "Europe/Amsterdam" }, NOW);
            expect(localTimes(nextCycleTimes(fortnightly, new Date("2027-03-01T00:00:00Z"), 3), "Europe/Amsterdam"))
                .to.deep.equal(["Sun 2027-03-14 02:00", "Sun 2027-03-28 03:00", "Sun 2027-04-11 02:00"]);
            const daily = planCadence({ cadence: "daily at 02:30", timezone: "Europe/Amsterdam" }, NOW);
            expect(nextCycleTimes(daily, new Date("2026-10-24T12:00:00Z"), 2)?.map(iso)).to.deep.equal(["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]);
        });

        it("starts strictly after the given instant, and before the anchor date nothing", () => {
            const plan = planCadence({ cadence: "every 2 weeks on sunday at 02:00 starting 2026-12-06", timezone: "Europe/Amsterdam" }, NOW);
            expect(nextCycleTimes(plan, new Date("2026-12-06T01:00:00Z"), 1)?.map(iso)).to.deep.equal(["2026-12-20T01:00:00Z"]);
            expect(nextCycleTimes(plan, new Date("2020-01-01T00:00:00Z"), 1)?.map(iso)).to.deep.equal(["2026-12-06T01:00:00Z"]);
        });
    });

    describe("a cron(...) cadence: every firing, in its time zone", () => {
        const after = new Date("2026-11-29T12:00:00Z");
        const times = (cadence: string, count = 3, from = after, timezone = "Europe/Amsterdam") =>
            localTimes(nextCycleTimes(planCadence({ cadence, timezone }, NOW), from, count), timezone);

        it("reads lists, ranges, steps and names, and ranges that wrap past the end of the week", () => {
            expect(times("cron(0/30 22-23 ? * SAT *)", 5)).to.deep.equal(
                ["Sat 2026-12-05 22:00", "Sat 2026-12-05 22:30", "Sat 2026-12-05 23:00", "Sat 2026-12-05 23:30", "Sat 2026-12-12 22:00"]);
            expect(times("cron(15 6 1,15 JAN-MAR ? 2027)", 4)).to.deep.equal(
                ["Fri 2027-01-01 06:15", "Fri 2027-01-15 06:15", "Mon 2027-02-01 06:15", "Mon 2027-02-15 06:15"]);
            expect(times("cron(0 2 ? * FRI-MON *)", 5)).to.deep.equal(
                ["Mon 2026-11-30 02:00", "Fri 2026-12-04 02:00", "Sat 2026-12-05 02:00", "Sun 2026-12-06 02:00", "Mon 2026-12-07 02:00"]);
            expect(times("cron(0 2 ? * 2/3 *)", 3)).to.deep.equal(["Mon 2026-11-30 02:00", "Thu 2026-12-03 02:00", "Mon 2026-12-07 02:00"]);
            expect(times("cron(0 2 */10 * ? *)", 3)).to.deep.equal(["Tue 2026-12-01 02:00", "Fri 2026-12-11 02:00", "Mon 2026-12-21 02:00"]);
        });

        it("reads L, W and # as EventBridge does (day-of-week 1-7 is SUN-SAT)", () => {
            expect(times("cron(0 2 L * ? *)")).to.deep.equal(["Mon 2026-11-30 02:00", "Thu 2026-12-31 02:00", "Sun 2027-01-31 02:00"]);
            // The last weekday of January 2027 is Friday the 29th; 2026-08-01 is a Saturday, so 1W is Monday the 3rd.
            expect(times("cron(0 2 LW * ? *)")).to.deep.equal(["Mon 2026-11-30 02:00", "Thu 2026-12-31 02:00", "Fri 2027-01-29 02:00"]);
            expect(times("cron(0 2 1W * ? *)", 1, new Date("2026-07-15T00:00:00Z"))).to.deep.equal(["Mon 2026-08-03 02:00"]);
            // 2027-01-31 is a Sunday: the weekday nearest it within January is Friday the 29th.
            expect(times("cron(0 2 31W * ? *)", 2)).to.deep.equal(["Thu 2026-12-31 02:00", "Fri 2027-01-29 02:00"]);
            expect(times("cron(0 2 ? * 6L *)")).to.deep.equal(["Fri 2026-12-25 02:00", "Fri 2027-01-29 02:00", "Fri 2027-02-26 02:00"]);
            expect(times("cron(0 2 ? * MON#1 *)")).to.deep.equal(["Mon 2026-12-07 02:00", "Mon 2027-01-04 02:00", "Mon 2027-02-01 02:00"]);
            expect(times("cron(0 2 ? * L *)", 2)).to.deep.equal(["Sat 2026-12-05 02:00", "Sat 2026-12-12 02:00"]);
        });

        it("skips a time the spring-forward gap removes and fires a time the fall-back repeats once", () => {
            expect(times("cron(0/30 2 ? * SUN *)", 4, new Date("2027-03-27T00:00:00Z"))).to.deep.equal(
                ["Sun 2027-04-04 02:00", "Sun 2027-04-04 02:30", "Sun 2027-04-11 02:00", "Sun 2027-04-11 02:30"]);
            expect(nextCycleTimes(planCadence({ cadence: "cron(30 2 ? * SUN *)", timezone: "Europe/Amsterdam" }, NOW), new Date("2026-10-24T00:00:00Z"), 2)?.map(iso))
                .to.deep.equal(["2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"]);
        });

        it("agrees with the simulated Scheduler across both changes of the clocks", () => {
            for (const expression of ["cron(0/10 1-3 ? * SUN *)", "cron(0 2,3 * * ? *)", "cron(30 23,0 ? * SAT,SUN *)"]) {
                const plan = planCadence({ cadence: expression, timezone: "Europe/Amsterdam" }, NOW);
                for (const [from, until] of [["2026-03-22", "2026-04-06"], ["2026-10-18", "2026-11-02"]]) {
                    const expected = firings([{ target: "schedule", expression, timezone: plan.timezone, input: {} }], from, until).map((firing) => firing.scheduledTime);
                    // The simulated days are local: start before the first local midnight.
                    const start = new Date(Date.parse(`${from}T00:00:00Z`) - 3 * 3_600_000);
                    const actual = (nextCycleTimes(plan, start, 500) ?? []).map(iso).filter((time) => time < `${until}T00:00:00Z` && time >= expected[0]);
                    expect(actual, `${expression} from ${from}`).to.deep.equal(expected);
                }
            }
        });

        it("lists fewer times, or none, once the expression's years run out", () => {
            expect(times("cron(0 2 1 12 ? 2026-2027)", 5)).to.deep.equal(["Tue 2026-12-01 02:00", "Wed 2027-12-01 02:00"]);
            expect(times("cron(0 2 1 1 ? 2020)")).to.deep.equal([]);
        });
    });

    it("cannot know a rate(...) cadence's times: they count from the schedule's creation", () => {
        expect(nextCycleTimes(planCadence({ cadence: "rate(14 days)" }, NOW), NOW, 5)).to.equal(undefined);
    });
});
