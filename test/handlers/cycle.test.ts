import { expect } from "chai";
import { CycleDecision, CycleGate, decideCycle } from "../../handlers/cycle";

// Local wall times are turned into UTC instants with the zones' published DST rules rather than Intl, so
// the test does not share its time zone arithmetic with the code under test.

type Zone = "UTC" | "Europe/Amsterdam" | "America/New_York";

interface ZoneRules {
    /** Offsets from UTC in minutes. */
    standardOffset: number;
    summerOffset: number;
    /** UTC instants (ms) at which summer time starts and ends in a year. */
    summerStart(year: number): number;
    summerEnd(year: number): number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

/** Day of the month of the n-th Sunday (n = 1..4) of a month (1-12). */
function nthSunday(year: number, month: number, n: number): number {
    const firstWeekday = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return 1 + ((7 - firstWeekday) % 7) + 7 * (n - 1);
}

function lastSunday(year: number, month: number): number {
    const last = new Date(Date.UTC(year, month, 0));
    return last.getUTCDate() - last.getUTCDay();
}

const ZONES: Record<Zone, ZoneRules> = {
    UTC: { standardOffset: 0, summerOffset: 0, summerStart: () => 0, summerEnd: () => 0 },
    // EU: last Sunday of March and of October, at 01:00 UTC.
    "Europe/Amsterdam": {
        standardOffset: 60,
        summerOffset: 120,
        summerStart: (year) => Date.UTC(year, 2, lastSunday(year, 3), 1),
        summerEnd: (year) => Date.UTC(year, 9, lastSunday(year, 10), 1),
    },
    // US: second Sunday of March at 02:00 EST, first Sunday of November at 02:00 EDT.
    "America/New_York": {
        standardOffset: -300,
        summerOffset: -240,
        summerStart: (year) => Date.UTC(year, 2, nthSunday(year, 3, 2), 7),
        summerEnd: (year) => Date.UTC(year, 10, nthSunday(year, 11, 1), 6),
    },
};

function offsetAt(zone: Zone, instantMs: number): number {
    const rules = ZONES[zone];
    const year = new Date(instantMs).getUTCFullYear();
    const inSummer = instantMs >= rules.summerStart(year) && instantMs < rules.summerEnd(year);
    return inSummer ? rules.summerOffset : rules.standardOffset;
}

/** Every instant showing this local date and time: none in a spring-forward gap, two in a repeated hour. */
function instantsOf(zone: Zone, date: string, time: string): number[] {
    const wallAsUtcMs = Date.parse(`${date}T${time}:00Z`);
    const offsets = [...new Set([ZONES[zone].standardOffset, ZONES[zone].summerOffset])];
    return offsets
        .map((offset) => ({ offset, instantMs: wallAsUtcMs - offset * MS_PER_MINUTE }))
        .filter(({ offset, instantMs }) => offsetAt(zone, instantMs) === offset)
        .map(({ instantMs }) => instantMs)
        .sort((a, b) => a - b);
}

function iso(instantMs: number): string {
    return new Date(instantMs).toISOString().replace(".000Z", "Z");
}

function addDays(date: string, days: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

function weekdayOf(date: string): number {
    return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function isoWeek(date: string): number {
    const day = new Date(`${date}T00:00:00Z`);
    const thursday = new Date(day.getTime() + (3 - ((day.getUTCDay() + 6) % 7)) * MS_PER_DAY);
    const firstJanuary = Date.UTC(thursday.getUTCFullYear(), 0, 1);
    return 1 + Math.floor((thursday.getTime() - firstJanuary) / MS_PER_DAY / 7);
}

function datesBetween(first: string, beforeDate: string, stepDays: number): string[] {
    const dates: string[] = [];
    for (let date = first; date < beforeDate; date = addDays(date, stepDays)) dates.push(date);
    return dates;
}

/** Minutes "HH:MM" from `first` to `last` inclusive, every `step` minutes. */
function timesBetween(first: string, last: string, step: number): string[] {
    const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
    const times: string[] = [];
    for (let minutes = toMinutes(first); minutes <= toMinutes(last); minutes += step) {
        times.push(`${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`);
    }
    return times;
}

interface Firing {
    date: string;
    time: string;
    scheduledTime: string;
    decision: CycleDecision;
}

/** What Scheduler does at a local wall time: nothing in a gap, a single firing (the first) in a repeated hour. */
function fire(gate: CycleGate, date: string, time: string): Firing | undefined {
    const [instantMs] = instantsOf(gate.timezone as Zone, date, time);
    if (instantMs === undefined) return undefined;
    return { date, time, scheduledTime: iso(instantMs), decision: decideCycle(gate, iso(instantMs)) };
}

function fireAll(gate: CycleGate, dates: string[], times: string[]): Firing[] {
    return dates.flatMap((date) => times.map((time) => fire(gate, date, time)))
        .filter((firing): firing is Firing => firing !== undefined);
}

function updateGate(timezone: Zone, anchorDate: string, localTime = "02:00", everyDays = 14): CycleGate {
    return {
        kind: "update", timezone, everyDays, anchorDate, localTime, updateTime: localTime,
        dayOffset: 0, windowMinutes: 0, recheckMinutes: 0,
    };
}

/** A 120-minute window re-checked every 15 minutes, starting at `localTime` `dayOffset` days after an update at `updateTime`. */
function restoreGate(
    timezone: Zone, anchorDate: string, updateTime: string, localTime: string, dayOffset = 0, everyDays = 14,
): CycleGate {
    return {
        kind: "restore", timezone, everyDays, anchorDate, localTime, updateTime,
        dayOffset, windowMinutes: 120, recheckMinutes: 15,
    };
}

/** Sundays from 2026 through 2028. */
const SUNDAYS = datesBetween("2026-01-04", "2029-01-01", 7);
/** Every second Sunday from 2026-01-04: 2027-03-14 and 2027-03-28, both spring-forward days, are among them. */
const CYCLE_SUNDAYS = datesBetween("2026-01-04", "2029-01-01", 14);

describe("decideCycle", () => {
    describe("without a gate", () => {
        it("runs every firing as its own cycle, named by the scheduled UTC minute", () => {
            expect(decideCycle(undefined, "2026-03-29T01:00:00Z")).to.deep.include({
                run: true, cycleId: "2026-03-29T01:00Z", attempt: 1, lastAttempt: true, windowStart: "2026-03-29T01:00:00Z",
            });
        });

        it("runs a manual invocation without a scheduled time at the current time", () => {
            const decision = decideCycle(undefined, undefined, new Date("2026-05-01T12:34:56Z"));
            expect(decision).to.deep.include({ run: true, cycleId: "2026-05-01T12:34Z", lastAttempt: true });
        });
    });

    describe("payload problems", () => {
        const gate = updateGate("Europe/Amsterdam", "2026-01-04");

        it("throws when a gated firing has no usable scheduled time", () => {
            expect(() => decideCycle(gate, undefined)).to.throw(/aws\.scheduler\.scheduled-time/);
            expect(() => decideCycle(gate, "<aws.scheduler.scheduled-time>")).to.throw(/scheduledTime is "<aws/);
            expect(() => decideCycle(gate, "2026-03-29 01:00")).to.throw(/not an ISO-8601 instant/);
        });

        it("throws on a gate that cannot be evaluated", () => {
            expect(() => decideCycle({ ...gate, timezone: "Mars/Olympus" }, "2026-03-29T01:00:00Z"))
                .to.throw(/timezone "Mars\/Olympus".*redeploy/);
            expect(() => decideCycle({ ...gate, localTime: "2:00" }, "2026-03-29T01:00:00Z")).to.throw(/localTime/);
        });

        it("accepts scheduled times with an offset", () => {
            expect(decideCycle(gate, "2026-01-04T02:00:00+01:00").run).to.equal(true);
        });
    });

    describe("update gate", () => {
        // The repeated hour is 02:00-02:59 in Amsterdam but 01:00-01:59 in New York, where 02:00 occurs once.
        for (const [zone, springForward, fallBack, occurrencesOf0200] of [
            ["Europe/Amsterdam", "2027-03-28", "2026-10-25", 2],
            ["America/New_York", "2027-03-14", "2027-11-07", 1],
        ] as const) {
            describe(`every 2 weeks on Sunday at 02:00 ${zone}, 2026 through 2028`, () => {
                const gate = updateGate(zone, "2026-01-04");
                const firings = fireAll(gate, SUNDAYS, ["02:00", "03:00"]);
                const accepted = firings.filter((firing) => firing.decision.run);
                const gapDays = new Set(SUNDAYS.filter((date) => instantsOf(zone, date, "02:00").length === 0));

                it("accepts exactly one firing every 14 days, on a local Sunday", () => {
                    expect(accepted.map((firing) => firing.date)).to.deep.equal(CYCLE_SUNDAYS);
                    expect(accepted.map((firing) => firing.decision.cycleId)).to.deep.equal(CYCLE_SUNDAYS);
                    expect(accepted.every((firing) => weekdayOf(firing.decision.cycleId) === 0)).to.equal(true);
                });

                it("accepts the 03:00 firing exactly on the days 02:00 does not exist", () => {
                    expect(gapDays.size).to.equal(3);
                    for (const firing of accepted) {
                        expect(firing.time, firing.date).to.equal(gapDays.has(firing.date) ? "03:00" : "02:00");
                    }
                    const shifted = accepted.find((firing) => firing.date === springForward);
                    expect(shifted?.time).to.equal("03:00");
                    expect(shifted?.decision.reason).to.include("does not exist");
                    expect(shifted?.decision.windowStart).to.equal(shifted?.scheduledTime);
                });

                it("rejects the 03:00 firing on every other cycle day", () => {
                    const fallbacks = firings.filter((firing) =>
                        firing.time === "03:00" && CYCLE_SUNDAYS.includes(firing.date) && !gapDays.has(firing.date));
                    const cycleGapDays = CYCLE_SUNDAYS.filter((date) => gapDays.has(date));
                    expect(fallbacks).to.have.length(CYCLE_SUNDAYS.length - cycleGapDays.length);
                    for (const firing of fallbacks) {
                        expect(firing.decision.run, firing.date).to.equal(false);
                        expect(firing.decision.reason).to.include("02:00 exists");
                    }
                });

                it("accepts exactly one firing on the fall-back day, whichever instant the repeated hour fires at", () => {
                    expect(CYCLE_SUNDAYS).to.include(fallBack);
                    expect(accepted.filter((firing) => firing.date === fallBack)).to.have.length(1);
                    const cycleIds = instantsOf(zone, fallBack, "02:00")
                        .map((instantMs) => decideCycle(gate, iso(instantMs)))
                        .map((decision) => (decision.run ? decision.cycleId : "rejected"));
                    expect(cycleIds).to.have.length(occurrencesOf0200);
                    expect(new Set(cycleIds)).to.deep.equal(new Set([fallBack]));
                });

                it("keeps the 14-day spacing across the year end after ISO week 53", () => {
                    // ISO weeks 53 and 1 are consecutive and both odd: week parity would run twice in a row.
                    expect([isoWeek("2027-01-03"), isoWeek("2027-01-10")]).to.deep.equal([53, 1]);
                    const runDates = new Set(accepted.map((firing) => firing.date));
                    expect(["2026-12-20", "2027-01-03", "2027-01-17"].every((date) => runDates.has(date))).to.equal(true);
                    expect(runDates.has("2026-12-27")).to.equal(false);
                    expect(runDates.has("2027-01-10")).to.equal(false);
                    const skipped = firings.find((firing) => firing.date === "2027-01-10" && firing.time === "02:00");
                    expect(skipped?.decision.reason).to.equal(
                        "2027-01-10 is not a cycle week: 1 week after the last cycle on 2027-01-03");
                });
            });
        }

        it("runs nothing before the anchor date", () => {
            const decision = fire(updateGate("UTC", "2026-01-18"), "2026-01-04", "02:00")?.decision;
            expect(decision?.run).to.equal(false);
            expect(decision?.reason).to.include("before the first cycle on 2026-01-18");
        });

        it("counts calendar days for every 3 days, through the spring-forward day", () => {
            const gate = updateGate("Europe/Amsterdam", "2027-03-19", "02:00", 3);
            const days = datesBetween("2027-03-20", "2027-04-05", 1);
            const accepted = fireAll(gate, days, ["02:00", "03:00"]).filter((firing) => firing.decision.run);
            expect(accepted.map((firing) => `${firing.date} ${firing.time}`)).to.deep.equal([
                "2027-03-22 02:00", "2027-03-25 02:00", "2027-03-28 03:00", "2027-03-31 02:00", "2027-04-03 02:00",
            ]);
        });

        it("takes the 00:30 firing after a Saturday 23:30 update only as a fallback for that Saturday", () => {
            const gate = updateGate("UTC", "2026-01-03", "23:30", 7);
            const firings = fireAll(gate, ["2026-01-03", "2026-01-04"], ["23:30", "00:30"]);
            expect(firings.map((firing) => [firing.date, firing.time, firing.decision.run])).to.deep.equal([
                ["2026-01-03", "23:30", true],
                ["2026-01-03", "00:30", false],
                ["2026-01-04", "23:30", false],
                ["2026-01-04", "00:30", false],
            ]);
            expect(firings[3].decision.reason).to.include("23:30 exists on 2026-01-03");
        });
    });

    describe("restore gate", () => {
        const RESTORE_TIMES = timesBetween("04:00", "05:45", 15);

        describe("from 04:00 for 120 minutes every 15 minutes, Europe/Amsterdam, 2026 through 2028", () => {
            const zone = "Europe/Amsterdam";
            const firings = fireAll(restoreGate(zone, "2026-01-04", "02:00", "04:00"), SUNDAYS, RESTORE_TIMES);
            const updates = fireAll(updateGate(zone, "2026-01-04"), SUNDAYS, ["02:00", "03:00"])
                .filter((firing) => firing.decision.run);

            it("numbers the attempts 1 to 8 on each cycle day, the last at 05:45", () => {
                for (const date of CYCLE_SUNDAYS) {
                    const accepted = firings.filter((firing) => firing.date === date && firing.decision.run);
                    expect(accepted.map((firing) => firing.decision.attempt), date).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
                    expect(accepted.filter((firing) => firing.decision.lastAttempt).map((firing) => firing.time))
                        .to.deep.equal(["05:45"]);
                    const [windowStart] = instantsOf(zone, date, "04:00");
                    expect(new Set(accepted.map((firing) => firing.decision.windowStart))).to.deep.equal(new Set([iso(windowStart)]));
                }
            });

            it("rejects every firing on the other Sundays", () => {
                const offWeeks = firings.filter((firing) => !CYCLE_SUNDAYS.includes(firing.date));
                expect(offWeeks).to.have.length(RESTORE_TIMES.length * (SUNDAYS.length - CYCLE_SUNDAYS.length));
                expect(offWeeks.some((firing) => firing.decision.run)).to.equal(false);
            });

            it("belongs to the same cycle as that day's update, started when the update ran", () => {
                const cycleOf = (decision: CycleDecision) => `${decision.cycleId} ${decision.cycleStart}`;
                const restoreCycles = [...new Set(firings.filter((f) => f.decision.run).map((f) => cycleOf(f.decision)))];
                expect(restoreCycles).to.deep.equal(updates.map((firing) => cycleOf(firing.decision)));
                expect(updates.every((firing) => firing.decision.cycleStart === firing.scheduledTime)).to.equal(true);
            });

            it("rejects firings outside the window or off the recheck grid", () => {
                const gate = restoreGate(zone, "2026-01-04", "02:00", "04:00");
                for (const time of ["03:45", "06:00", "06:15"]) {
                    const decision = fire(gate, "2026-01-18", time)?.decision;
                    expect(decision?.run, time).to.equal(false);
                    expect(decision?.reason, time).to.include("outside the restore window 04:00-06:00");
                }
                expect(fire(gate, "2026-01-18", "04:07")?.decision.run).to.equal(false);
            });
        });

        it("follows a Saturday 23:30 update into Sunday 00:30 and keeps the Saturday's cycle id", () => {
            const update = fire(updateGate("UTC", "2026-01-03", "23:30", 7), "2026-01-03", "23:30");
            const gate = restoreGate("UTC", "2026-01-03", "23:30", "00:30", 1, 7);
            const firings = fireAll(gate, ["2026-01-03", "2026-01-04"], timesBetween("00:00", "02:45", 15));
            const accepted = firings.filter((firing) => firing.decision.run);
            expect(accepted.map((firing) => `${firing.date} ${firing.time}`)).to.deep.equal(
                timesBetween("00:30", "02:15", 15).map((time) => `2026-01-04 ${time}`));
            expect(accepted.map((firing) => firing.decision.attempt)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
            expect(accepted.map((firing) => firing.decision.lastAttempt).indexOf(true)).to.equal(7);
            expect(new Set(accepted.map((firing) => firing.decision.cycleId))).to.deep.equal(new Set([update?.decision.cycleId]));
            expect(update?.decision.cycleId).to.equal("2026-01-03");
            expect(new Set(accepted.map((firing) => firing.decision.cycleStart))).to.deep.equal(new Set(["2026-01-03T23:30:00Z"]));
        });

        it("follows a window that crosses midnight, on the cycle's Saturday only", () => {
            const gate = restoreGate("Europe/Amsterdam", "2026-01-03", "21:30", "23:30");
            const days = datesBetween("2026-01-09", "2026-01-19", 1);
            const times = [...timesBetween("00:00", "01:45", 15), ...timesBetween("23:00", "23:45", 15)];
            const accepted = fireAll(gate, days, times).filter((firing) => firing.decision.run)
                .sort((a, b) => a.scheduledTime.localeCompare(b.scheduledTime));
            expect(accepted.map((firing) => `${firing.date} ${firing.time}`)).to.deep.equal([
                "2026-01-17 23:30", "2026-01-17 23:45",
                ...timesBetween("00:00", "01:15", 15).map((time) => `2026-01-18 ${time}`),
            ]);
            expect(accepted.map((firing) => firing.decision.attempt)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
            expect(accepted.every((firing) => firing.decision.cycleId === "2026-01-17")).to.equal(true);
            expect(accepted[7].decision.lastAttempt).to.equal(true);
        });

        describe("on the spring-forward night, America/New_York", () => {
            const zone = "America/New_York";
            const times = timesBetween("01:00", "03:45", 15);

            it("counts the firings after the gap as later attempts of the same window", () => {
                const gate = restoreGate(zone, "2027-03-13", "23:30", "01:30", 1);
                const accepted = fireAll(gate, ["2027-03-14"], times).filter((firing) => firing.decision.run);
                expect(accepted.map((firing) => [firing.time, firing.decision.attempt, firing.decision.lastAttempt]))
                    .to.deep.equal([["01:30", 1, false], ["01:45", 2, false], ["03:00", 3, false], ["03:15", 4, true]]);
            });

            it("makes the last firing before the gap the last attempt when the window ends inside the gap", () => {
                const gate = restoreGate(zone, "2027-03-13", "23:00", "01:00", 1);
                const onGapDay = fireAll(gate, ["2027-03-14"], times).filter((firing) => firing.decision.run);
                expect(onGapDay.map((firing) => firing.time)).to.deep.equal(timesBetween("01:00", "01:45", 15));
                expect(onGapDay.map((firing) => firing.decision.lastAttempt)).to.deep.equal([false, false, false, true]);
                const twoWeeksLater = fireAll(gate, ["2027-03-28"], times).filter((firing) => firing.decision.run);
                expect(twoWeeksLater.map((firing) => firing.decision.attempt)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
                expect(twoWeeksLater[7].time).to.equal("02:45");
                expect(twoWeeksLater[7].decision.lastAttempt).to.equal(true);
            });
        });
    });
});
