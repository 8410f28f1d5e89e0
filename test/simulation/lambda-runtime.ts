/**
 * Runs the real handler entry points as Lambda would: with the deployed SNAPSHOT_REFRESH_SETTINGS in the
 * environment, a context naming the deployed function, a fresh request id per invocation, an execution
 * environment that stays warm between close invocations and is replaced after idling, and the console captured
 * as the function's log (nothing reaches stdout).
 */
import { LambdaContext } from "../../handlers/lambda";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../handlers/settings";
import { DeployedFunction } from "./deployment";
import { FakeAws } from "./fake-aws";

export type Handler = (event: never, context: LambdaContext) => Promise<unknown>;

/** A log entry the function handed the console, under its level. */
export interface LogLine {
    level: "INFO" | "WARN" | "ERROR";
    event: string;
    [field: string]: unknown;
}

export interface Invocation {
    functionName: string;
    requestId: string;
    event: unknown;
    startedAt: Date;
    /** Whether the run started in a new execution environment (the handler factory ran again). */
    coldStart: boolean;
    result?: unknown;
    error?: Error;
    logs: LogLine[];
}

/** After this long without an invocation, Lambda has recycled the execution environment. */
const IDLE_RECYCLE_MS = 45 * 60_000;

/** Request ids are unique across every function of the simulation. */
let requestCounter = 0;

/** Replaces console.info/warn/error while installed; entries go to whichever invocation is running. */
export class ConsoleCapture {
    private readonly original = { info: console.info, warn: console.warn, error: console.error };
    private sink: LogLine[] | undefined;

    install(): void {
        for (const level of ["info", "warn", "error"] as const) {
            console[level] = (entry: unknown, ...rest: unknown[]) => {
                if (this.sink !== undefined && typeof entry === "object" && entry !== null && "event" in entry) {
                    // JSON round trip: what CloudWatch would receive, undefined fields left out.
                    this.sink.push({ level: level.toUpperCase() as LogLine["level"], ...(JSON.parse(JSON.stringify(entry)) as { event: string }) });
                } else {
                    this.original[level](entry, ...rest);
                }
            };
        }
    }

    uninstall(): void {
        Object.assign(console, this.original);
    }

    async collect<T>(work: () => Promise<T>): Promise<{ value: T; logs: LogLine[] }> {
        const logs: LogLine[] = [];
        this.sink = logs;
        try {
            return { value: await work(), logs };
        } finally {
            this.sink = undefined;
        }
    }
}

export class SimulatedFunction {
    private handler: Handler | undefined;
    private lastInvokedMs = -Infinity;

    constructor(
        private readonly deployed: () => DeployedFunction,
        private readonly factory: () => Handler,
        private readonly aws: FakeAws,
        private readonly console: ConsoleCapture,
    ) {}

    async invoke(event: unknown): Promise<Invocation> {
        const { functionName, arn, caller, settingsJson } = this.deployed();
        const nowMs = this.aws.timeline.nowMs();
        const coldStart = this.handler === undefined || nowMs - this.lastInvokedMs > IDLE_RECYCLE_MS;
        if (coldStart) this.handler = this.factory();
        this.lastInvokedMs = nowMs;
        requestCounter += 1;
        const requestId = `${requestCounter.toString(16).padStart(8, "0")}-7c3e-4a1b-9d2f-5e6a7b8c9d0e`;
        const context: LambdaContext = { invokedFunctionArn: arn, functionName, awsRequestId: requestId };
        const invocation: Invocation = { functionName, requestId, event, startedAt: this.aws.timeline.now(), coldStart, logs: [] };
        const previousSettings = process.env[SETTINGS_ENVIRONMENT_VARIABLE];
        process.env[SETTINGS_ENVIRONMENT_VARIABLE] = settingsJson;
        try {
            const { value, logs } = await this.console.collect(() =>
                this.aws.actAs(caller, () => this.handler!(event as never, context)).then(
                    (result) => ({ result, error: undefined }),
                    (error: unknown) => ({ result: undefined, error: error instanceof Error ? error : new Error(String(error)) }),
                ));
            invocation.result = value.result;
            invocation.error = value.error;
            invocation.logs = logs;
        } finally {
            if (previousSettings === undefined) delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            else process.env[SETTINGS_ENVIRONMENT_VARIABLE] = previousSettings;
        }
        return invocation;
    }
}
