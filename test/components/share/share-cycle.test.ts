/**
 * The share cycle's state machine, as the component deploys it: validated against the States Language, and
 * executed by aws-local-stepfunctions with the share function stood in for by a script of results, so each
 * path is seen: a cycle with nothing in progress, one that waits and hands each check the previous findings,
 * and one whose run fails. (The simulated year runs it against the real function.)
 */
import aslValidator from "asl-validator";
import { ExecutionError, StateMachine } from "aws-local-stepfunctions";
import { expect } from "chai";
import { SHARE_CYCLE_STATES } from "../../../components/share/share-cycle";
import { StateMachineDefinition } from "../../../components/state-machine";
import { ACCEPTANCE_ACCOUNT } from "../../simulation/accounts";
import { deployShareComponent } from "../../simulation/deployment";

/** What aws-local-stepfunctions hands a local Task handler and takes back: JSON. */
type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/** The definition SnapshotShare deploys with every default (a 240-minute window). */
let deployed: StateMachineDefinition;

interface AslState {
    Type: string;
    Next?: string;
    Parameters?: Record<string, unknown>;
    Retry?: { ErrorEquals: string[]; MaxAttempts: number }[];
    Catch?: unknown;
    TimestampPath?: string;
}

/**
 * Runs an execution with `input` whose share function answers from `results`, in order; returns what each run
 * was given.
 */
async function execute(results: (Record<string, unknown> | Error)[], input: Record<string, unknown> = {}): Promise<{ payloads: Record<string, unknown>[]; output?: unknown; error?: unknown; states: string[] }> {
    const payloads: Record<string, unknown>[] = [];
    const machine = new StateMachine(deployed as never);
    const handler = async (payload: JSONValue): Promise<JSONValue> => {
        payloads.push(payload as Record<string, unknown>);
        const result = results[payloads.length - 1];
        if (result instanceof Error) throw result;
        return result as JSONValue;
    };
    const execution = machine.run(input as JSONValue, {
        overrides: {
            taskResourceLocalHandlers: { [SHARE_CYCLE_STATES.share]: handler, [SHARE_CYCLE_STATES.check]: handler },
            waitTimeOverrides: { [SHARE_CYCLE_STATES.wait]: 0 },
        },
        context: { Execution: { Id: "arn:aws:states:eu-west-1:111111111111:execution:prod-share-cycle:share-2026-12-06", Name: "share-2026-12-06", RoleArn: "" } },
    });
    const states: string[] = [];
    const recording = (async () => {
        for await (const event of execution.eventLogs) if (event.type === "StateEntered") states.push((event as { state: { name: string } }).state.name);
    })();
    try {
        const output = await execution.result;
        await recording;
        return { payloads, output, states };
    } catch (error) {
        await recording;
        return { payloads, error, states };
    }
}

describe("the share cycle state machine", function () {
    this.timeout(30_000);
    let states: Record<string, AslState>;

    before(async () => {
        const deployment = await deployShareComponent("prod", { targetAccountIds: [ACCEPTANCE_ACCOUNT], clusters: { aurora: ["orders"] } });
        deployed = JSON.parse(deployment.stateMachine.definition) as StateMachineDefinition;
        states = deployed.States as unknown as Record<string, AslState>;
    });

    it("is valid Amazon States Language (and the validator does reject a broken one)", () => {
        const result = aslValidator(deployed);
        expect(result.isValid, result.errorsText("\n")).to.equal(true);
        const broken = JSON.parse(JSON.stringify(deployed)) as { States: Record<string, AslState> };
        delete broken.States[SHARE_CYCLE_STATES.check].Next;
        expect(aslValidator(broken).isValid).to.equal(false);
    });

    it("retries a throttled run for as long as the window lasts, on both runs of the function, and catches nothing", () => {
        for (const name of [SHARE_CYCLE_STATES.share, SHARE_CYCLE_STATES.check]) {
            expect(states[name].Retry!.map((retry) => [retry.ErrorEquals[0], retry.MaxAttempts]), name).to.deep.equal([
                ["Lambda.ClientExecutionTimeoutException", 6],
                ["Lambda.TooManyRequestsException", 12],
                ["TransientAwsError", 29],
            ]);
            expect(states[name].Catch, "a failed run fails the execution: the dead-letter queue hears of it").to.equal(undefined);
        }
        expect(states[SHARE_CYCLE_STATES.wait].TimestampPath).to.equal("$.share.nextCheckAt");
        expect(deployed.TimeoutSeconds, "the window and two hours").to.equal((240 + 120) * 60);
    });

    it("ends after one run when nothing is in progress, giving it the cycle's name and start, and the execution's input as the request", async () => {
        const { payloads, states: entered, error } = await execute([{ outcome: "shared", clusters: [] }]);
        expect(error).to.equal(undefined);
        expect(entered).to.deep.equal([SHARE_CYCLE_STATES.share, SHARE_CYCLE_STATES.copiesInProgress, SHARE_CYCLE_STATES.shared]);
        expect(payloads).to.have.length(1);
        expect(Object.keys(payloads[0])).to.deep.equal(["cycle", "request"]);
        expect(payloads[0].request).to.deep.equal({});
        expect((payloads[0].cycle as { name: string }).name).to.equal("share-2026-12-06");
        expect((payloads[0].cycle as { startedAt: string }).startedAt).to.match(/^\d{4}-\d{2}-\d{2}T/);
    });

    it("waits while copies are in progress and hands each check the previous run's findings", async () => {
        const first = { outcome: "waiting", nextCheckAt: "2026-12-06T00:10:00Z", clusters: [{ cluster: "orders", outcome: "waiting" }] };
        const second = { outcome: "waiting", nextCheckAt: "2026-12-06T00:20:00Z", clusters: [{ cluster: "orders", outcome: "waiting", copy: "prod-aurora-x" }] };
        const last = { outcome: "shared", clusters: [{ cluster: "orders", outcome: "shared" }] };
        const { payloads, states: entered, output } = await execute([first, second, last]);
        expect(entered).to.deep.equal([
            SHARE_CYCLE_STATES.share, SHARE_CYCLE_STATES.copiesInProgress, SHARE_CYCLE_STATES.wait,
            SHARE_CYCLE_STATES.check, SHARE_CYCLE_STATES.copiesInProgress, SHARE_CYCLE_STATES.wait,
            SHARE_CYCLE_STATES.check, SHARE_CYCLE_STATES.copiesInProgress, SHARE_CYCLE_STATES.shared,
        ]);
        expect(payloads.map((payload) => payload.previous)).to.deep.equal([undefined, first, second]);
        expect(payloads.every((payload) => (payload.cycle as { name: string }).name === "share-2026-12-06")).to.equal(true);
        expect((output as { share: unknown }).share).to.deep.equal(last);
    });

    it("ends a dry run after its one report, without waiting, handing the function the operator's input", async () => {
        const report = { outcome: "dry-run", cycle: "share-2026-12-06", clusters: [], warnings: [] };
        const { payloads, states: entered, output, error } = await execute([report], { dryRun: true });
        expect(error).to.equal(undefined);
        expect(entered).to.deep.equal([SHARE_CYCLE_STATES.share, SHARE_CYCLE_STATES.copiesInProgress, SHARE_CYCLE_STATES.shared]);
        expect(payloads.map((payload) => payload.request)).to.deep.equal([{ dryRun: true }]);
        expect((output as { share: unknown }).share).to.deep.equal(report);
    });

    it("hands every check the execution's input, as the first run had it", async () => {
        const first = { outcome: "waiting", nextCheckAt: "2026-12-06T00:10:00Z", clusters: [] };
        const { payloads } = await execute([first, { outcome: "shared", clusters: [] }], { dryRun: false });
        expect(payloads.map((payload) => payload.request)).to.deep.equal([{ dryRun: false }, { dryRun: false }]);
    });

    it("fails the execution with the function's error when it refuses the input: nothing is retried", async () => {
        const refusal = Object.assign(new Error('db-share-latest-snapshots cannot run {"dryrun":true}: ...'), { name: "InvalidRequestError" });
        const { payloads, error, states: entered } = await execute([refusal], { dryrun: true });
        expect(payloads).to.have.length(1);
        expect(error).to.be.instanceOf(ExecutionError);
        expect(((error as ExecutionError).cause as Error).name).to.equal("InvalidRequestError");
        expect(((error as ExecutionError).cause as Error).message).to.equal(refusal.message);
        expect(entered).to.deep.equal([SHARE_CYCLE_STATES.share]);
    });

    it("fails the execution with the run's error when a cluster could not be shared", async () => {
        const failure = Object.assign(new Error("share cycle share-2026-12-06 did not share aurora cluster orders: ..."), { name: "ShareFailedError" });
        const { error, states: entered } = await execute([{ outcome: "waiting", nextCheckAt: "2026-12-06T00:10:00Z", clusters: [] }, failure]);
        expect(error).to.be.instanceOf(ExecutionError);
        expect(((error as ExecutionError).cause as Error).name).to.equal("ShareFailedError");
        expect(entered.at(-1)).to.equal(SHARE_CYCLE_STATES.check);
    });
});
