/**
 * The refresh cycle's state machine, as the component deploys it: validated against the States Language, and
 * executed by aws-local-stepfunctions with its Task states running the real functions against the simulated
 * accounts (the year and the straddling-snapshot test run it through whole cycles; these are the cases a cycle
 * rarely meets).
 */
import aslValidator from "asl-validator";
import { expect } from "chai";
import { REFRESH_CYCLE_STATES } from "../../../components/refresh/refresh-cycle";
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
        expect(states[REFRESH_CYCLE_STATES.update].Catch).to.deep.equal([{ ErrorEquals: ["States.ALL"], ResultPath: "$.update", Next: REFRESH_CYCLE_STATES.restore }]);
        expect(states[REFRESH_CYCLE_STATES.restore].Catch, "a failed restore fails the execution").to.equal(undefined);
        expect(states[REFRESH_CYCLE_STATES.wait].TimestampPath).to.equal("$.restore.nextCheckAt");
    });

    it("restores seconds after the update when no engine needs a copy: no wait at all", async () => {
        const world = await oneCycleWorld({ args: { ...ONE_CYCLE_ARGS, engines: ["aurora"] } });
        await world.run();
        const cycle = world.cycle(1);
        expect(world.violations, worldReport(world)).to.deep.equal([]);
        const stateNames = cycle.execution!.events.filter((event) => event.type === "StateEntered").map((event) => (event as { state: { name: string } }).state.name);
        expect(stateNames).to.deep.equal([REFRESH_CYCLE_STATES.update, REFRESH_CYCLE_STATES.restore, REFRESH_CYCLE_STATES.copiesInProgress, REFRESH_CYCLE_STATES.restored]);
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
