import { expect } from "chai";
import { CycleGate, cyclesAfter, decideFiring, FiringDecision } from "../../handlers/cycle-gate";

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

interface Firing {
    date: string;
    time: string;
    scheduledTime: string;
    decision: FiringDecision;
}

/** What Scheduler does at a local wall time: nothing in a gap, a single firing (the first) in a repeated hour. */
function fire(gate: CycleGate, date: string, time: string): Firing | undefined {
    const [instantMs] = instantsOf(gate.timezone as Zone, date, time);
    if (instantMs === undefined) return undefined;
    return { date, time, scheduledTime: iso(instantMs), decision: decideFiring(gate, iso(instantMs)) };
}

function fireAll(gate: CycleGate, dates: string[], times: string[]): Firing[] {
    return dates.flatMap((date) => times.map((time) => fire(gate, date, time)))
        .filter((firing): firing is Firing => firing !== undefined);
}

function updateGate(timezone: Zone, anchorDate: string, localTime = "02:00", everyDays = 14): CycleGate {
    return { timezone, everyDays, anchorDate, localTime };
}

/** The cycle's name, or "skipped". */
function started(decision: FiringDecision | undefined): string {
    return decision?.start ? decision.cycleName : "skipped";
}

/** Sundays from 2026 through 2028. */
const SUNDAYS = datesBetween("2026-01-04", "2029-01-01", 7);
/** Every second Sunday from 2026-01-04: 2027-03-14 and 2027-03-28, both spring-forward days, are among them. */
const CYCLE_SUNDAYS = datesBetween("2026-01-04", "2029-01-01", 14);

describe("decideFiring", () => {
    describe("without a gate", () => {
        it("starts every firing as its own cycle, named by the scheduled UTC minute", () => {
            expect(decideFiring(undefined, "2026-03-29T01:00:00Z")).to.deep.equal({
                start: true, cycleName: "cycle-2026-03-29T0100Z", reason: "every firing of a cron(...) or rate(...) cadence starts a cycle",
            });
        });

        it("starts a cycle now when invoked by hand, gate or not", () => {
            const now = new Date("2026-05-01T12:34:56Z");
            expect(started(decideFiring(undefined, undefined, now))).to.equal("cycle-2026-05-01T1234Z");
            expect(decideFiring(updateGate("UTC", "2026-01-04"), undefined, now)).to.deep.equal({
                start: true, cycleName: "cycle-2026-05-01T1234Z", reason: "invoked by hand: a cycle starts now",
            });
        });
    });

    describe("payload problems", () => {
        const gate = updateGate("Europe/Amsterdam", "2026-01-04");

        it("throws when a firing's scheduled time is not one", () => {
            expect(() => decideFiring(gate, "<aws.scheduler.scheduled-time>")).to.throw(/scheduledTime "<aws.*aws\.scheduler\.scheduled-time/);
            expect(() => decideFiring(gate, "2026-03-29 01:00")).to.throw(/not an ISO-8601 instant/);
        });

        it("throws on a gate that cannot be evaluated", () => {
            expect(() => decideFiring({ ...gate, timezone: "Mars/Olympus" }, "2026-03-29T01:00:00Z"))
                .to.throw(/timezone "Mars\/Olympus".*redeploy/);
            expect(() => decideFiring({ ...gate, localTime: "2:00" }, "2026-03-29T01:00:00Z")).to.throw(/localTime/);
        });

        it("accepts scheduled times with an offset", () => {
            expect(started(decideFiring(gate, "2026-01-04T02:00:00+01:00"))).to.equal("cycle-2026-01-04");
        });
    });

    describe("the gate", () => {
        // The repeated hour is 02:00-02:59 in Amsterdam but 01:00-01:59 in New York, where 02:00 occurs once.
        for (const [zone, springForward, fallBack, occurrencesOf0200] of [
            ["Europe/Amsterdam", "2027-03-28", "2026-10-25", 2],
            ["America/New_York", "2027-03-14", "2027-11-07", 1],
        ] as const) {
            describe(`every 2 weeks on Sunday at 02:00 ${zone}, 2026 through 2028`, () => {
                const gate = updateGate(zone, "2026-01-04");
                const firings = fireAll(gate, SUNDAYS, ["02:00", "03:00"]);
                const accepted = firings.filter((firing) => firing.decision.start);
                const gapDays = new Set(SUNDAYS.filter((date) => instantsOf(zone, date, "02:00").length === 0));

                it("starts exactly one cycle every 14 days, on a local Sunday, named after its date", () => {
                    expect(accepted.map((firing) => firing.date)).to.deep.equal(CYCLE_SUNDAYS);
                    expect(accepted.map((firing) => started(firing.decision))).to.deep.equal(CYCLE_SUNDAYS.map((date) => `cycle-${date}`));
                    expect(accepted.every((firing) => weekdayOf(firing.date) === 0)).to.equal(true);
                });

                it("accepts the 03:00 firing exactly on the days 02:00 does not exist", () => {
                    expect(gapDays.size).to.equal(3);
                    for (const firing of accepted) {
                        expect(firing.time, firing.date).to.equal(gapDays.has(firing.date) ? "03:00" : "02:00");
                    }
                    const shifted = accepted.find((firing) => firing.date === springForward);
                    expect(shifted?.time).to.equal("03:00");
                    expect(shifted?.decision.reason).to.include("does not exist");
                });

                it("rejects the 03:00 firing on every other cycle day", () => {
                    const fallbacks = firings.filter((firing) =>
                        firing.time === "03:00" && CYCLE_SUNDAYS.includes(firing.date) && !gapDays.has(firing.date));
                    const cycleGapDays = CYCLE_SUNDAYS.filter((date) => gapDays.has(date));
                    expect(fallbacks).to.have.length(CYCLE_SUNDAYS.length - cycleGapDays.length);
                    for (const firing of fallbacks) {
                        expect(firing.decision.start, firing.date).to.equal(false);
                        expect(firing.decision.reason).to.include("02:00 exists");
                    }
                });

                it("accepts exactly one firing on the fall-back day, whichever instant the repeated hour fires at", () => {
                    expect(CYCLE_SUNDAYS).to.include(fallBack);
                    expect(accepted.filter((firing) => firing.date === fallBack)).to.have.length(1);
                    const cycleNames = instantsOf(zone, fallBack, "02:00").map((instantMs) => started(decideFiring(gate, iso(instantMs))));
                    expect(cycleNames).to.have.length(occurrencesOf0200);
                    expect(new Set(cycleNames)).to.deep.equal(new Set([`cycle-${fallBack}`]));
                });

                it("looks ahead to exactly the cycles it starts, date and instant", () => {
                    const ahead = cyclesAfter(gate, new Date("2026-01-01T00:00:00Z"), accepted.length);
                    expect(ahead.map((cycle) => [cycle.date, iso(cycle.startsAt.getTime())]))
                        .to.deep.equal(accepted.map((firing) => [firing.date, firing.scheduledTime]));
                    const fromSpringForward = Date.parse(accepted.find((firing) => firing.date === springForward)?.scheduledTime ?? "");
                    expect(cyclesAfter(gate, new Date(fromSpringForward - 1), 1)[0].startsAt.getTime()).to.equal(fromSpringForward);
                    expect(cyclesAfter(gate, new Date(fromSpringForward), 1)[0].date).to.equal(addDays(springForward, 14));
                });

                it("keeps the 14-day spacing across the year end after ISO week 53", () => {
                    // ISO weeks 53 and 1 are consecutive and both odd: week parity would run twice in a row.
                    expect([isoWeek("2027-01-03"), isoWeek("2027-01-10")]).to.deep.equal([53, 1]);
                    const runDates = new Set(accepted.map((firing) => firing.date));
                    expect(["2026-12-20", "2027-01-03", "2027-01-17"].every((date) => runDates.has(date))).to.equal(true);
                    expect(runDates.has("2026-12-27")).to.equal(false);
                    expect(runDates.has("2027-01-10")).to.equal(false);
                    const skipped = firings.find((firing) => firing.date === "2027-01-10" && firing.time === "02:00");
                    expect(skipped?.decision).to.deep.equal({
                        start: false,
                        reason: "2027-01-10 is not a cycle week: 1 week after the last cycle on 2027-01-03",
                        nextCycle: `2027-01-17 02:00 ${zone}`,
                    });
                });
            });
        }

        it("starts nothing before the anchor date, and says the first cycle is next", () => {
            const decision = fire(updateGate("UTC", "2026-01-18"), "2026-01-04", "02:00")?.decision;
            expect(decision).to.deep.equal({ start: false, reason: "2026-01-04 is before the first cycle on 2026-01-18", nextCycle: "2026-01-18 02:00 UTC" });
        });

        it("names 03:00 as the next cycle's time when 02:00 will not exist that day", () => {
            const decision = fire(updateGate("Europe/Amsterdam", "2027-03-14"), "2027-03-21", "02:00")?.decision;
            expect(decision).to.deep.include({ start: false, nextCycle: "2027-03-28 03:00 Europe/Amsterdam" });
        });

        it("counts calendar days for every 3 days, through the spring-forward day", () => {
            const gate = updateGate("Europe/Amsterdam", "2027-03-19", "02:00", 3);
            const days = datesBetween("2027-03-20", "2027-04-05", 1);
            const accepted = fireAll(gate, days, ["02:00", "03:00"]).filter((firing) => firing.decision.start);
            expect(accepted.map((firing) => `${firing.date} ${firing.time}`)).to.deep.equal([
                "2027-03-22 02:00", "2027-03-25 02:00", "2027-03-28 03:00", "2027-03-31 02:00", "2027-04-03 02:00",
            ]);
        });

        it("looks ahead past midnight to a Saturday 23:30 cycle's date, and through the anchor", () => {
            const gate = updateGate("UTC", "2026-01-03", "23:30", 7);
            expect(cyclesAfter(gate, new Date("2025-12-01T00:00:00Z"), 2).map((cycle) => [cycle.date, iso(cycle.startsAt.getTime())]))
                .to.deep.equal([["2026-01-03", "2026-01-03T23:30:00Z"], ["2026-01-10", "2026-01-10T23:30:00Z"]]);
            expect(() => cyclesAfter({ ...gate, localTime: "2:00" }, new Date(), 1)).to.throw(/localTime/);
        });

        it("takes the 00:30 firing after a Saturday 23:30 update only as a fallback for that Saturday", () => {
            const gate = updateGate("UTC", "2026-01-03", "23:30", 7);
            const firings = fireAll(gate, ["2026-01-03", "2026-01-04"], ["23:30", "00:30"]);
            expect(firings.map((firing) => [firing.date, firing.time, firing.decision.start])).to.deep.equal([
                ["2026-01-03", "23:30", true],
                ["2026-01-03", "00:30", false],
                ["2026-01-04", "23:30", false],
                ["2026-01-04", "00:30", false],
            ]);
            expect(firings[3].decision.reason).to.include("23:30 exists on 2026-01-03");
        });
    });
});
