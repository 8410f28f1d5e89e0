import { ENGINE_NAMES, EngineName, isEngineName } from "./engines";
import { refreshError } from "./errors";

/** The cycle a run belongs to, as the cycle's state machine passes it. */
export interface CycleContext {
    /** The execution's name, `cycle-2026-12-06` for a scheduled cycle: one cycle, one name. */
    name: string;
    /** When the execution started: the cycle's data is what production had taken by then. */
    startedAt: Date;
}

/** Snapshots an operator chose to restore, per engine: an ARN or an identifier. */
export type ChosenSnapshots = Partial<Record<EngineName, string>>;

/** A function's event, read: the cycle it belongs to, what the operator asked for, and the side's own fields. */
export interface RunRequest {
    /** Absent when the function is invoked by hand: the run then happens now, outside any cycle. */
    cycle?: CycleContext;
    /** Report what the run would do and change nothing. */
    dryRun: boolean;
    /** Restore these snapshots instead of the cycle's newest data; the engines not named keep `current`. */
    restore?: ChosenSnapshots;
    /** Fields the state machine passes besides `cycle` and `request` (the previous run's result), unchecked. */
    fields: Record<string, unknown>;
    /** The error for a field the function finds malformed, naming the forms it accepts. */
    refuse(problem: string): Error;
}

export interface RequestForms {
    /** Whether `{"restore": {...}}` is a form this function accepts. */
    acceptsRestore: boolean;
    /** Fields besides `cycle` and `request` that the side's state machine passes. */
    machineFields?: readonly string[];
    /** What the state machine passes, in words, for the error message. */
    machineForm: string;
    /**
     * Fields an operator might give that this function refuses for a reason of its own (`restore` on a side that
     * restores nothing), each with that reason for the error message, rather than as a field it does not know.
     */
    refusals?: Readonly<Record<string, string>>;
}

/** The forms an operator can give a cycle's execution or a function, in words. */
export function operatorForms(acceptsRestore: boolean): string {
    const forms = ['{} (run now)', '{"dryRun": true} (report what a run would do, changing nothing)'];
    if (acceptsRestore) {
        forms.push(`{"restore": {${ENGINE_NAMES.map((engine) => `"${engine}": "<snapshot ARN or identifier>"`).join(", ")}}} ` +
            '(restore chosen snapshots, one engine or more; add "dryRun": true to check them first)');
    }
    return forms.join(", ");
}

/**
 * Reads a function's event: what an operator gives it directly (`{}`, `{"dryRun": true}`, `{"restore": ...}`),
 * or what the cycle's state machine passes (`cycle`, and the execution's input, the same forms, as `request`).
 * Anything else is refused before the run touches AWS, so a mistyped payload can never be taken for "run now".
 */
export function parseRunRequest(functionLabel: string, event: unknown, forms: RequestForms): RunRequest {
    const accepted = `${operatorForms(forms.acceptsRestore)}; from its state machine, ${forms.machineForm}`;
    const refuse = (problem: string) =>
        refreshError("InvalidRequestError", `${functionLabel} cannot run ${JSON.stringify(event) ?? String(event)}: ${problem}. It accepts ${accepted}.`);
    if (!isObject(event)) throw refuse("the event is not a JSON object");
    const fromMachine = "cycle" in event || "request" in event;
    const refusals = forms.refusals ?? {};
    const given = fromMachine ? event.request : event;
    const refused = isObject(given) ? Object.keys(given).find((key) => Object.hasOwn(refusals, key)) : undefined;
    if (refused !== undefined) throw refuse(refusals[refused]);
    const operatorKeys = forms.acceptsRestore ? ["dryRun", "restore"] : ["dryRun"];
    const known = fromMachine ? ["cycle", "request", ...(forms.machineFields ?? [])] : operatorKeys;
    const unknownKeys = Object.keys(event).filter((key) => !known.includes(key));
    if (unknownKeys.length > 0) throw refuse(`${unknownKeys.map((key) => JSON.stringify(key)).join(", ")} is not a field it knows`);

    const { cycle, request, ...machineFields } = event;
    const operator = fromMachine ? request ?? {} : event;
    if (!isObject(operator)) throw refuse("request, the execution's input, is not a JSON object");
    const unknownInputs = Object.keys(operator).filter((key) => !operatorKeys.includes(key));
    if (unknownInputs.length > 0) throw refuse(`the execution's input has ${unknownInputs.map((key) => JSON.stringify(key)).join(", ")}, which is not a field it knows`);
    const fields = fromMachine ? machineFields : {};
    return {
        cycle: cycle === undefined ? undefined : parseCycle(cycle, refuse),
        dryRun: parseDryRun(operator.dryRun, refuse),
        restore: operator.restore === undefined ? undefined : parseChosenSnapshots(operator.restore, refuse),
        fields,
        refuse,
    };
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseDryRun(value: unknown, refuse: (problem: string) => Error): boolean {
    if (value === undefined) return false;
    if (typeof value !== "boolean") throw refuse(`dryRun is ${JSON.stringify(value)}, not true or false`);
    return value;
}

function parseChosenSnapshots(value: unknown, refuse: (problem: string) => Error): ChosenSnapshots {
    if (!isObject(value) || Object.keys(value).length === 0) throw refuse("restore does not name a snapshot for any engine");
    for (const [engine, snapshot] of Object.entries(value)) {
        if (!isEngineName(engine)) throw refuse(`restore names ${JSON.stringify(engine)}, which is not an engine (${ENGINE_NAMES.join(", ")})`);
        if (typeof snapshot !== "string" || snapshot.trim() === "") throw refuse(`restore.${engine} is not a snapshot ARN or identifier`);
    }
    return value as ChosenSnapshots;
}

function parseCycle(cycle: unknown, refuse: (problem: string) => Error): CycleContext {
    const { name, startedAt } = (isObject(cycle) ? cycle : {}) as { name?: unknown; startedAt?: unknown };
    if (typeof name !== "string" || name === "") throw refuse("cycle.name is not a non-empty string");
    const startedAtMs = typeof startedAt === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(startedAt) ? Date.parse(startedAt) : NaN;
    if (Number.isNaN(startedAtMs)) throw refuse("cycle.startedAt is not an ISO 8601 time");
    return { name, startedAt: new Date(startedAtMs) };
}
