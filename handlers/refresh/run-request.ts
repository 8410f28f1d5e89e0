import { refreshError } from "../errors";

/** The refresh cycle a run belongs to, as the cycle's state machine passes it. */
export interface CycleContext {
    /** The execution's name, `cycle-2026-12-06` for a scheduled cycle: one cycle, one name. */
    name: string;
    /** When the execution started: the cycle's data is what production had taken by then. */
    startedAt: Date;
}

/** What a run of db-update-latest-snapshot-id or db-restore-from-snapshot is asked to do. */
export interface RunRequest {
    /** Absent when the function is invoked by hand (`{}`): the run then happens now, outside any cycle. */
    cycle?: CycleContext;
}

const ACCEPTED_FORMS =
    '{} (run now, outside any cycle) or {"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}} ' +
    "(what the refresh cycle's state machine passes)";

/**
 * Reads a function's event. Anything but the two accepted forms is refused before the run touches AWS, so a
 * mistyped payload can never be taken for "run now".
 */
export function parseRunRequest(functionLabel: string, event: unknown): RunRequest {
    const refuse = (problem: string) =>
        refreshError("InvalidRequestError", `${functionLabel} cannot run ${JSON.stringify(event) ?? String(event)}: ${problem}. It accepts ${ACCEPTED_FORMS}.`);
    if (typeof event !== "object" || event === null || Array.isArray(event)) throw refuse("the event is not a JSON object");
    const unknownKeys = Object.keys(event).filter((key) => key !== "cycle");
    if (unknownKeys.length > 0) throw refuse(`${unknownKeys.map((key) => JSON.stringify(key)).join(", ")} is not a field it knows`);
    const cycle = (event as { cycle?: unknown }).cycle;
    if (cycle === undefined) return {};
    const { name, startedAt } = (typeof cycle === "object" && cycle !== null ? cycle : {}) as { name?: unknown; startedAt?: unknown };
    if (typeof name !== "string" || name === "") throw refuse("cycle.name is not a non-empty string");
    const startedAtMs = typeof startedAt === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(startedAt) ? Date.parse(startedAt) : NaN;
    if (Number.isNaN(startedAtMs)) throw refuse("cycle.startedAt is not an ISO 8601 time");
    return { cycle: { name, startedAt: new Date(startedAtMs) } };
}
