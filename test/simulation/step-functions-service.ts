/**
 * AWS Step Functions for both accounts: state machines as the components deploy them, StartExecution
 * with the naming rules of STANDARD workflows, and each execution run by aws-local-stepfunctions on the
 * deployed definition itself. Its Task states invoke the simulated functions the definition names (by ARN, the
 * way Step Functions invokes Lambda: the function's error type becomes the state's error); its Wait and Retry
 * pauses take their declared time on the simulated clock.
 */
import { ExecutionAlreadyExists, StartExecutionInput, StartExecutionOutput, StateMachineDoesNotExist } from "@aws-sdk/client-sfn";
import { ExecutionError, ExecutionTimeoutError, StateMachine } from "aws-local-stepfunctions";
import { Caller } from "./accounts";
import { Timeline } from "./timeline";

/** One entry of an execution's history, as aws-local-stepfunctions logs it. */
export type EventLog = ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer Event> ? Event : never;

/** What a Task state's Lambda invocation came to: the function's result, or its error. */
export type LambdaOutcome = { result: unknown } | { error: Error };

/** Invokes a deployed function by ARN, synchronously, as Step Functions does. */
export type LambdaInvoker = (functionArn: string, payload: unknown, execution: ExecutionRecord) => Promise<LambdaOutcome>;

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT";

export interface ExecutionRecord {
    stateMachineArn: string;
    executionArn: string;
    name: string;
    input: string;
    /** When it started running: at StartExecution's instant, or a millisecond later when that came from a timer. */
    startDate: Date;
    stopDate?: Date;
    status: ExecutionStatus;
    output?: unknown;
    /** The error a failed execution ends with (the failing state's error type) and its cause. */
    error?: string;
    cause?: string;
    /** The execution's history, as aws-local-stepfunctions logs it. */
    events: EventLog[];
    /** Settles when the execution stops. */
    stopped: Promise<void>;
}

interface DeployedStateMachine {
    arn: string;
    machine: StateMachine;
    /** Task state name to the function ARN in its Resource. */
    tasks: Record<string, string>;
}

interface AslTaskState {
    Type: string;
    Resource?: string;
}

export class StepFunctionsService {
    private readonly machines = new Map<string, DeployedStateMachine>();
    private readonly executions: ExecutionRecord[] = [];

    constructor(private readonly timeline: Timeline, private readonly invoke: LambdaInvoker) {}

    /** CreateStateMachine / UpdateStateMachine, as `pulumi up` does them. */
    deploy(arn: string, definition: string): void {
        const parsed = JSON.parse(definition) as { States: Record<string, AslTaskState> };
        const tasks = Object.fromEntries(Object.entries(parsed.States)
            .filter(([, state]) => state.Type === "Task")
            .map(([name, state]) => [name, state.Resource ?? ""]));
        // The constructor validates the definition against the States Language.
        this.machines.set(arn, { arn, machine: new StateMachine(JSON.parse(definition)), tasks });
    }

    /**
     * A STANDARD workflow's execution name is unique per state machine for 90 days: a start with a name in use
     * fails with ExecutionAlreadyExists, unless the execution is still running with the same input.
     */
    startExecution(_caller: Caller, request: StartExecutionInput): StartExecutionOutput {
        const deployed = this.machines.get(request.stateMachineArn ?? "");
        if (deployed === undefined) {
            throw new StateMachineDoesNotExist({ message: `State Machine Does Not Exist: '${request.stateMachineArn}'`, $metadata: { httpStatusCode: 400 } });
        }
        const name = request.name ?? `execution-${this.executions.length + 1}`;
        const input = request.input ?? "{}";
        const earlier = this.executions.find((execution) => execution.stateMachineArn === deployed.arn && execution.name === name);
        if (earlier !== undefined) {
            if (earlier.status === "RUNNING" && earlier.input === input) return { executionArn: earlier.executionArn, startDate: earlier.startDate };
            throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${earlier.executionArn}'`, $metadata: { httpStatusCode: 400 } });
        }
        const execution = this.begin(deployed, name, input);
        return { executionArn: execution.executionArn, startDate: execution.startDate };
    }

    /** Every execution, oldest first. */
    all(): readonly ExecutionRecord[] {
        return this.executions;
    }

    private begin(deployed: DeployedStateMachine, name: string, input: string): ExecutionRecord {
        let settle = () => {};
        const execution: ExecutionRecord = {
            stateMachineArn: deployed.arn,
            executionArn: `${deployed.arn.replace(":stateMachine:", ":execution:")}:${name}`,
            name,
            input,
            startDate: this.timeline.now(),
            status: "RUNNING",
            events: [],
            stopped: new Promise((resolve) => (settle = resolve)),
        };
        this.executions.push(execution);
        // Step Functions runs the execution after StartExecution has answered: the caller is done by then.
        this.timeline.schedule(this.timeline.now(), `execution ${name} starts`, () => {
            execution.startDate = this.timeline.now();
            const taskHandlers = Object.fromEntries(Object.entries(deployed.tasks).map(([state, functionArn]) =>
                [state, (payload: unknown) => this.runTask(functionArn, payload, execution)]));
            const run = deployed.machine.run(JSON.parse(input), {
                overrides: { taskResourceLocalHandlers: taskHandlers },
                context: { Execution: { Id: execution.executionArn, Name: name, RoleArn: "" } },
            });
            void this.record(run.eventLogs, execution);
            run.result.then(
                (output) => this.stop(execution, { status: "SUCCEEDED", output }),
                (error: unknown) => this.stop(execution, failureOf(error)),
            ).finally(settle);
        });
        return execution;
    }

    /** The Lambda invocation of a Task state: a function's error reaches the state machine under its error type. */
    private async runTask(functionArn: string, payload: unknown, execution: ExecutionRecord): Promise<never> {
        const outcome = await this.invoke(functionArn, payload, execution);
        if ("error" in outcome) throw outcome.error;
        return outcome.result as never;
    }

    private async record(events: AsyncGenerator<EventLog>, execution: ExecutionRecord): Promise<void> {
        for await (const event of events) execution.events.push(event);
    }

    private stop(execution: ExecutionRecord, end: Pick<ExecutionRecord, "status" | "output" | "error" | "cause">): void {
        Object.assign(execution, end, { stopDate: this.timeline.now() });
    }
}

function failureOf(error: unknown): Pick<ExecutionRecord, "status" | "error" | "cause"> {
    if (error instanceof ExecutionTimeoutError) return { status: "TIMED_OUT", error: "States.Timeout", cause: error.message };
    const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
    return failure instanceof Error
        ? { status: "FAILED", error: failure.name, cause: failure.message }
        : { status: "FAILED", error: "Error", cause: String(failure) };
}
