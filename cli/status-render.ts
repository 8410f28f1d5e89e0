import { CONFIG_NAMESPACE } from "../components/stack-config";
import { CycleDelivery } from "../handlers/monitoring/execution-output";
import { PAUSED_INDEFINITELY } from "../handlers/pause";
import { CycleRun } from "./status-cycles";
import { NextCycle } from "./status-next-cycle";
import { PauseStatus } from "./status-pause";
import { StatusReport } from "./status-report";
import { ShareCopyStatus, ShareSnapshots } from "./status-shares";
import { CYCLE_NAMES } from "./status-names";
import { EngineStatus, ParameterStatus, RefreshSnapshots, SnapshotStatus } from "./status-snapshots";
import { formatDuration, formatLocalTime, formatRelative } from "./status-time";

/** The width of the labels in the first column of the overview. */
const LABEL_WIDTH = 12;
/** The width of the labels of an engine's or a cluster's rows. */
const ROW_LABEL_WIDTH = 9;
const INDENT = "  ";

/** The status as plain text for a terminal: overview, attention, snapshots, then the last cycles. */
export function renderStatus(report: StatusReport): string {
    const at = (instant: Date) => formatLocalTime(instant, report.timezone);
    const since = (instant: Date) => `${at(instant)} (${formatRelative(instant, report.now)})`;
    const lines: string[] = [
        `Stack ${report.stack}: ${report.instance}, role ${report.role} (${CYCLE_NAMES[report.role].description})`,
        `Account ${report.account}, Region ${report.region}, state machine ${report.stateMachine.name}`,
        `Times in ${report.timezone}; now ${at(report.now)}`,
        "",
    ];
    if (report.attention.length > 0) {
        lines.push("Attention", ...report.attention.map((item) => `${INDENT}! ${item}`), "");
    }
    lines.push(...overview(report, since), "");
    if (report.refresh) lines.push(...refreshSection(report.refresh, since), "");
    if (report.share) lines.push(...shareSection(report.share, since), "");
    lines.push(...cyclesSection(report.cycles, at));
    return `${lines.join("\n")}\n`;
}

type Since = (instant: Date) => string;
type At = (instant: Date) => string;

function labelled(label: string, text: string): string {
    return `${label.padEnd(LABEL_WIDTH)}${text}`;
}

/** A row under an engine or a cluster: `latest`, `current`, `shared`, `newer`. */
function row(label: string, text: string): string {
    return `${INDENT}${INDENT}${label.padEnd(ROW_LABEL_WIDTH)}${text}`;
}

function overview(report: StatusReport, since: Since): string[] {
    const { pause, schedule, nextCycle } = report;
    const lines: string[] = [];
    if (!pause.state.paused) {
        lines.push(labelled("Paused", `no${pause.state.expired ? ` (${pause.state.expired})` : ""}`));
    } else {
        lines.push(labelled("Paused", `YES, ${pause.state.until ? `until ${since(new Date(pause.state.until))}` : "without an end"}, ${pausedBy(pause)}`));
        if (pause.resumeCommand) lines.push(labelled("", `resume: ${pause.resumeCommand}`));
    }
    lines.push(labelled("Schedule", schedule.found
        ? `${schedule.state.toLowerCase()} (${schedule.name}, group ${schedule.group})`
        : `${schedule.readable ? "none" : "unknown"}: ${schedule.reason}`));
    lines.push(labelled("Next cycle", nextCycleText(nextCycle, since)));
    lines.push(labelled("Cadence", nextCycle.cadence));
    return lines;
}

/** Who paused: the deployed setting, or the parameter (whose value, when it is no time, the pause's reason quotes). */
function pausedBy(pause: PauseStatus): string {
    if (pause.pausedByConfig) return `by ${CONFIG_NAMESPACE}:paused in the stack configuration`;
    const value = pause.parameterValue?.trim();
    if (pause.state.paused && pause.state.until === undefined && value !== PAUSED_INDEFINITELY) return pause.state.reason;
    return `by ${pause.parameter}${value === PAUSED_INDEFINITELY ? ` (${PAUSED_INDEFINITELY})` : ""}`;
}

function nextCycleText(nextCycle: NextCycle, since: Since): string {
    if (nextCycle.note) return nextCycle.note;
    const skipped = nextCycle.skipped ? `the cycle of ${since(nextCycle.skipped)} changes nothing while paused` : undefined;
    if (nextCycle.at === undefined) return `none while paused; ${skipped ?? "the pause has no end"}`;
    return `${since(nextCycle.at)}${skipped ? `, after the pause; ${skipped}` : ""}`;
}

function refreshSection(refresh: RefreshSnapshots, since: Since): string[] {
    const lines = [refresh.pipeline.value === undefined
        ? `Snapshots (${refresh.pipeline.parameter} does not exist: no pipeline restores from current)`
        : `Snapshots (the main pipeline ${refresh.pipeline.value} restores from current)`];
    for (const engine of refresh.engines) lines.push(...engineLines(engine, since));
    return lines;
}

function engineLines(engine: EngineStatus, since: Since): string[] {
    const how = engine.copy ? "restored from a copy in this account" : "restored straight from production's shared snapshot";
    const lines = [`${INDENT}${engine.engine} (${how})`];
    lines.push(row("latest", parameterText(engine.latest, since)));
    lines.push(row("current", engine.current.value !== undefined && engine.current.value === engine.latest.value
        ? "the same as latest"
        : parameterText(engine.current, since)));
    const newest = engine.newestShared;
    if (newest === undefined) {
        lines.push(row("shared", "production shares no snapshot of this engine that a cycle would use"));
    } else if (isNewerThan(newest.takenAt, engine.latest.snapshot?.takenAt)) {
        lines.push(row("shared", `production shares newer data: ${newest.identifier}${newest.takenAt ? `, taken ${since(newest.takenAt)}` : ""}; the next cycle restores it`));
    } else {
        lines.push(row("shared", "latest holds the newest data production shares"));
    }
    return lines;
}

function isNewerThan(candidate: Date | undefined, than: Date | undefined): boolean {
    return candidate !== undefined && (than === undefined || candidate.getTime() > than.getTime());
}

function parameterText(parameter: ParameterStatus, since: Since): string {
    if (parameter.value === undefined) return `${parameter.name} does not exist`;
    if (parameter.snapshot === undefined) return `${parameter.value} (no snapshot chosen yet)`;
    return snapshotText(parameter.snapshot, since);
}

function snapshotText(snapshot: SnapshotStatus, since: Since): string {
    const facts = [
        snapshot.takenAt ? `taken ${since(snapshot.takenAt)}` : undefined,
        snapshot.ownCopy ? "copy in this account" : snapshot.sharedBy !== undefined ? `shared by ${snapshot.sharedBy}` : "in this account",
        snapshot.state === "available" ? undefined : snapshot.state === "missing" ? "DOES NOT EXIST" : snapshot.state,
    ].filter((fact): fact is string => fact !== undefined);
    return `${snapshot.identifier}${facts.length > 0 ? `  ${facts.join(", ")}` : ""}`;
}

function shareSection(share: ShareSnapshots, since: Since): string[] {
    const lines = [`Shared copies (named ${share.prefix}*, to be shared with ${share.targets.join(", ")})`];
    for (const cluster of share.clusters) {
        lines.push(`${INDENT}${cluster.engine} ${cluster.cluster} (${cluster.copies} ${cluster.copies === 1 ? "copy" : "copies"} kept)`);
        lines.push(row("shared", cluster.newestShared ? copyText(cluster.newestShared, since) : "none"));
        for (const copy of cluster.newer) lines.push(row("newer", copyText(copy, since)));
    }
    return lines;
}

function copyText(copy: ShareCopyStatus, since: Since): string {
    const state = copy.state === "available" ? (copy.sharedWith?.length ? `shared with ${copy.sharedWith.join(", ")}` : "available, shared with no one") : copy.state;
    return `${copy.identifier}  data taken ${since(copy.sourceTakenAt)}, ${state}`;
}

function cyclesSection(cycles: CycleRun[], at: At): string[] {
    if (cycles.length === 0) return ["Last cycles: none yet"];
    const lines = [`Last ${cycles.length} ${cycles.length === 1 ? "cycle" : "cycles"} (newest first)`];
    const nameWidth = Math.max(...cycles.map((cycle) => cycle.name.length));
    for (const cycle of cycles) {
        const outcome = cycle.delivery?.outcome ? ` ${cycle.delivery.outcome}` : "";
        const timing = cycle.stoppedAt ? `took ${formatDuration(cycle.durationMs)}` : `running for ${formatDuration(cycle.durationMs)}`;
        const origin = cycle.scheduled ? "" : `, started by hand${cycle.request ? ` with ${cycle.request}` : ""}`;
        lines.push(`${INDENT}${cycle.name.padEnd(nameWidth)}  ${statusWord(cycle.status)}${outcome}, started ${at(cycle.startedAt)}, ${timing}${origin}`);
        const details = [
            ...(cycle.error ? [cycle.error] : []),
            ...(cycle.delivery ? deliveryLines(cycle.delivery, at) : []),
            ...(cycle.updateError ? [`the update failed, the restore went on: ${cycle.updateError}`] : []),
        ];
        lines.push(...details.map((detail) => `${INDENT.repeat(3)}${detail}`));
    }
    return lines;
}

function statusWord(status: string): string {
    const words: Record<string, string> = { SUCCEEDED: "succeeded", RUNNING: "running", FAILED: "FAILED", TIMED_OUT: "TIMED OUT", ABORTED: "STOPPED", PENDING_REDRIVE: "FAILED (redrive pending)" };
    return words[status] ?? status;
}

/** What a finished cycle delivered, per engine or cluster, with when production took the data. */
function deliveryLines(delivery: CycleDelivery, at: At): string[] {
    const lines: string[] = [];
    if (delivery.paused) lines.push(`paused: ${delivery.paused}`);
    if (delivery.outcome === "dry-run") lines.push(...delivery.wouldDo.map((line) => `would: ${line}`));
    for (const item of delivery.items) {
        if (item.snapshot) lines.push(`${item.name}: ${item.snapshot}${item.takenAt ? `, taken ${at(new Date(item.takenAt))}` : ""}`);
        else if (item.note) lines.push(`${item.name}: ${item.note}`);
    }
    if (delivery.pipelineExecutionId) lines.push(`main pipeline ${delivery.pipelineName ? `${delivery.pipelineName}: ` : ""}execution ${delivery.pipelineExecutionId}`);
    lines.push(...delivery.warnings.map((warning) => `warning: ${warning}`));
    return lines;
}
