import { isEngineName } from "../engines";
import { CycleContext, parseRunRequest, RequestForms } from "../run-request";
import { ClusterShareReport, SourceSnapshot } from "./share-snapshots";

/** What a run of the share function is asked to do. */
export interface ShareRequest {
    /** Absent when the function is invoked by hand: the run happens now, outside any cycle. */
    cycle?: CycleContext;
    /** Report what the run would do, and change nothing. */
    dryRun: boolean;
    /** The result of the cycle's previous run, which the state machine hands to each check. */
    previous?: ClusterShareReport[];
}

const SHARE_REQUEST_FORMS: RequestForms = {
    acceptsRestore: false,
    machineFields: ["previous"],
    machineForm: '{"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}, "request": <the execution\'s input, one of the forms above>}, ' +
        'and on a check also "previous", the result of the cycle\'s previous run',
    refusals: {
        restore: "production restores nothing: restores happen in the acceptance account, whose db-restore-from-snapshot takes " +
            '{"restore": {...}} (start that account\'s refresh cycle with it)',
        previous: "previous comes only from the share cycle's state machine, with the cycle it belongs to",
    },
};

const OUTCOMES: readonly string[] = ["shared", "waiting", "failed"];

/** Reads the share function's event; anything but the accepted forms is refused before the run touches AWS. */
export function parseShareRequest(functionLabel: string, event: unknown): ShareRequest {
    const request = parseRunRequest(functionLabel, event, SHARE_REQUEST_FORMS);
    const { cycle, dryRun } = request;
    const previous = request.fields.previous;
    if (previous === undefined) return { cycle, dryRun };
    if (cycle === undefined) throw request.refuse("previous is only given with the cycle it belongs to");
    // The state machine checks again only after a run that is waiting, which a dry run never is.
    if (dryRun) throw request.refuse("a dry run is never checked again, so it is never given previous");
    const clusters = (typeof previous === "object" && previous !== null ? previous : {}) as { clusters?: unknown };
    if (!Array.isArray(clusters.clusters)) throw request.refuse("previous.clusters is not a list");
    return {
        cycle,
        dryRun,
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
