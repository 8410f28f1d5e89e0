import { refreshError } from "./errors";

/** The cycle a run belongs to, as the cycle's state machine passes it. */
export interface CycleContext {
    /** The execution's name, `cycle-2026-12-06` for a scheduled cycle: one cycle, one name. */
    name: string;
    /** When the execution started: the cycle's data is what production had taken by then. */
    startedAt: Date;
}

/** A function's event, read: the cycle it belongs to, and the other fields the function accepts, unchecked. */
export interface RunRequest {
    /** Absent when the function is invoked by hand (`{}`): the run then happens now, outside any cycle. */
    cycle?: CycleContext;
    fields: Record<string, unknown>;
    /** The error for a field the function finds malformed, naming the forms it accepts. */
    refuse(problem: string): Error;
}

export interface RequestForms {
    /** The forms the function accepts, in words, for the error message. */
    acceptedForms: string;
    /** Fields besides `cycle` that the function reads. */
    fields?: readonly string[];
}

/**
 * Reads a function's event. Anything but the accepted forms is refused before the run touches AWS, so a
 * mistyped payload can never be taken for "run now".
 */
export function parseRunRequest(functionLabel: string, event: unknown, forms: RequestForms): RunRequest {
    const refuse = (problem: string) =>
        refreshError("InvalidRequestError", `${functionLabel} cannot run ${JSON.stringify(event) ?? String(event)}: ${problem}. It accepts ${forms.acceptedForms}.`);
    if (typeof event !== "object" || event === null || Array.isArray(event)) throw refuse("the event is not a JSON object");
    const known = ["cycle", ...(forms.fields ?? [])];
    const unknownKeys = Object.keys(event).filter((key) => !known.includes(key));
    if (unknownKeys.length > 0) throw refuse(`${unknownKeys.map((key) => JSON.stringify(key)).join(", ")} is not a field it knows`);
    const { cycle, ...fields } = event as { cycle?: unknown } & Record<string, unknown>;
    return { cycle: cycle === undefined ? undefined : parseCycle(cycle, refuse), fields, refuse };
}

function parseCycle(cycle: unknown, refuse: (problem: string) => Error): CycleContext {
    const { name, startedAt } = (typeof cycle === "object" && cycle !== null ? cycle : {}) as { name?: unknown; startedAt?: unknown };
    if (typeof name !== "string" || name === "") throw refuse("cycle.name is not a non-empty string");
    const startedAtMs = typeof startedAt === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(startedAt) ? Date.parse(startedAt) : NaN;
    if (Number.isNaN(startedAtMs)) throw refuse("cycle.startedAt is not an ISO 8601 time");
    return { name, startedAt: new Date(startedAtMs) };
}
