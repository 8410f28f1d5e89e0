import { expect } from "chai";
import { planCadence } from "../../components/cadence";
import { schedulePayload } from "../../components/cycle";
import { firings, parseCron, ScheduleDefinition, ZoneClock } from "./scheduler-clock";

const AMSTERDAM = "Europe/Amsterdam";
const plan = planCadence({ cadence: "every 2 weeks on sunday at 02:00", timezone: AMSTERDAM });
const SCHEDULES: ScheduleDefinition<"starter" | "every 10 minutes">[] = [
    { target: "starter", expression: plan.expression, timezone: plan.timezone, input: schedulePayload(plan) },
    // A denser expression, so that the comparison below covers whole hours of the changes.
    { target: "every 10 minutes", expression: "cron(0/10 1-3 ? * SUN *)", timezone: AMSTERDAM, input: {} },
];

/** Every minute of the range, read on the local clock, kept when the expression names it: slow, obviously right. */
function bruteForceFirings(expression: string, timeZone: string, fromIso: string, untilIso: string): string[] {
    const cron = parseCron(expression);
    const clock = new ZoneClock(timeZone);
    const seenLocal = new Set<string>();
    const result: string[] = [];
    for (let atMs = Date.parse(fromIso); atMs < Date.parse(untilIso); atMs += 60_000) {
        const local = new Date(clock.wallMinutes(atMs) * 60_000);
        const key = local.toISOString();
        const matches = cron.minutes.includes(local.getUTCMinutes()) && cron.hours.includes(local.getUTCHours()) &&
            (cron.weekdays?.has(local.getUTCDay()) ?? true) && (cron.daysOfMonth?.has(local.getUTCDate()) ?? true);
        // A local time the clock shows twice fires once.
        if (matches && !seenLocal.has(key)) result.push(new Date(atMs).toISOString().replace(".000Z", "Z"));
        seenLocal.add(key);
    }
    return result;
}

describe("the simulated EventBridge Scheduler clock", () => {
    it("reads the planner's expressions", () => {
        expect(plan.expression).to.equal("cron(0 2,3 ? * SUN *)");
        expect(parseCron(plan.expression)).to.deep.include({ minutes: [0], hours: [2, 3], weekdays: new Set([0]) });
        expect(parseCron("cron(0/10 1-3 ? * SUN *)")).to.deep.include({ minutes: [0, 10, 20, 30, 40, 50], hours: [1, 2, 3] });
        expect(parseCron("cron(30 22,23 ? * SAT,SUN *)").weekdays).to.deep.equal(new Set([6, 0]));
    });

    it("refuses the forms the planner never emits instead of misreading them", () => {
        for (const expression of ["cron(0 2 L * ? *)", "cron(0 2 ? * 1#2 *)", "rate(14 days)", "cron(0 2 * *)"]) {
            expect(() => parseCron(expression), expression).to.throw();
        }
    });

    it("skips a local time the spring-forward gap removes and fires the one after it", () => {
        const clock = new ZoneClock(AMSTERDAM);
        expect(clock.instantsOf("2026-03-29", "02:00")).to.deep.equal([]);
        const updates = firings(SCHEDULES, "2026-03-29", "2026-03-30").filter((firing) => firing.target === "starter");
        expect(updates.map((firing) => [firing.localTime, firing.scheduledTime])).to.deep.equal([["03:00", "2026-03-29T01:00:00Z"]]);
    });

    it("fires a local time the fall-back repeats once, at its first occurrence", () => {
        const clock = new ZoneClock(AMSTERDAM);
        expect(clock.instantsOf("2026-10-25", "02:00").map((ms) => new Date(ms).toISOString())).to.deep.equal(["2026-10-25T00:00:00.000Z", "2026-10-25T01:00:00.000Z"]);
        const updates = firings(SCHEDULES, "2026-10-25", "2026-10-26").filter((firing) => firing.target === "starter");
        expect(updates.map((firing) => firing.scheduledTime)).to.deep.equal(["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"]);
    });

    it("agrees with a minute-by-minute reading of the clock across both changes", () => {
        for (const [from, until] of [["2026-03-22T00:00:00Z", "2026-04-06T00:00:00Z"], ["2026-10-18T00:00:00Z", "2026-11-02T00:00:00Z"]]) {
            for (const schedule of SCHEDULES) {
                const fast = firings([schedule], from.slice(0, 10), until.slice(0, 10)).map((firing) => firing.scheduledTime)
                    .filter((time) => time >= from && time < until);
                expect(fast, `${schedule.expression} from ${from}`).to.deep.equal(bruteForceFirings(schedule.expression, AMSTERDAM, from, until));
            }
        }
    });

    it("delivers the schedule's input with Scheduler's time filled in and the planner's gate untouched", () => {
        const [first] = firings(SCHEDULES, "2026-01-04", "2026-01-05").filter((firing) => firing.target === "starter");
        expect(first.event).to.deep.equal({ scheduledTime: "2026-01-04T01:00:00Z", gate: plan.gate });
        expect(first.localTime).to.equal("02:00");
    });
});
