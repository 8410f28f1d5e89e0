import { expect } from "chai";
import { CadenceInput, planCadence } from "../../components/cadence";
import { ConfigError } from "../../components/config-error";

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
        const plan = planCadence({});

        it("fires at 02:00 and at its fallback 03:00 on Sundays, in UTC", () => {
            expect(plan.expression).to.equal("cron(0 2,3 ? * SUN *)");
            expect(plan.timezone).to.equal("UTC");
        });

        it("gates every 14 days from the first Sunday after 1970-01-01", () => {
            expect(plan.gate).to.deep.equal({ timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00" });
        });

        it("describes the plan without reference to the deploy date", () => {
            expect(plan.description).to.equal("every 2 weeks on Sunday at 02:00 UTC (cycles on 1970-01-04, 1970-01-18, ...)");
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
            const plan = planCadence({ cadence: "every 3 days at 02:00" });
            expect(plan.expression).to.equal("cron(0 2,3 * * ? *)");
            expect(plan.gate).to.include({ everyDays: 3, anchorDate: "1970-01-01" });
            expect(plan.description).to.equal("every 3 days at 02:00 UTC (cycles on 1970-01-01, 1970-01-04, ...)");
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
                    description: `${normalized}, Europe/Amsterdam; every firing starts a refresh cycle`,
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
