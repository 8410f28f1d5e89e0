import { isEngineName } from "../engines";
import { CycleContext, parseRunRequest } from "../run-request";
import { ClusterShareReport, SourceSnapshot } from "./share-snapshots";

/** What a run of the share function is asked to do. */
export interface ShareRequest {
    /** Absent when the function is invoked by hand (`{}`): the run happens now, outside any cycle. */
    cycle?: CycleContext;
    /** The result of the cycle's previous run, which the state machine hands to each check. */
    previous?: ClusterShareReport[];
}

const SHARE_REQUEST_FORMS = {
    acceptedForms: '{} (run now, outside any cycle), {"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}} ' +
        'and the same with "previous", the result of the cycle\'s previous run (what the share cycle\'s state machine passes)',
    fields: ["previous"],
};

const OUTCOMES: readonly string[] = ["shared", "waiting", "failed"];

/** Reads the share function's event; anything but the accepted forms is refused before the run touches AWS. */
export function parseShareRequest(functionLabel: string, event: unknown): ShareRequest {
    const request = parseRunRequest(functionLabel, event, SHARE_REQUEST_FORMS);
    const previous = request.fields.previous;
    if (previous === undefined) return { cycle: request.cycle };
    if (request.cycle === undefined) throw request.refuse("previous is only given with the cycle it belongs to");
    const clusters = (typeof previous === "object" && previous !== null ? previous : {}) as { clusters?: unknown };
    if (!Array.isArray(clusters.clusters)) throw request.refuse("previous.clusters is not a list");
    return {
        cycle: request.cycle,
        previous: clusters.clusters.map((report: unknown, index) => {
            const problem = reportProblem(report);
            if (problem !== undefined) throw request.refuse(`previous.clusters[${index}] ${problem}`);
            return report as ClusterShareReport;
        }),
    };
}

function reportProblem(value: unknown): string | undefined {
    const report = (typeof value === "object" && value !== null ? value : {}) as Partial<Record<keyof ClusterShareReport, unknown>>;
    if (!isEngineName(report.engine)) return "has no known engine";
    if (typeof report.cluster !== "string" || typeof report.reason !== "string") return "lacks its cluster or reason";
    if (typeof report.outcome !== "string" || !OUTCOMES.includes(report.outcome)) return "has no known outcome";
    if (report.copy !== undefined && typeof report.copy !== "string") return "names its copy with something other than a string";
    if (report.source === undefined) return undefined;
    const source = (typeof report.source === "object" && report.source !== null ? report.source : {}) as Partial<Record<keyof SourceSnapshot, unknown>>;
    const valid = typeof source.identifier === "string" && typeof source.arn === "string" && source.arn.startsWith("arn:") &&
        typeof source.createdAt === "string" && !Number.isNaN(Date.parse(source.createdAt)) && typeof source.encrypted === "boolean";
    return valid ? undefined : "has a source that is not a snapshot's identifier, ARN, creation time and encryption";
}
