/**
 * The refresh cycle's state machine, as the component deploys it: validated against the States Language, and
 * executed by aws-local-stepfunctions, either with its Task states running the real functions against the
 * simulated accounts (the year and the straddling-snapshot test run it through whole cycles; these are the cases
 * a cycle rarely meets), or with the functions stood in for by a script of results, for the paths the
 * definition alone decides.
 */
import aslValidator from "asl-validator";
import { ExecutionError, StateMachine } from "aws-local-stepfunctions";
import { expect } from "chai";
import { REFRESH_CYCLE_STATES } from "../../../components/refresh/refresh-cycle";
import { StateMachineDefinition } from "../../../components/state-machine";
import { humanCaller } from "../../simulation/accounts";
import { deployComponent } from "../../simulation/deployment";
import { worldReport } from "../../simulation/ledger";
import { ONE_CYCLE_ARGS, oneCycleWorld } from "../../simulation/one-cycle";

interface AslState {
    Type: string;
    Resource?: string;
    Next?: string;
    Retry?: { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds?: number }[];
    Catch?: { ErrorEquals: string[]; Next: string }[];
    TimestampPath?: string;
}

/** What aws-local-stepfunctions hands a local Task handler and takes back: JSON. */
type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** What one function answers, in order of its runs: a result, or the error it raises. */
type ScriptedRuns = (Record<string, unknown> | Error)[];

interface ScriptedExecution {
    /** What each function was given, per run. */
    updatePayloads: Record<string, unknown>[];
    restorePayloads: Record<string, unknown>[];
    /** The states entered, in order. */
    states: string[];
    output?: unknown;
    error?: unknown;
}

const EXECUTION_NAME = "manual-20260112T100000Z";

/** Runs one execution of `definition` with `input`, its two functions answering from their scripts. */
async function executeScripted(definition: StateMachineDefinition, input: Record<string, unknown>, scripts: { update?: ScriptedRuns; restore?: ScriptedRuns }): Promise<ScriptedExecution> {
    const recorded: ScriptedExecution = { updatePayloads: [], restorePayloads: [], states: [] };
    const scripted = (runs: ScriptedRuns | undefined, payloads: Record<string, unknown>[]) => async (payload: JSONValue): Promise<JSONValue> => {
        payloads.push(payload as Record<string, unknown>);
        const answer = runs?.[payloads.length - 1];
        if (answer === undefined) throw new Error(`run ${payloads.length} was not scripted`);
        if (answer instanceof Error) throw answer;
        return answer as JSONValue;
    };
    const execution = new StateMachine(definition as never).run(input as JSONValue, {
        overrides: {
            taskResourceLocalHandlers: {
                [REFRESH_CYCLE_STATES.update]: scripted(scripts.update, recorded.updatePayloads),
                [REFRESH_CYCLE_STATES.restore]: scripted(scripts.restore, recorded.restorePayloads),
            },
            waitTimeOverrides: { [REFRESH_CYCLE_STATES.wait]: 0 },
        },
        context: { Execution: { Id: `arn:aws:states:eu-west-1:111111111111:execution:snapshot-refresh-refresh-cycle:${EXECUTION_NAME}`, Name: EXECUTION_NAME, RoleArn: "" } },
    });
    const recording = (async () => {
        for await (const event of execution.eventLogs) if (event.type === "StateEntered") recorded.states.push((event as { state: { name: string } }).state.name);
    })();
    try {
        recorded.output = await execution.result;
    } catch (error) {
        recorded.error = error;
    }
    await recording;
    return recorded;
}

/** An error as a function raises it: Lambda reports its name as the error type. */
function functionError(name: string, message: string): Error {
    return Object.assign(new Error(message), { name });
}

const RESTORED = { outcome: "restored", cycle: EXECUTION_NAME, pipelineName: "acceptance-main", executionId: "pipeline-run-1", engines: [] };

describe("the refresh cycle state machine", function () {
    this.timeout(60_000);
    let states: Record<string, AslState>;
    let definition: unknown;

    before(async () => {
        const deployment = await deployComponent("snapshot-refresh", ONE_CYCLE_ARGS);
        definition = JSON.parse(deployment.stateMachine.definition);
        states = (definition as { States: Record<string, AslState> }).States;
    });

    it("is valid Amazon States Language (and the validator does reject a broken one)", () => {
        const result = aslValidator(definition);
        expect(result.isValid, result.errorsText("\n")).to.equal(true);
        const broken = JSON.parse(JSON.stringify(definition)) as { States: Record<string, AslState> };
        delete broken.States[REFRESH_CYCLE_STATES.wait].Next;
        expect(aslValidator(broken).isValid).to.equal(false);
    });

    it("retries Lambda's transient failures, a busy function and a run AWS throttled, with backoff, on both Task states", () => {
        // The restore keeps retrying a throttled check as long as the window (240 minutes) lasts: 5 + 240 / 10.
        for (const [name, throttledAttempts] of [[REFRESH_CYCLE_STATES.update, 5], [REFRESH_CYCLE_STATES.restore, 29]] as const) {
            expect(states[name].Retry, name).to.deep.equal([
                {
                    ErrorEquals: ["Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"],
                    IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2,
                },
                { ErrorEquals: ["Lambda.TooManyRequestsException"], IntervalSeconds: 30, MaxAttempts: 12, BackoffRate: 1.5, MaxDelaySeconds: 120 },
                { ErrorEquals: ["TransientAwsError"], IntervalSeconds: 60, BackoffRate: 2, MaxDelaySeconds: 600, MaxAttempts: throttledAttempts },
            ]);
        }
        expect(states[REFRESH_CYCLE_STATES.update].Catch).to.deep.equal([
            { ErrorEquals: ["InvalidRequestError"], ResultPath: "$.update", Next: REFRESH_CYCLE_STATES.requestRefused },
            { ErrorEquals: ["States.ALL"], ResultPath: "$.update", Next: REFRESH_CYCLE_STATES.restore },
        ]);
        expect(states[REFRESH_CYCLE_STATES.restore].Catch, "a failed restore fails the execution").to.equal(undefined);
        expect(states[REFRESH_CYCLE_STATES.wait].TimestampPath).to.equal("$.restore.nextCheckAt");
    });

    it("starts by choosing: an operator's chosen snapshots go straight to the restore; a refused input ends in a Fail state with the caught error", () => {
        expect((definition as StateMachineDefinition).StartAt).to.equal(REFRESH_CYCLE_STATES.chosen);
        expect(states[REFRESH_CYCLE_STATES.chosen]).to.deep.include({
            Type: "Choice",
            Choices: [{ Variable: "$.restore", IsPresent: true, Next: REFRESH_CYCLE_STATES.restore }],
            Default: REFRESH_CYCLE_STATES.update,
        });
        expect(states[REFRESH_CYCLE_STATES.requestRefused]).to.deep.include({ Type: "Fail", ErrorPath: "$.update.Error", CausePath: "$.update.Cause" });
        for (const name of [REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.restore]) {
            expect((states[name] as AslState & { Parameters: unknown }).Parameters, name).to.deep.equal({
                cycle: { "name.$": "$$.Execution.Name", "startedAt.$": "$$.Execution.StartTime" },
                "request.$": "$$.Execution.Input",
            });
        }
    });

    describe("with the functions scripted", () => {
        let scripted: StateMachineDefinition;
        before(() => {
            scripted = definition as StateMachineDefinition;
        });

        it("skips the update for an operator's chosen snapshots, which would move latest, and hands the restore the input as its request", async () => {
            const input = { restore: { aurora: "arn:aws:rds:eu-west-1:222222222222:cluster-snapshot:orders-2026-01-03" } };
            const run = await executeScripted(scripted, input, { restore: [RESTORED] });
            expect(run.error).to.equal(undefined);
            expect(run.states).to.deep.equal([REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored]);
            expect(run.updatePayloads).to.deep.equal([]);
            expect(run.restorePayloads).to.have.length(1);
            expect(run.restorePayloads[0].request).to.deep.equal(input);
            expect((run.restorePayloads[0].cycle as { name: string }).name).to.equal(EXECUTION_NAME);
            expect(run.output).to.deep.equal({ ...input, restore: RESTORED });
        });

        it("runs the update first for any other input, handing both functions the execution's input as their request", async () => {
            const updated = { outcome: "updated", engines: [] };
            const run = await executeScripted(scripted, {}, { update: [updated], restore: [RESTORED] });
            expect(run.states).to.deep.equal([
                REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored,
            ]);
            expect([...run.updatePayloads, ...run.restorePayloads].map((payload) => payload.request)).to.deep.equal([{}, {}]);
            expect(run.output).to.deep.equal({ update: updated, restore: RESTORED });
        });

        it("ends a dry run after the restore's report, without waiting", async () => {
            const updateReport = { outcome: "dry-run", engines: [{ engine: "aurora", wouldDo: ["Would leave aurora_latest_snapshot_id as it is."] }] };
            const restoreReport = { outcome: "dry-run", cycle: EXECUTION_NAME, pipelineName: "acceptance-main", wouldDo: ["Would start pipeline acceptance-main once."], engines: [] };
            const run = await executeScripted(scripted, { dryRun: true }, { update: [updateReport], restore: [restoreReport] });
            expect(run.error).to.equal(undefined);
            expect(run.states).to.deep.equal([
                REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored,
            ]);
            expect([...run.updatePayloads, ...run.restorePayloads].map((payload) => payload.request)).to.deep.equal([{ dryRun: true }, { dryRun: true }]);
            expect(run.output).to.deep.equal({ dryRun: true, update: updateReport, restore: restoreReport });
        });

        it("ends an input the functions refuse in RequestRefused, with the function's error and message as the execution's; the restore never runs", async () => {
            const refusal = functionError("InvalidRequestError", 'db-update-latest-snapshot-id cannot run {"dryrun":true}: the execution\'s input has "dryrun", which is not a field it knows.');
            const run = await executeScripted(scripted, { dryrun: true }, { update: [refusal], restore: [RESTORED] });
            expect(run.states).to.deep.equal([REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.requestRefused]);
            expect(run.updatePayloads, "a refusal is not retried").to.have.length(1);
            expect(run.restorePayloads).to.deep.equal([]);
            expect(run.error).to.be.instanceOf(ExecutionError);
            const failure = (run.error as ExecutionError).cause as Error;
            expect([failure.name, failure.message]).to.deep.equal(["InvalidRequestError", refusal.message]);
        });

        it("fails the execution with the restore's own refusal of chosen snapshots it cannot take", async () => {
            const refusal = functionError("InvalidRequestError", 'db-restore-from-snapshot cannot run ...: restore names "mysql", which is not an engine (aurora, documentdb).');
            const run = await executeScripted(scripted, { restore: { mysql: "orders-2026-01-03" } }, { restore: [refusal] });
            expect(run.states).to.deep.equal([REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.restore]);
            expect(run.restorePayloads).to.have.length(1);
            const failure = (run.error as ExecutionError).cause as Error;
            expect([failure.name, failure.message]).to.deep.equal(["InvalidRequestError", refusal.message]);
        });

        it("goes on to the restore after any other failure of the update, recording it in the execution's state", async () => {
            const failure = functionError("NothingSharedError", "documentdb: no snapshot is shared with this account");
            const run = await executeScripted(scripted, {}, { update: [failure], restore: [RESTORED] });
            expect(run.error).to.equal(undefined);
            expect(run.states).to.deep.equal([
                REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored,
            ]);
            expect(run.output).to.deep.equal({ update: { Error: "NothingSharedError", Cause: failure.message }, restore: RESTORED });
        });

        it("waits while the restore reports a copy in progress, and checks again with the same request", async () => {
            const waiting = { outcome: "waiting", nextCheckAt: "2026-01-12T10:10:00Z", engines: [] };
            const run = await executeScripted(scripted, { restore: { documentdb: "catalog-2026-01-03" } }, { restore: [waiting, RESTORED] });
            expect(run.states).to.deep.equal([
                REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.wait,
                REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored,
            ]);
            expect(run.restorePayloads.map((payload) => payload.request)).to.deep.equal([{ restore: { documentdb: "catalog-2026-01-03" } }, { restore: { documentdb: "catalog-2026-01-03" } }]);
        });
    });

    it("restores seconds after the update when no engine needs a copy: no wait at all", async () => {
        const world = await oneCycleWorld({ args: { ...ONE_CYCLE_ARGS, engines: ["aurora"] } });
        await world.run();
        const cycle = world.cycle(1);
        expect(world.violations, worldReport(world)).to.deep.equal([]);
        const stateNames = cycle.execution!.events.filter((event) => event.type === "StateEntered").map((event) => (event as { state: { name: string } }).state.name);
        expect(stateNames).to.deep.equal([
            REFRESH_CYCLE_STATES.chosen, REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored,
        ]);
        expect(cycle.executions[0].startTime.getTime()).to.equal(cycle.cycleStart.getTime());
    });

    it("runs a cycle once when Scheduler delivers its firing twice: Step Functions answers the second start with the running execution", async () => {
        const world = await oneCycleWorld({ redeliveredFirings: ["2026-01-04T01:00:00Z"] });
        await world.run();
        expect(world.violations, worldReport(world)).to.deep.equal([]);
        const deliveries = world.invocations.filter((record) => record.kind === "starter" && record.firing?.scheduledTime === "2026-01-04T01:00:00Z");
        const answers = deliveries.map((record) => record.invocation.result as { outcome: string; executionArn: string });
        expect(answers.map((answer) => answer.outcome)).to.deep.equal(["started", "started"]);
        expect(answers[1].executionArn).to.equal(answers[0].executionArn);
        expect(world.aws.stepFunctions.all().map((execution) => execution.name)).to.deep.equal(["cycle-2026-01-04"]);
        expect(world.aws.pipelines.allExecutions()).to.have.length(1);
    });

    it("retries a Task that Lambda refused while the function was busy, 30 seconds later, and the cycle goes on", async () => {
        const world = await oneCycleWorld();
        const restoreArn = world.firstDeployment.functions.restore.arn;
        const restore = world.aws.functions.get(restoreArn)!;
        let throttled = 0;
        world.aws.functions.set(restoreArn, async (payload, execution) => {
            if (throttled++ === 0) return { error: Object.assign(new Error("Rate Exceeded."), { name: "Lambda.TooManyRequestsException" }) };
            return restore(payload, execution);
        });
        await world.run();
        const execution = world.cycle(1).execution!;
        const retried = execution.events.filter((event) => event.type === "StateRetried");
        expect(retried).to.have.length(1);
        expect(world.cycle(1).restores[0].invocation.startedAt.toISOString()).to.equal("2026-01-04T01:00:30.000Z");
        expect(world.cycle(1).outcome, worldReport(world)).to.equal("restored");
    });

    it("runs a whole cycle now for `aws stepfunctions start-execution` with input {}, outside any cycle day", async () => {
        const world = await oneCycleWorld({ firesOnCycleDay: false });
        const operator = humanCaller("operator", "alice");
        world.at("2026-01-12", "10:00", "an operator starts a cycle by hand", () => {
            world.aws.stepFunctions.startExecution(operator, { stateMachineArn: world.firstDeployment.stateMachine.arn, input: "{}" });
        });
        await world.run();
        const [execution] = world.aws.stepFunctions.all();
        expect(execution.status, worldReport(world)).to.equal("SUCCEEDED");
        const restored = world.aws.pipelines.allExecutions();
        expect(restored).to.have.length(1);
        // The update's copy takes 40 minutes; the restore checks every 10.
        expect(execution.startDate.toISOString().slice(0, 16)).to.equal("2026-01-12T09:00");
        expect(restored[0].startTime.getTime() - execution.startDate.getTime()).to.equal(40 * 60_000);
        expect(world.violations.filter((violation) => !violation.at.startsWith("cycle 1 ")), worldReport(world)).to.deep.equal([]);
    });
});
