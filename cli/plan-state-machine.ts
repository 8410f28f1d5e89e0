import { inline, isRecord, plural, seconds } from "./plan-format";

/** A state machine definition (Amazon States Language), or one branch of a Parallel or Map state. */
interface Machine {
    StartAt?: unknown;
    States?: unknown;
    TimeoutSeconds?: unknown;
}

type State = Record<string, unknown>;

/** A transition out of a state: where it goes and, for a choice or a catch, when. */
interface Transition {
    to: string;
    when?: string;
}

/** Retry defaults of the States Language, for fields a retrier leaves out. */
const RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };

/** The definition as a Mermaid `stateDiagram-v2` (GitHub renders it): every state, every transition with its condition. */
export function mermaidDiagram(definition: unknown): string {
    const lines = ["stateDiagram-v2"];
    mermaidMachine(asMachine(definition), "", "    ", lines);
    return lines.join("\n");
}

/** The definition state by state: what each does, its transitions, retries and catches. */
export function plainText(definition: unknown): string {
    const machine = asMachine(definition);
    const timeout = machine.TimeoutSeconds === undefined ? "" : `; an execution times out after ${seconds(machine.TimeoutSeconds)}`;
    return [`Starts at ${String(machine.StartAt)}${timeout}.`, "", ...textMachine(machine, "")].join("\n");
}

function asMachine(definition: unknown): Machine {
    const parsed = typeof definition === "string" ? JSON.parse(definition) as unknown : definition;
    if (!isRecord(parsed) || !isRecord(parsed.States)) throw new Error("the state machine definition has no States");
    return parsed;
}

function statesOf(machine: Machine): [string, State][] {
    return isRecord(machine.States) ? Object.entries(machine.States).filter((entry): entry is [string, State] => isRecord(entry[1])) : [];
}

/** Nested machines: a Parallel state's branches, a Map state's item processor. */
function branchesOf(state: State): Machine[] {
    if (Array.isArray(state.Branches)) return state.Branches.filter(isRecord);
    const processor = state.ItemProcessor ?? state.Iterator;
    return isRecord(processor) ? [processor] : [];
}

function transitions(state: State): Transition[] {
    const result: Transition[] = [];
    if (state.Type === "Choice") {
        for (const choice of Array.isArray(state.Choices) ? state.Choices.filter(isRecord) : []) {
            result.push({ to: String(choice.Next), when: condition(choice) });
        }
        if (typeof state.Default === "string") result.push({ to: state.Default, when: "otherwise" });
    }
    for (const catcher of Array.isArray(state.Catch) ? state.Catch.filter(isRecord) : []) {
        result.push({ to: String(catcher.Next), when: `catch ${errorList(catcher.ErrorEquals)}` });
    }
    if (typeof state.Next === "string") result.push({ to: state.Next });
    return result;
}

function endsExecution(state: State): boolean {
    return state.End === true || state.Type === "Succeed" || state.Type === "Fail";
}

// ---------------------------------------------------------------------------------------------------------
// Mermaid

function mermaidMachine(machine: Machine, idPrefix: string, indent: string, lines: string[]): void {
    const id = (name: string) => mermaidId(idPrefix, name);
    lines.push(`${indent}[*] --> ${id(String(machine.StartAt))}`);
    for (const [name, state] of statesOf(machine)) {
        if (id(name) !== name) lines.push(`${indent}state "${mermaidLabel(name)}" as ${id(name)}`);
        const branches = branchesOf(state);
        if (branches.length > 0) {
            lines.push(`${indent}state ${id(name)} {`);
            branches.forEach((branch, index) => {
                if (index > 0) lines.push(`${indent}    --`);
                mermaidMachine(branch, `${id(name)}_${index}_`, `${indent}    `, lines);
            });
            lines.push(`${indent}}`);
        }
        for (const transition of transitions(state)) {
            lines.push(`${indent}${id(name)} --> ${id(transition.to)}${transition.when === undefined ? "" : `: ${mermaidLabel(transition.when)}`}`);
        }
        if (endsExecution(state)) lines.push(`${indent}${id(name)} --> [*]${state.Type === "Fail" ? ": fails" : ""}`);
    }
}

/** State names may hold any character; Mermaid ids are words. */
function mermaidId(prefix: string, name: string): string {
    return `${prefix}${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Characters that end or restructure a Mermaid label, as its entity codes. */
function mermaidLabel(text: string): string {
    return text.replace(/[;#:"<>{}]/g, (character) => `#${character.charCodeAt(0)};`);
}

// ---------------------------------------------------------------------------------------------------------
// Plain text

function textMachine(machine: Machine, indent: string): string[] {
    return statesOf(machine).flatMap(([name, state]) => {
        const comment = typeof state.Comment === "string" ? `: ${state.Comment}` : "";
        const lines = [`${indent}${name} (${String(state.Type)})${comment}`];
        const detail = (text: string) => lines.push(`${indent}    ${text}`);
        for (const line of stateDetails(state)) detail(line);
        for (const retrier of Array.isArray(state.Retry) ? state.Retry.filter(isRecord) : []) detail(retryText(retrier));
        for (const transition of transitions(state)) {
            const catcher = transition.when?.startsWith("catch ");
            const when = transition.when === undefined ? "then" : catcher ? `on ${transition.when.slice("catch ".length)}` : transition.when === "otherwise" ? "otherwise" : `if ${transition.when}`;
            detail(`${when} -> ${transition.to}`);
        }
        if (state.End === true) detail("then the execution ends");
        branchesOf(state).forEach((branch, index) => {
            detail(`branch ${index + 1}, starting at ${String(branch.StartAt)}:`);
            lines.push(...textMachine(branch, `${indent}        `));
        });
        return lines;
    });
}

/** What a state does, beyond its transitions. */
function stateDetails(state: State): string[] {
    const details: string[] = [];
    const add = (condition: boolean, text: () => string) => {
        if (condition) details.push(text());
    };
    add(state.Resource !== undefined, () => `runs ${inline(state.Resource)}${state.TimeoutSeconds === undefined ? "" : `, timing out after ${seconds(state.TimeoutSeconds)}`}`);
    add(state.Seconds !== undefined, () => `waits ${seconds(state.Seconds)}`);
    add(state.SecondsPath !== undefined, () => `waits the seconds in ${inline(state.SecondsPath)}`);
    add(state.Timestamp !== undefined, () => `waits until ${inline(state.Timestamp)}`);
    add(state.TimestampPath !== undefined, () => `waits until the time in ${inline(state.TimestampPath)}`);
    add(state.ItemsPath !== undefined, () => `for each item of ${inline(state.ItemsPath)}${state.MaxConcurrency === undefined ? "" : `, at most ${inline(state.MaxConcurrency)} at a time`}`);
    add(state.Result !== undefined, () => `result ${inline(state.Result)}`);
    add(state.ResultPath !== undefined, () => `puts its result in ${inline(state.ResultPath)}`);
    add(state.Error !== undefined || state.ErrorPath !== undefined, () => `fails with the error ${inline(state.Error ?? `in ${String(state.ErrorPath)}`)}`);
    add(state.Cause !== undefined || state.CausePath !== undefined, () => `and the cause ${inline(state.Cause ?? `in ${String(state.CausePath)}`)}`);
    return details;
}

/** "retries Lambda.ServiceException: up to 6 times, 2 s then x2 each time" */
function retryText(retrier: Record<string, unknown>): string {
    const attempts = Number(retrier.MaxAttempts ?? RETRY_DEFAULTS.MaxAttempts);
    if (attempts === 0) return `never retries ${errorList(retrier.ErrorEquals)}`;
    const interval = seconds(retrier.IntervalSeconds ?? RETRY_DEFAULTS.IntervalSeconds);
    const backoff = Number(retrier.BackoffRate ?? RETRY_DEFAULTS.BackoffRate);
    const growth = backoff === 1 ? "each" : `then x${backoff} each time`;
    const cap = retrier.MaxDelaySeconds === undefined ? "" : `, at most ${seconds(retrier.MaxDelaySeconds)} apart`;
    const jitter = retrier.JitterStrategy === "FULL" ? ", with jitter" : "";
    return `retries ${errorList(retrier.ErrorEquals)}: up to ${plural(attempts, "time")}, ${interval} ${growth}${cap}${jitter}`;
}

function errorList(errors: unknown): string {
    return Array.isArray(errors) ? errors.map(String).join(", ") : String(errors);
}

// ---------------------------------------------------------------------------------------------------------
// Choice rules

const COMPARISONS: Readonly<Record<string, string>> = {
    Equals: "=",
    LessThan: "<",
    GreaterThan: ">",
    LessThanEquals: "<=",
    GreaterThanEquals: ">=",
    Matches: "matches",
};
const TYPE_TESTS: Readonly<Record<string, [string, string]>> = {
    IsPresent: ["is present", "is not present"],
    IsNull: ["is null", "is not null"],
    IsNumeric: ["is a number", "is not a number"],
    IsString: ["is a string", "is not a string"],
    IsBoolean: ["is a boolean", "is not a boolean"],
    IsTimestamp: ["is a timestamp", "is not a timestamp"],
};

/** A choice rule in words: `$.restore.outcome = 'waiting'`, `$.restore is present`, `(a and b)`. */
function condition(rule: Record<string, unknown>): string {
    if (typeof rule.Condition === "string") return rule.Condition;
    if (Array.isArray(rule.And)) return `(${rule.And.filter(isRecord).map(condition).join(" and ")})`;
    if (Array.isArray(rule.Or)) return `(${rule.Or.filter(isRecord).map(condition).join(" or ")})`;
    if (isRecord(rule.Not)) return `not ${condition(rule.Not)}`;
    const variable = String(rule.Variable);
    for (const [key, value] of Object.entries(rule)) {
        const test = TYPE_TESTS[key];
        if (test !== undefined) return `${variable} ${value === true ? test[0] : test[1]}`;
        const comparison = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$/.exec(key);
        if (comparison) {
            const operand = comparison[3] !== undefined || typeof value !== "string" ? String(value) : `'${value}'`;
            return `${variable} ${COMPARISONS[comparison[2]]} ${operand}`;
        }
    }
    return inline(rule);
}
