import { expect } from "chai";
import { CadenceInput, CadencePlan, planCadence } from "../../components/cadence";
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

function expressions(plan: CadencePlan): [string, string] {
    return [plan.update.expression, plan.restore.expression];
}

describe("planCadence", () => {
    describe("default plan", () => {
        const plan = planCadence({});

        it("fires the update at 02:00 and its fallback 03:00, and the restore every 15 minutes from 04:00 to 05:45", () => {
            expect(expressions(plan)).to.deep.equal(["cron(0 2,3 ? * SUN *)", "cron(0/15 4-5 ? * SUN *)"]);
        });

        it("evaluates both schedules in UTC", () => {
            expect(plan.update.timezone).to.equal("UTC");
            expect(plan.restore.timezone).to.equal("UTC");
        });

        it("gates every 14 days from the first Sunday after 1970-01-01", () => {
            expect(plan.update.gate).to.deep.equal({
                kind: "update", timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "02:00", updateTime: "02:00",
                dayOffset: 0, windowMinutes: 0, recheckMinutes: 0,
            });
            expect(plan.restore.gate).to.deep.equal({
                kind: "restore", timezone: "UTC", everyDays: 14, anchorDate: "1970-01-04", localTime: "04:00", updateTime: "02:00",
                dayOffset: 0, windowMinutes: 120, recheckMinutes: 15,
            });
        });

        it("describes the plan without reference to the deploy date", () => {
            expect(plan.description).to.equal(
                "every 2 weeks on Sunday at 02:00 UTC (cycles on 1970-01-04, 1970-01-18, ...); " +
                "restore from 04:00, re-checked every 15 minutes until 06:00",
            );
        });
    });

    describe("readable cadence", () => {
        it("reads `daily at HH:MM` as every day from 1970-01-01, with any day of the week", () => {
            const plan = planCadence({ cadence: "daily at 06:30" });
            expect(expressions(plan)).to.deep.equal(["cron(30 6,7 * * ? *)", "cron(0/15 8-10 * * ? *)"]);
            expect(plan.update.gate).to.include({ everyDays: 1, anchorDate: "1970-01-01", localTime: "06:30" });
        });

        it("reads `weekly on <weekday>` with a three-letter weekday", () => {
            const plan = planCadence({ cadence: "weekly on Mon at 01:15" });
            expect(plan.update.expression).to.equal("cron(15 1,2 ? * MON *)");
            expect(plan.update.gate).to.include({ everyDays: 7, anchorDate: "1970-01-05", localTime: "01:15" });
        });

        it("reads `every 3 days` as a 3-day cycle counted in calendar days", () => {
            const plan = planCadence({ cadence: "every 3 days at 02:00" });
            expect(plan.update.expression).to.equal("cron(0 2,3 * * ? *)");
            expect(plan.update.gate).to.include({ everyDays: 3, anchorDate: "1970-01-01" });
            expect(plan.description).to.match(/^every 3 days at 02:00 UTC \(cycles on 1970-01-01, 1970-01-04, \.\.\.\)/);
        });

        it("ignores case and extra spaces", () => {
            const plan = planCadence({ cadence: "  EVERY  4   Weeks ON tuesday AT 22:05  " });
            expect(plan.update.expression).to.equal("cron(5 22,23 ? * TUE *)");
            expect(plan.update.gate).to.include({ everyDays: 28, anchorDate: "1970-01-06", localTime: "22:05" });
        });

        it("anchors on the `starting` date when it falls on the named weekday", () => {
            const plan = planCadence({ cadence: "every 2 weeks on fri at 2:00 starting 2026-01-02" });
            expect(plan.update.gate).to.include({ anchorDate: "2026-01-02", localTime: "02:00" });
            expect(plan.restore.gate).to.include({ anchorDate: "2026-01-02" });
        });

        it("rejects a `starting` date on another weekday, naming the weekday it falls on", () => {
            const cadence = "every 2 weeks on sunday at 02:00 starting 2026-01-05";
            expectConfigError({ cadence }, "cadence", cadence, "Monday", "starting 2026-01-11");
        });

        it("canonicalizes the case of the time zone and carries it into both gates", () => {
            const plan = planCadence({ timezone: "europe/amsterdam" });
            expect(plan.update.timezone).to.equal("Europe/Amsterdam");
            expect(plan.restore.gate?.timezone).to.equal("Europe/Amsterdam");
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

        it("rejects restoreCadence, which only raw expressions take", () => {
            expectConfigError({ restoreCadence: "cron(0 6 ? * SUN *)" }, "restoreCadence", "cron(0 6 ? * SUN *)",
                "only for cron(...) or rate(...) cadences");
        });
    });

    describe("restore timing", () => {
        it("starts at an off-hour minute with the recheck step's phase in the minute field", () => {
            const plan = planCadence({ cadence: "weekly on sunday at 02:10", restoreRecheckMinutes: 20 });
            expect(plan.restore.expression).to.equal("cron(10/20 4-5 ? * SUN *)");
            expect(plan.restore.gate).to.include({ localTime: "04:10", recheckMinutes: 20, windowMinutes: 120 });
        });

        it("writes a plain minute for hourly rechecks and covers only the hours with attempts", () => {
            const plan = planCadence({ restoreRecheckMinutes: 60, restoreWindowMinutes: 180, restoreDelayMinutes: 30 });
            expect(plan.restore.expression).to.equal("cron(30 2-4 ? * SUN *)");
        });

        it("covers the window's partial last interval", () => {
            const plan = planCadence({ restoreWindowMinutes: 50, restoreRecheckMinutes: 15 });
            // Attempts at 04:00, 04:15, 04:30 and 04:45: the window ends at 04:50.
            expect(plan.restore.expression).to.equal("cron(0/15 4 ? * SUN *)");
            expect(plan.description).to.include("until 04:50");
        });

        it("rejects timings that do not fit", () => {
            expectConfigError({ restoreRecheckMinutes: 7 }, "restoreRecheckMinutes", 7, "5, 10, 15, 20, 30, 60");
            expectConfigError({ restoreWindowMinutes: 10 }, "restoreWindowMinutes", 10, "from 15");
            expectConfigError({ restoreWindowMinutes: 721 }, "restoreWindowMinutes", 721, "720");
            expectConfigError({ restoreWindowMinutes: 90.5 }, "restoreWindowMinutes", 90.5);
            expectConfigError({ restoreDelayMinutes: 0 }, "restoreDelayMinutes", 0, "from 1 to 1320");
            expectConfigError({ restoreDelayMinutes: 1321 }, "restoreDelayMinutes", 1321, "within 24 hours");
        });
    });

    describe("restore crossing midnight", () => {
        it("moves the restore to Sunday when a Saturday 23:30 update is followed 60 minutes later", () => {
            const plan = planCadence({ cadence: "every week on saturday at 23:30", restoreDelayMinutes: 60 });
            expect(expressions(plan)).to.deep.equal(["cron(30 23,0 ? * SAT,SUN *)", "cron(0/15 0-2 ? * SUN *)"]);
            expect(plan.restore.gate).to.include({ localTime: "00:30", dayOffset: 1, anchorDate: "1970-01-03", updateTime: "23:30" });
            expect(plan.description).to.equal(
                "every week on Saturday at 23:30 UTC; restore from 00:30 the next day, " +
                "re-checked every 15 minutes until 02:30 the next day",
            );
        });

        it("lists the hours on both sides of midnight when the window itself crosses it", () => {
            const plan = planCadence({ cadence: "every 2 weeks on saturday at 21:30", timezone: "Europe/Amsterdam" });
            expect(plan.restore.expression).to.equal("cron(0/15 23,0-1 ? * SAT,SUN *)");
            expect(plan.restore.gate).to.include({ localTime: "23:30", dayOffset: 0 });
            expect(plan.description).to.include("restore from 23:30, re-checked every 15 minutes until 01:30 the next day");
        });

        it("starts the restore the next day for a daily cadence without listing weekdays", () => {
            const plan = planCadence({ cadence: "daily at 23:00" });
            expect(expressions(plan)).to.deep.equal(["cron(0 23,0 * * ? *)", "cron(0/15 1-2 * * ? *)"]);
            expect(plan.restore.gate).to.include({ localTime: "01:00", dayOffset: 1 });
        });
    });

    describe("raw cron(...) and rate(...) cadence", () => {
        const restoreCadence = "cron(0 6 ? * SUN *)";
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
            it(`accepts ${given} ungated`, () => {
                const plan = planCadence({ cadence: given, restoreCadence, timezone: "Europe/Amsterdam" });
                expect(plan.update).to.deep.equal({ expression: normalized, timezone: "Europe/Amsterdam" });
                expect(plan.restore).to.deep.equal({ expression: restoreCadence, timezone: "Europe/Amsterdam" });
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
            it(`rejects ${given}`, () => expectConfigError({ cadence: given, restoreCadence }, "cadence", given, mention));
        }

        it("requires restoreCadence, explaining why and showing one", () => {
            expectConfigError({ cadence: "rate(14 days)" }, "restoreCadence", "nothing was set",
                "no time of day", "Example: cron(");
        });

        it("validates restoreCadence under its own key", () => {
            expectConfigError({ cadence: "rate(14 days)", restoreCadence: "cron(0 6 * * SUN *)" },
                "restoreCadence", "cron(0 6 * * SUN *)", "? in exactly one");
        });

        it("rejects the readable form's restore timings", () => {
            for (const key of ["restoreDelayMinutes", "restoreWindowMinutes", "restoreRecheckMinutes"] as const) {
                expectConfigError({ cadence: "rate(14 days)", restoreCadence, [key]: 30 }, key, 30, "readable cadence");
            }
        });

        it("describes both expressions", () => {
            const plan = planCadence({ cadence: "cron(0 2 ? * SUN *)", restoreCadence: "rate(14 days)" });
            expect(plan.description).to.equal(
                "update on cron(0 2 ? * SUN *) and restore on rate(14 days), UTC; every firing is a refresh cycle",
            );
        });
    });
});
