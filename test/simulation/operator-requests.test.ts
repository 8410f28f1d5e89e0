/**
 * What an operator gives the refresh cycle's execution, run end to end: the deployed state machine, the real
 * functions, the simulated accounts. On 2026-01-12, a week after the cycle day, so that no scheduled cycle runs.
 */
import { expect } from "chai";
import { RestoreSummary } from "../../handlers/refresh/restore";
import { UpdateSummary } from "../../handlers/refresh/update-latest";
import { worldReport } from "./ledger";
import { oneCycleWorld } from "./one-cycle";
import { SimulatedWorld } from "./simulation";

const DAY = "2026-01-12";
const NOON_UTC = Date.parse(`${DAY}T12:00:00Z`);

/** The violations of the world, less the one of its scheduled cycle, which never runs (its day is not simulated). */
function violations(world: SimulatedWorld): string[] {
    return world.violations.filter((violation) => !violation.at.startsWith("cycle 1 ")).map((violation) => `${violation.at}: ${violation.what}`);
}

/** A world in which the operator starts one execution at 10:00 (local) on {@link DAY}, with `input`. */
async function operatorRuns(input: (world: SimulatedWorld) => object, before?: (world: SimulatedWorld) => void): Promise<SimulatedWorld> {
    const world = await oneCycleWorld({ firesOnCycleDay: false });
    if (before !== undefined) world.at(DAY, "09:00", "the operator prepares", () => before(world));
    world.at(DAY, "10:00", "the operator starts an execution", () =>
        world.operator.startExecution(world.firstDeployment.stateMachine.arn, "by-hand", input(world)));
    await world.run();
    return world;
}

describe("an operator's input to the refresh cycle's execution", function () {
    this.timeout(120_000);

    const parameters = (world: SimulatedWorld) => Object.fromEntries(world.deployment.settings.engines.flatMap((engine) =>
        [engine.latestParameter, engine.currentParameter].map((name) => [name, world.aws.parameters.value(name)])));
    const runs = (world: SimulatedWorld, kind: "update" | "restore") => world.invocations.filter((record) => record.kind === kind);

    it('{"dryRun": true}: both functions report what they would do, and nothing changes', async () => {
        const world = await operatorRuns(() => ({ dryRun: true }));

        const [execution] = world.aws.stepFunctions.all();
        expect(execution.status, worldReport(world)).to.equal("SUCCEEDED");
        expect(runs(world, "update").map((record) => record.outcome)).to.deep.equal(["dry-run"]);
        expect(runs(world, "restore").map((record) => record.outcome)).to.deep.equal(["dry-run"]);
        expect(Object.values(parameters(world))).to.deep.equal(["none", "none", "none", "none"]);
        expect(world.aws.pipelines.allExecutions()).to.deep.equal([]);
        expect(world.invocations.flatMap((record) => record.copiesStarted)).to.deep.equal([]);
        const newestAurora = world.production.newestSharedAt("aurora", execution.startDate.getTime())!.arn;
        const update = runs(world, "update")[0].invocation.result as UpdateSummary;
        expect(update.engines[0].wouldWrite).to.deep.equal([{ parameter: world.deployment.parameterNames.aurora.latest, value: newestAurora }]);
        const restore = runs(world, "restore")[0].invocation.result as RestoreSummary;
        expect(restore.engines[0].wouldRestoreFrom).to.equal(newestAurora);
        // The update made no copy, so the restore would: it says so, and waits for nothing.
        expect(restore.engines[1].wouldStartCopy).to.match(/^snapshot-refresh-documentdb-/);
        expect(violations(world), worldReport(world)).to.deep.equal([]);
    });

    it('{"restore": {...}}: skips the update, restores the chosen snapshot, and starts the pipeline once', async () => {
        let chosen = "";
        const world = await operatorRuns((current) => {
            chosen = current.production.newestSharedAt("aurora", NOON_UTC - 5 * 86_400_000)!.arn;
            return { restore: { aurora: chosen } };
        });

        const [execution] = world.aws.stepFunctions.all();
        expect(execution.status, worldReport(world)).to.equal("SUCCEEDED");
        expect(runs(world, "update")).to.deep.equal([]);
        const names = world.deployment.parameterNames;
        expect(parameters(world)).to.deep.equal({
            [names.aurora.latest]: "none",
            [names.aurora.current]: chosen,
            [names.documentdb.latest]: "none",
            [names.documentdb.current]: "none",
        });
        const [pipelineRun] = world.aws.pipelines.allExecutions();
        expect(world.aws.pipelines.allExecutions()).to.have.length(1);
        expect(pipelineRun.restores[names.aurora.current]).to.equal(chosen);
        const restore = runs(world, "restore")[0].invocation.result as RestoreSummary;
        expect(restore.engines[0]).to.deep.include({ restoredFrom: chosen, chosen: true });
        expect(runs(world, "restore")[0].invocation.logs.find((line) => line.event === "run summary")).to.have.nested.property("engines.aurora.restoredFrom", chosen);
        expect(violations(world), worldReport(world)).to.deep.equal([]);
    });

    it('{"restore": {...}} of a snapshot with no copy, for an engine that copies: the execution fails saying how to get one, and nothing changes', async () => {
        const world = await operatorRuns((current) => ({ restore: { documentdb: current.production.newestSharedAt("documentdb", NOON_UTC - 86_400_000)!.arn } }));

        const [execution] = world.aws.stepFunctions.all();
        expect(execution.status).to.equal("FAILED");
        expect(execution.error).to.equal("InvalidRequestError");
        expect(execution.cause).to.include("copy-db-cluster-snapshot");
        expect(Object.values(parameters(world))).to.deep.equal(["none", "none", "none", "none"]);
        expect(world.aws.pipelines.allExecutions()).to.deep.equal([]);
    });

    it("an input no function accepts: the execution fails at once, naming the accepted forms, and nothing runs", async () => {
        const world = await operatorRuns(() => ({ dryrun: true }));

        const [execution] = world.aws.stepFunctions.all();
        expect(execution.status).to.equal("FAILED");
        expect(execution.error).to.equal("InvalidRequestError");
        expect(execution.cause).to.include('"dryrun"').and.to.include('{"dryRun": true}');
        expect(runs(world, "restore")).to.deep.equal([]);
        expect(world.invocations.flatMap((record) => record.calls)).to.deep.equal([]);
    });

    it("paused by its parameter: the update still moves latest and copies, the restore changes nothing and starts nothing", async () => {
        const world = await operatorRuns(() => ({}), (current) => current.operator.setParameter(current.deployment.settings.pauseParameter, "indefinitely"));

        const [execution] = world.aws.stepFunctions.all();
        expect(execution.status, worldReport(world)).to.equal("SUCCEEDED");
        expect(runs(world, "update").map((record) => record.status)).to.deep.equal(["succeeded"]);
        expect((runs(world, "update")[0].invocation.result as UpdateSummary).paused).to.include("paused indefinitely");
        expect(runs(world, "restore").map((record) => record.outcome)).to.deep.equal(["paused"]);
        const names = world.deployment.parameterNames;
        expect(world.aws.parameters.value(names.aurora.latest)).not.to.equal("none");
        expect([world.aws.parameters.value(names.aurora.current), world.aws.parameters.value(names.documentdb.current)]).to.deep.equal(["none", "none"]);
        expect(world.aws.pipelines.allExecutions()).to.deep.equal([]);
        expect(violations(world), worldReport(world)).to.deep.equal([]);
    });

    it("paused until a time that has passed: the cycle restores, and says the pause ended", async () => {
        const world = await operatorRuns(() => ({}), (current) => current.operator.setParameter(current.deployment.settings.pauseParameter, `${DAY}T08:30:00Z`));

        expect(world.aws.stepFunctions.all()[0].status, worldReport(world)).to.equal("SUCCEEDED");
        const restores = runs(world, "restore");
        expect(restores.at(-1)!.outcome).to.equal("restored");
        expect((restores.at(-1)!.invocation.result as RestoreSummary).pauseEnded).to.include(`ended at ${DAY}T08:30:00.000Z`);
        expect(world.aws.pipelines.allExecutions()).to.have.length(1);
        expect(violations(world), worldReport(world)).to.deep.equal([]);
    });
});
