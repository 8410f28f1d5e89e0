import { CONFIG_NAMESPACE } from "../components/stack-config";
import { pauseCommands } from "../handlers/pause";
import { guideFor } from "../handlers/troubleshooting";
import { CycleRun } from "./status-cycles";
import { ScheduleStatus } from "./status-deployment";
import { PauseStatus } from "./status-pause";
import { ShareSnapshots } from "./status-shares";
import { ParameterStatus, RefreshSnapshots } from "./status-snapshots";
import { formatLocalTime } from "./status-time";

/** How late a scheduled cycle may start before the status says it did not: the starter runs within seconds, or an hour later on a spring-forward night. */
export const CYCLE_START_GRACE_MINUTES = 75;
/** How much earlier than its due time a cycle's execution may have started and still count as that cycle. */
const EARLY_START_MINUTES = 5;

export interface AttentionFacts {
    stack: string;
    stackFile: string;
    instanceName: string;
    /** The label of the function the schedule invokes: its log group is `/snapshot-refresh/<instance>/<label>`. */
    starterLabel: string;
    timezone: string;
    pause: PauseStatus;
    schedule: ScheduleStatus;
    cycles: CycleRun[];
    /** The scheduled cycle that should have started last (see lastDueCycle). */
    lastDue?: Date;
    refresh?: RefreshSnapshots;
    share?: ShareSnapshots;
}

/** What an operator should look at, each with what to do: the status's first lines. */
export function attentionItems(facts: AttentionFacts): string[] {
    return [
        ...cycleItems(facts),
        ...scheduleItems(facts),
        ...(facts.refresh ? refreshItems(facts.refresh, facts.stack) : []),
        ...(facts.share ? shareItems(facts.share) : []),
    ];
}

const ENDED_BADLY: Readonly<Record<string, string>> = { FAILED: "failed", TIMED_OUT: "timed out", ABORTED: "was stopped", PENDING_REDRIVE: "failed" };

function cycleItems(facts: AttentionFacts): string[] {
    const items: string[] = [];
    const lastFinished = facts.cycles.find((cycle) => cycle.status !== "RUNNING");
    if (lastFinished !== undefined && ENDED_BADLY[lastFinished.status] !== undefined) {
        const when = formatLocalTime(lastFinished.stoppedAt ?? lastFinished.startedAt, facts.timezone);
        const guide = guideFor(lastFinished.errorName);
        items.push(`The last cycle, ${lastFinished.name}, ${ENDED_BADLY[lastFinished.status]} (${when})${lastFinished.error ? `: ${lastFinished.error}` : ""}. ` +
            `What changed: ${guide.changed} What to do: ${guide.action}`);
    }
    if (lastFinished?.status === "SUCCEEDED" && lastFinished.updateError !== undefined) {
        items.push(`The last cycle, ${lastFinished.name}, succeeded, but its update of latest failed: ${lastFinished.updateError}`);
    }
    // A stack without any execution yet may have been deployed after its last cycle day: only a stack that ran before is overdue.
    const newestStart = facts.cycles[0]?.startedAt;
    if (facts.lastDue !== undefined && newestStart !== undefined && !facts.pause.state.paused && facts.schedule.found && facts.schedule.state === "ENABLED" &&
        newestStart.getTime() < facts.lastDue.getTime() - EARLY_START_MINUTES * 60_000) {
        items.push(`The cycle due ${formatLocalTime(facts.lastDue, facts.timezone)} did not start. The starter's log says why: ` +
            `log group /snapshot-refresh/${facts.instanceName}/${facts.starterLabel}; firings it could not run are in the dead-letter queue.`);
    }
    return items;
}

function scheduleItems(facts: AttentionFacts): string[] {
    const { schedule, pause, stack } = facts;
    if (!schedule.found) return schedule.readable ? [`The schedule is missing: ${schedule.reason}.`] : [];
    if (schedule.state === "DISABLED" && !pause.pausedByConfig) {
        return [`The schedule ${schedule.name} is disabled, so no cycle starts, but ${CONFIG_NAMESPACE}:paused is not true in ${facts.stackFile}: ` +
            `pulumi up --stack ${stack} enables it again (or set ${CONFIG_NAMESPACE}:paused true to keep it paused).`];
    }
    if (schedule.state === "ENABLED" && pause.pausedByConfig) {
        return [`${CONFIG_NAMESPACE}:paused is true in ${facts.stackFile}, but the schedule ${schedule.name} is still enabled: the pause is not ` +
            `deployed. Run pulumi up --stack ${stack}, or pause at once with: ${pauseCommands(facts.instanceName).pause}`];
    }
    return [];
}

function refreshItems(refresh: RefreshSnapshots, stack: string): string[] {
    const items: string[] = [];
    for (const engine of refresh.engines) {
        for (const [role, parameter] of [["current", engine.current], ["latest", engine.latest]] as const) {
            const problem = parameterProblem(parameter, stack);
            if (problem !== undefined) items.push(`${engine.engine} ${role}: ${problem}`);
        }
    }
    const { pipeline } = refresh;
    if (pipeline.value === undefined) {
        items.push(`The parameter ${pipeline.parameter} does not exist, so no restore can start the main pipeline: pulumi up --stack ${stack} creates it.`);
    } else if (pipeline.configured !== undefined && pipeline.value !== pipeline.configured) {
        items.push(`${pipeline.parameter} is ${pipeline.value}, but pipelineName in the stack file is ${pipeline.configured}: pulumi up --stack ${stack} updates it.`);
    }
    return items;
}

function parameterProblem(parameter: ParameterStatus, stack: string): string | undefined {
    if (parameter.value === undefined) return `the parameter ${parameter.name} does not exist: pulumi up --stack ${stack} creates it.`;
    const snapshot = parameter.snapshot;
    if (snapshot?.state === "missing") {
        return `${parameter.name} names ${snapshot.identifier}, which does not exist (any more): a deployment that restores from it fails. ` +
            "Run a cycle, or set the parameter to an existing snapshot.";
    }
    if (snapshot?.state === "failed" || snapshot?.state === "deleting") return `${parameter.name} names ${snapshot.identifier}, which is ${snapshot.state}.`;
    return undefined;
}

function shareItems(share: ShareSnapshots): string[] {
    const items: string[] = [];
    for (const cluster of share.clusters) {
        const shared = cluster.newestShared;
        if (shared === undefined) {
            items.push(`${cluster.engine} ${cluster.cluster}: no copy is shared with the target accounts yet${cluster.newer.length > 0 ? ` (${cluster.newer.map((copy) => `${copy.identifier} is ${copy.state}`).join("; ")})` : ""}.`);
            continue;
        }
        const sharedWith = shared.sharedWith ?? [];
        const missing = share.targets.filter((account) => !sharedWith.includes(account));
        const extra = sharedWith.filter((account) => !share.targets.includes(account));
        if (missing.length > 0 || extra.length > 0) {
            items.push(`${shared.identifier} is shared with ${sharedWith.join(", ")}, not exactly the targets ${share.targets.join(", ")}` +
                `${missing.length > 0 ? ` (missing ${missing.join(", ")})` : ""}${extra.length > 0 ? ` (also ${extra.join(", ")})` : ""}: the next share cycle makes it exact.`);
        }
    }
    return items;
}
