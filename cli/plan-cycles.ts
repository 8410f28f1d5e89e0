import { ScheduleTiming, nextCycleTimes } from "../components/cadence";
import { CONFIG_NAMESPACE } from "../components/stack-config";
import { DEFAULT_MAINTENANCE_WINDOW_MINUTES } from "../components/validation";
import { CycleGate } from "../handlers/cycle-gate";
import { code, isRecord, parseJson, table } from "./plan-format";
import { StackRun } from "./plan-program";
import { fileName, setting } from "./plan-project";
import { firstLine, PairedStack } from "./plan-stacks";
import { formatDuration, formatLocalTime } from "./status-time";

/** How many cycle times the plan lists per schedule. */
export const LISTED_CYCLES = 5;
/** How far before a refresh cycle its share cycle is looked for: "the night before", with room for a weekly share. */
const SHARE_LOOKBACK_MS = 7 * 86_400_000;

/** One schedule of a stack and when its next cycles start. */
interface ScheduleTimes {
    name: string;
    plan: ScheduleTiming;
    enabled: boolean;
    /** Undefined where they cannot be known offline (rate(...)); the error where the payload's gate is unusable. */
    times: Date[] | undefined | Error;
}

/** A stack whose cycle times the plan lists. */
export interface TimedStack {
    stack: string;
    /** "this stack", or how it pairs with it. */
    relation: string;
    role: string | undefined;
    run: StackRun;
}

/** The planned stack and the stacks of its pair that plan, in that order. */
export function timedStacks(run: StackRun, paired: readonly PairedStack[]): { stacks: TimedStack[]; failures: string[] } {
    const stacks: TimedStack[] = [{ stack: run.file.stack, relation: "this stack", role: roleOf(run), run }];
    const failures: string[] = [];
    for (const { relation, outcome } of paired) {
        if ("run" in outcome) stacks.push({ stack: outcome.file.stack, relation, role: roleOf(outcome.run), run: outcome.run });
        else failures.push(`${code(outcome.file.stack)} (${relation}) does not plan offline, so its times are not listed: ${firstLine(outcome.error)}; \`npm run plan -- --stack ${outcome.file.stack}\` shows why.`);
    }
    return { stacks, failures };
}

/** The "When the cycles start" section: each stack's next cycles, then each refresh cycle beside the share cycle before it. */
export function cycleTimesSection(stacks: readonly TimedStack[], failures: readonly string[], now: Date): string[] {
    const lines = [
        "## When the cycles start",
        "",
        `The next ${LISTED_CYCLES} cycles after ${formatLocalTime(now, "UTC")} UTC, as each schedule fires and its starter lets them through ` +
        "(an hour later on a night the clocks skip the cycle's time), in each stack's time zone.",
        "",
    ];
    const timesOf = new Map<TimedStack, ScheduleTimes[]>();
    for (const stack of stacks) {
        const schedules = scheduleTimes(stack.run, now);
        timesOf.set(stack, schedules);
        lines.push(`### ${code(stack.stack)} (${stack.relation})${stack.role === undefined ? "" : `: ${stack.role} cycles`}`, "");
        if (schedules.length === 0) lines.push("This stack creates no schedule.", "");
        for (const schedule of schedules) lines.push(...scheduleLines(schedule));
    }
    for (const failure of failures) lines.push(`- ${failure}`, "");
    lines.push(...lineUp(stacks, timesOf));
    return lines;
}

function roleOf(run: StackRun): string | undefined {
    return typeof run.outputs.role === "string" ? run.outputs.role : setting(run.file, "role");
}

/** Each Scheduler schedule the stack creates, read as the cadence planner wrote it: expression, time zone, gate. */
function scheduleTimes(run: StackRun, now: Date): ScheduleTimes[] {
    return run.resources.filter((resource) => resource.type === "aws:scheduler/schedule:Schedule").map((resource) => {
        const target = isRecord(resource.inputs.target) ? resource.inputs.target : {};
        const payload = parseJson(target.input);
        const gate = isRecord(payload) && isRecord(payload.gate) ? payload.gate as unknown as CycleGate : undefined;
        const plan: ScheduleTiming = {
            expression: String(resource.inputs.scheduleExpression),
            timezone: typeof resource.inputs.scheduleExpressionTimezone === "string" ? resource.inputs.scheduleExpressionTimezone : "UTC",
            ...(gate === undefined ? {} : { gate }),
        };
        let times: ScheduleTimes["times"];
        try {
            times = nextCycleTimes(plan, now, LISTED_CYCLES);
        } catch (error) {
            times = error instanceof Error ? error : new Error(String(error));
        }
        return { name: resource.physicalName, plan, enabled: resource.inputs.state !== "DISABLED", times };
    });
}

function scheduleLines(schedule: ScheduleTimes): string[] {
    const { plan } = schedule;
    const lines = [
        `Schedule ${code(schedule.name)} fires ${code(plan.expression)} in ${plan.timezone}` +
        (plan.gate === undefined ? "; every firing starts a cycle." : `; its starter starts a cycle every ${plan.gate.everyDays} days from ${plan.gate.anchorDate} at ${plan.gate.localTime}.`),
        "",
    ];
    if (!schedule.enabled) lines.push("The schedule is created **disabled** (paused): no cycle starts until it is enabled. The times below are those it would start.", "");
    if (schedule.times instanceof Error) return [...lines, `The times cannot be worked out: ${schedule.times.message}`, ""];
    if (schedule.times === undefined) {
        return [...lines, `The times cannot be known offline: a ${code("rate(...)")} schedule counts its firings from the moment AWS creates it.`, ""];
    }
    if (schedule.times.length === 0) return [...lines, "It fires no more: its expression names no time after now.", ""];
    return [
        ...lines,
        ...table(["#", `local time (${plan.timezone})`, "UTC"], schedule.times.map((time, index) =>
            [String(index + 1), formatLocalTime(time, plan.timezone), formatLocalTime(time, "UTC")])),
        "",
    ];
}

/**
 * Each refresh cycle beside the last share cycle started before it: production must have shared the night's
 * snapshots (and finished within its maintenance window) before the refresh starts.
 */
function lineUp(stacks: readonly TimedStack[], timesOf: ReadonlyMap<TimedStack, ScheduleTimes[]>): string[] {
    const share = stacks.find((stack) => stack.role === "share");
    const shareSchedule = share === undefined ? undefined : timesOf.get(share)?.[0];
    if (share === undefined || shareSchedule === undefined) return [];
    const configuredWindow = Number(setting(share.run.file, "maintenanceWindowMinutes"));
    const windowMinutes = Number.isFinite(configuredWindow) && configuredWindow > 0 ? configuredWindow : DEFAULT_MAINTENANCE_WINDOW_MINUTES;
    const lines: string[] = [];
    for (const refresh of stacks.filter((stack) => stack.role === "refresh")) {
        const refreshTimes = timesOf.get(refresh)?.[0]?.times;
        if (!Array.isArray(refreshTimes) || refreshTimes.length === 0) continue;
        const refreshZone = timesOf.get(refresh)?.[0]?.plan.timezone ?? "UTC";
        lines.push(
            `### Sharing before refreshing: ${code(share.stack)} then ${code(refresh.stack)}`,
            "",
            `Each refresh cycle of ${code(refresh.stack)} restores what ${code(share.stack)} shared before it started. ` +
            `A share cycle waits for its copies for up to ${windowMinutes} minutes (${code(`${CONFIG_NAMESPACE}:maintenanceWindowMinutes`)} of ` +
            `${fileName(share.run.file)}): its window should end before the refresh starts.`,
            "",
            ...table(
                [`refresh cycle (${refreshZone})`, `last share cycle before it (${shareSchedule.plan.timezone})`, "its window ends", "before the refresh?"],
                refreshTimes.map((refreshTime) => {
                    const shared = lastStartBefore(shareSchedule.plan, refreshTime);
                    if (shared === undefined) return [formatLocalTime(refreshTime, refreshZone), "none in the 7 days before", "", "**no share cycle**"];
                    const windowEnd = new Date(shared.getTime() + windowMinutes * 60_000);
                    const spare = refreshTime.getTime() - windowEnd.getTime();
                    return [
                        formatLocalTime(refreshTime, refreshZone),
                        formatLocalTime(shared, shareSchedule.plan.timezone),
                        formatLocalTime(windowEnd, shareSchedule.plan.timezone),
                        spare >= 0 ? `yes, ${formatDuration(spare)} to spare` : `**no**: ${formatDuration(spare)} into the refresh`,
                    ];
                }),
            ),
            "",
        );
    }
    return lines;
}

/** The last cycle start of a plan in the week before `before`; undefined when there is none or it cannot be known. */
function lastStartBefore(plan: ScheduleTiming, before: Date): Date | undefined {
    const batchSize = 50;
    let after = new Date(before.getTime() - SHARE_LOOKBACK_MS);
    let last: Date | undefined;
    for (;;) {
        const batch = nextCycleTimes(plan, after, batchSize) ?? [];
        const earlier = batch.filter((time) => time < before);
        if (earlier.length > 0) last = earlier[earlier.length - 1];
        if (earlier.length < batchSize) return last;
        after = earlier[earlier.length - 1];
    }
}
