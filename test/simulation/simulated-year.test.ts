/**
 * A year of refresh cycles, simulated (see year.ts for the scenario and its faults): every firing of the
 * deployed schedule reaches the real starter, every cycle is an execution of the state machine definition the
 * component deploys, run by aws-local-stepfunctions, whose Task states run the real functions against a
 * stateful fake of production and acceptance behind the real SDK clients. Invariants are checked after every
 * run of a function and for every cycle.
 */
import { expect } from "chai";
import { EngineName } from "../../handlers/engines";
import { ACCEPTANCE_ACCOUNT, ACCEPTANCE_KMS_KEY_ARN, accountOfArn, STRANGER_ACCOUNT } from "./accounts";
import { expectedCopyIdentifier, failedUpdateEngines, isOwnCopy, restoredProductionArn } from "./invariants";
import { checkCodes, InvocationRecord, worldReport } from "./ledger";
import { ENGINE_VALUE } from "./production-account";
import { SimulatedWorld } from "./simulation";
import { existedAt, isManual, isSharedWith } from "./snapshot-store";
import { CYCLE_COUNT, cycleDate, Observations, PIPELINE, RENAMED_PIPELINE, simulatedYear } from "./year";

const MINUTE = 60_000;

describe("a simulated year of refresh cycles (Europe/Amsterdam, every 2 weeks)", function () {
    this.timeout(120_000);
    let world: SimulatedWorld;
    let seen: Observations;

    before(async () => {
        ({ world, seen } = await simulatedYear({ faults: true }));
        await world.run();
    });

    afterEach(function () {
        if (this.currentTest?.state !== "failed" || world === undefined) return;
        console.log(worldReport(world));
    });

    const cycle = (number: number) => world.cycle(number);
    const name = (engine: EngineName, kind: "latest" | "current") => world.deployment.parameterNames[engine][kind];
    const executionsOf = (number: number) => cycle(number).executions;
    const documentDb = () => world.deployment.settings.engines.find((engine) => engine.engine === "documentdb")!;
    const restoredValue = (number: number, engine: EngineName) => executionsOf(number)[0]?.restores[name(engine, "current")];
    const checks = (number: number) => checkCodes(cycle(number));
    const localTimes = (records: readonly InvocationRecord[]) => records.map((record) => record.localTime);
    const minutesToPipeline = (number: number) => (executionsOf(number)[0].startTime.getTime() - cycle(number).cycleStart.getTime()) / MINUTE;

    describe("the schedule and the starter", () => {
        it("deliver every firing of 2026 to the starter: 103 (no 02:00 on 2026-03-29)", () => {
            const starts = world.invocations.filter((record) => record.kind === "starter");
            expect(starts).to.have.length(52 * 2 - 1);
            const on = (date: string) => starts.filter((record) => record.firing!.localDate === date).map((record) => record.firing!.scheduledTime);
            expect(on("2026-03-29")).to.deep.equal(["2026-03-29T01:00:00Z"]);
            expect(on("2026-10-25")).to.deep.equal(["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"]);
        });

        it("start exactly one execution per cycle, named after its day, and no other", () => {
            const executions = world.aws.stepFunctions.all();
            expect(executions.map((execution) => execution.name)).to.deep.equal(world.cycles.map((record) => `cycle-${record.date}`));
            const idle = world.invocations.filter((record) => record.kind === "starter" && record.outcome === "not-a-cycle");
            expect(idle).to.have.length(103 - CYCLE_COUNT);
            for (const record of idle) {
                expect(record.calls, record.firing!.scheduledTime).to.deep.equal([]);
                expect(record.invocation.logs.map((line) => [line.event, line.outcome])).to.deep.equal([["run summary", "not-a-cycle"]]);
                expect(record.invocation.logs[0].nextCycle as string).to.match(/^2026-\d\d-\d\d 0[23]:00 Europe\/Amsterdam$|^2027-01-03 02:00 Europe\/Amsterdam$/);
            }
        });

        it("start the spring-forward cycle on the 03:00 fallback and the fall-back cycle once, at the first 02:00", () => {
            expect(cycle(7).execution!.startDate.toISOString()).to.equal("2026-03-29T01:00:00.000Z");
            expect(cycle(22).execution!.startDate.toISOString()).to.equal("2026-10-25T00:00:00.000Z");
            const fallbackOnFallBackDay = world.invocations.find((record) => record.kind === "starter" && record.firing!.scheduledTime === "2026-10-25T02:00:00Z")!;
            expect(fallbackOnFallBackDay.outcome).to.equal("not-a-cycle");
        });

        it("read the shared listing once per update run for both engines, 100 snapshots a page, through the RDS client", () => {
            for (const update of world.cycles.flatMap((record) => record.updates)) {
                const atMs = update.invocation.startedAt.getTime();
                const shared = world.aws.store.everything().filter((snapshot) =>
                    snapshot.account !== ACCEPTANCE_ACCOUNT && isSharedWith(snapshot, ACCEPTANCE_ACCOUNT, atMs) && existedAt(snapshot, atMs)).length;
                const pages = (client: string) => update.calls.filter((call) => call.client === client && call.request?.startsWith("shared") && call.error === undefined).length;
                if (update.status === "failed" && update.invocation.error?.name === "TransientAwsError") continue;
                expect([pages("rds"), pages("docdb")], `${update.localDate}: ${shared} shared`).to.deep.equal([Math.ceil(shared / 100), 0]);
            }
            const laterPages = world.invocations.flatMap((record) => record.calls).filter((call) => call.request === "shared, page 2+");
            expect(laterPages.length, "later pages were asked for").to.be.greaterThan(40);
        });
    });

    describe("after every run", () => {
        it("every invariant holds", () => {
            const perRun = world.violations.filter((violation) => !violation.at.startsWith("cycle "));
            expect(perRun.map((violation) => `${violation.at}: ${violation.what}`)).to.deep.equal([]);
        });

        it("each run logged one summary, failed runs too: the starter's decision, the update's and the restore's outcome per engine", () => {
            const problems = world.invocations.flatMap((record): string[] => {
                const events = record.invocation.logs.map((line) => line.event).filter((event) => event !== "pipeline start answered with an error, but the execution started");
                const expected = ["run summary"];
                const summary = record.invocation.logs.find((line) => line.event === "run summary");
                const outcome = record.status === "failed" ? "failed" : record.outcome;
                const wrongOutcome = summary !== undefined && summary.outcome !== outcome ? [`outcome ${String(summary.outcome)}, not ${String(outcome)}`] : [];
                return JSON.stringify(events) === JSON.stringify(expected) && wrongOutcome.length === 0 ? []
                    : [`${record.kind} ${record.localDate} ${record.localTime}: ${[...events, ...wrongOutcome].join(", ")}`];
            });
            expect(problems).to.deep.equal([]);
        });
    });

    describe("each cycle restores the newest production data taken by its start and shared by the check that restored, as soon as it is ready, or fails saying why", () => {
        for (let number = 1; number <= CYCLE_COUNT; number++) {
            it(`cycle ${number} (${cycleDate(number)})`, () => {
                const problems = world.violations.filter((violation) => violation.at.startsWith(`cycle ${number} `)).map((violation) => violation.what);
                expect(problems).to.deep.equal([]);
                expect(cycle(number).outcome).to.equal(cycle(number).expectation.outcome);
            });
        }

        it("restores in the first check when no copy is needed, and at the first check after the copy is ready when one is", () => {
            // Cycle 18: every copy it needs already exists.
            expect(checks(18)).to.equal("R");
            expect(minutesToPipeline(18)).to.equal(0);
            // Cycle 1: the update's copy takes 40 minutes; checks every 10 minutes.
            expect(checks(1)).to.equal("wwwwR");
            expect(minutesToPipeline(1)).to.equal(40);
        });
    });

    describe("faults", () => {
        it("describe throttled (cycle 2): the checks it hits fail as TransientAwsError, change nothing, and are retried with backoff", () => {
            const restores = cycle(2).restores;
            expect(checks(2)).to.equal("wwttttwR");
            expect(localTimes(restores)).to.deep.equal(["02:00", "02:10", "02:20", "02:21", "02:23", "02:27", "02:35", "02:45"]);
            for (const record of restores.filter((candidate) => candidate.status === "failed")) {
                expect(record.invocation.error!.message).to.match(/^nothing was restored and no parameter was changed: AWS throttled or could not answer \(Throttling: Rate exceeded/);
                expect(record.parametersAfter).to.deep.equal(record.parametersBefore);
            }
            expect(world.aws.faults.throttled.filter((call) => call.fault === "describe throttled").length).to.be.greaterThan(0);
            expect(cycle(2).outcome).to.equal("restored");
        });

        it("copy throttled (cycle 3): the update fails as TransientAwsError and is retried until its copy starts, then the cycle restores", () => {
            const updates = cycle(3).updates;
            expect(updates.map((record) => [record.localTime, record.status])).to.deep.equal([
                ["02:00", "failed"], ["02:01", "failed"], ["02:03", "failed"], ["02:07", "succeeded"],
            ]);
            for (const record of updates.slice(0, 3)) {
                expect(record.invocation.error!.name).to.equal("TransientAwsError");
                expect(failedUpdateEngines(record)).to.deep.equal(["documentdb"]);
                // Aurora's part is done on the first run; the retries do not write it again.
                expect(record.parametersAfter[name("aurora", "latest")].value).to.equal(cycle(3).sharedWhenUpdated.aurora);
            }
            expect(updates[3].copiesStarted.map((copy) => copy.sourceArn)).to.deep.equal([cycle(3).expectedData.documentdb]);
            expect(restoredValue(3, "documentdb")).to.equal(updates[3].copiesStarted[0].arn);
        });

        it("a failed copy (cycle 5): the first check after it failed decides at once, changing nothing; cycle 6's update deletes it and restores", () => {
            const failedCopy = cycle(5).updates[0].copiesStarted[0];
            expect(failedCopy.outcome).to.equal("failed");
            expect(checks(5)).to.equal("wwwE");
            const last = cycle(5).restores[3];
            expect(last.localTime).to.equal("02:30");
            expect(last.invocation.error!.message).to.contain(`the copy ${failedCopy.identifier} of the cycle's newest shared snapshot ${failedCopy.sourceArn!} is failed`);
            expect(last.parametersAfter).to.deep.equal(last.parametersBefore);
            expect(cycle(5).execution!.status).to.equal("FAILED");
            expect(cycle(6).updates[0].deleted.map((snapshot) => snapshot.identifier)).to.include(failedCopy.identifier);
            expect(cycle(6).outcome).to.equal("restored");
        });

        it("a stranger's newer snapshots (cycle 8) are never copied and never recorded", () => {
            const strangerArns = seen.strangerSnapshots.map((snapshot) => snapshot.arn);
            expect(strangerArns).to.have.length(2);
            // The fault was in effect: the stranger's were the newest snapshots shared with acceptance when the update ran.
            for (const snapshot of seen.strangerSnapshots) {
                expect(snapshot.shares[0].at.getTime()).to.be.lessThan(cycle(8).cycleStart.getTime());
                const engine = snapshot.engine === ENGINE_VALUE.documentdb ? "documentdb" : "aurora";
                expect(snapshot.startedAt.getTime()).to.be.greaterThan(world.production.newestSharedAt(engine, cycle(8).cycleStart.getTime())!.startedAt.getTime());
            }
            const recorded = world.deployment.settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter])
                .flatMap((parameter) => world.aws.parameters.history(parameter).map((version) => version.value));
            expect(recorded.filter((value) => accountOfArn(value) === STRANGER_ACCOUNT)).to.deep.equal([]);
            const copiedFromStranger = world.invocations.flatMap((record) => record.copiesStarted).filter((copy) => accountOfArn(copy.sourceArn ?? "") === STRANGER_ACCOUNT);
            expect(copiedFromStranger).to.deep.equal([]);
            expect(cycle(8).outcome).to.equal("restored");
        });

        it("latest's copy and the copy in progress deleted while the cycle waits (cycle 9): the next check copies again under the same identifier", () => {
            const deletedAt = world.localInstant(cycleDate(9), "02:15").getTime();
            const deleted = world.aws.store.everything().filter((snapshot) => snapshot.deletedBy === world.colleague.caller.label && snapshot.deletedAt?.getTime() === deletedAt);
            expect(deleted.map((snapshot) => snapshot.arn)).to.have.members([seen.deletedLatest!, cycle(9).updates[0].copiesStarted[0].arn]);
            expect(seen.deletedLatest).to.match(/snapshot-refresh-documentdb-/);
            expect(checks(9)).to.equal("wwcwwwR");
            const copy = cycle(9).restores[2].copiesStarted[0];
            expect(cycle(9).restores[2].localTime).to.equal("02:20");
            expect(copy.identifier).to.equal(seen.deletedNewCopy);
            const source = world.aws.store.everything().find((snapshot) => snapshot.arn === copy.sourceArn)!;
            expect(copy.identifier).to.equal(expectedCopyIdentifier(world.deployment.settings.copyIdentifierPrefix, "documentdb", source));
            // Nothing promoted before the copy was available.
            expect(cycle(9).restores.at(-1)!.invocation.startedAt.getTime()).to.equal(copy.readyAt.getTime());
            expect(restoredValue(9, "documentdb")).to.equal(copy.arn);
        });

        it("the manual snapshot quota reached (cycle 11): the update first deletes its own copy beyond keepCopies, then copies into the room it made", () => {
            expect(seen.quotaFillers.length).to.be.greaterThan(80);
            const update = cycle(11).updates[0];
            expect(update.status).to.equal("succeeded");
            const trimAndCopy = update.calls.filter((call) => /Delete|Copy/.test(call.command)).map((call) => [call.command, call.error]);
            expect(trimAndCopy).to.deep.equal([["DeleteDBClusterSnapshot", undefined], ["CopyDBClusterSnapshot", undefined]]);
            const atUpdateMs = update.invocation.startedAt.getTime();
            const held = world.aws.store.everything().filter((snapshot) => snapshot.account === ACCEPTANCE_ACCOUNT && isManual(snapshot) && existedAt(snapshot, atUpdateMs));
            expect(held, "the account was at its quota of 100 manual snapshots when the update ran").to.have.length(100);
            expect(cycle(11).outcome).to.equal("restored");
        });

        it("five copies in flight all window (cycle 13): the update trims but cannot copy, every check tries and waits, and at 06:00 the cycle fails saying why", () => {
            const update = cycle(13).updates[0];
            expect(update.calls.find((call) => call.command === "CopyDBClusterSnapshot")?.error).to.match(/^SnapshotQuotaExceededFault: .*5 snapshot copies in progress/);
            expect(checks(13)).to.equal(`${"w".repeat(24)}E`);
            const attempts = cycle(13).restores;
            expect(attempts.at(-1)!.localTime).to.equal("06:00");
            for (const record of attempts.slice(0, -1)) {
                expect((record.invocation.result as { engines: { copyNotStarted?: string }[] }).engines[1].copyNotStarted).to.match(/^SnapshotQuotaError: /);
                expect(record.calls.filter((call) => call.command === "CopyDBClusterSnapshot")).to.have.length(1);
            }
            expect(attempts.at(-1)!.calls.filter((call) => call.command === "CopyDBClusterSnapshot"), "no copy once nothing could wait for it").to.deep.equal([]);
            expect(cycle(14).outcome).to.equal("restored");
        });

        it("the restore starts copies only where the update made none: cycles 9 and 25", () => {
            const byRestore = world.invocations.filter((record) => record.kind === "restore" && record.copiesStarted.length > 0);
            expect(byRestore.map((record) => `${record.localDate} ${record.localTime}`)).to.deep.equal([`${cycleDate(9)} 02:20`, `${cycleDate(25)} 02:11`]);
        });

        it("an operator's hand-set current (before cycle 15) survives cycle 15's update; its restore replaces it", () => {
            const update = cycle(15).updates[0];
            for (const [parameter, value] of Object.entries(seen.operatorValues)) {
                expect(update.parametersBefore[parameter].value).to.equal(value);
                expect(update.parametersAfter[parameter].value).to.equal(value);
            }
            const operatorCopy = seen.operatorCopy!;
            expect(update.deleted.map((snapshot) => snapshot.arn)).to.not.include(operatorCopy.arn);
            expect(operatorCopy.deletedAt!.getTime(), "deleted only once current moved on").to.be.greaterThan(cycle(15).restores.at(-1)!.invocation.startedAt.getTime());
            expect(executionsOf(15)).to.have.length(1);
            expect(restoredValue(15, "aurora")).to.equal(cycle(15).expectedData.aurora);
            const operatorRuns = world.aws.pipelines.allExecutions().filter((execution) => execution.startedByLabel === "operator");
            expect(operatorRuns).to.have.length(1);
            expect(operatorRuns[0].restores).to.deep.equal(seen.operatorValues);
        });

        it("a copy slower than the window (cycle 17): the checks wait until 06:00, then the cycle fails; nothing is promoted", () => {
            expect(checks(17)).to.equal(`${"w".repeat(24)}E`);
            const last = cycle(17).restores.at(-1)!;
            expect(last.localTime).to.equal("06:00");
            expect(last.final).to.equal(true);
            for (const parameter of world.deployment.settings.engines.map((engine) => engine.currentParameter)) {
                expect(last.parametersAfter[parameter]).to.deep.equal(cycle(17).updates[0].parametersAfter[parameter]);
            }
            expect(executionsOf(17)).to.deep.equal([]);
        });

        it("production sharing nothing (cycles 18-19): both restore cycle 17's data, documentdb from the slow copy; cycle 20 is fresh", () => {
            const slowCopy = cycle(17).updates[0].copiesStarted[0];
            expect(slowCopy.readyAt.getTime() - slowCopy.startedAt.getTime()).to.equal(300 * MINUTE);
            for (const number of [18, 19]) {
                expect(cycle(number).expectedData).to.deep.equal(cycle(17).expectedData);
                expect(restoredValue(number, "documentdb")).to.equal(slowCopy.arn);
            }
            expect(cycle(20).expectedData.documentdb).to.not.equal(cycle(17).expectedData.documentdb);
        });

        it("the pipeline renamed through pipelineName (cycle 21): the new pipeline receives the execution", () => {
            const pipelineParameter = world.deployment.settings.pipelineParameter;
            expect(world.aws.parameters.history(pipelineParameter).map((version) => [version.value, version.modifiedBy])).to.deep.equal(
                [[PIPELINE, "pulumi up"], [RENAMED_PIPELINE, "pulumi up"]]);
            expect(executionsOf(21).map((execution) => execution.pipelineName)).to.deep.equal([RENAMED_PIPELINE]);
        });

        it("extra snapshots shared while the cycle waits (cycle 23) are left to the next cycle: they were taken after its start", () => {
            expect(seen.extraSnapshots).to.have.length(2);
            for (const snapshot of seen.extraSnapshots) {
                expect(snapshot.startedAt.getTime(), "taken after the cycle's start").to.be.greaterThan(cycle(23).cycleStart.getTime());
                expect(snapshot.shares[0].at.getTime(), "shared before the restore").to.be.lessThan(executionsOf(23)[0].startTime.getTime());
            }
            const restored = world.deployment.settings.engines.map((engine) => restoredProductionArn(world, engine, executionsOf(23)[0].restores));
            expect(restored).to.deep.equal([cycle(23).expectedData.aurora, cycle(23).expectedData.documentdb]);
            expect(restored).to.not.include.members(seen.extraSnapshots.map((snapshot) => snapshot.arn));
        });

        it("sourceClusters changed to catalog-v2 (cycle 24): the cycle restores catalog-v2, and old-cluster copies go once nothing names them", () => {
            expect(world.aws.store.byArn(cycle(24).expectedData.documentdb!)?.clusterIdentifier).to.equal("catalog-v2");
            expect(world.aws.store.byArn(cycle(23).expectedData.documentdb!)?.clusterIdentifier).to.equal("catalog");
            expect(checks(24)).to.equal("wwwwR");
            // The update kept latest where it was (no catalog-v2 copy was ready), never choosing a catalog copy.
            expect(cycle(24).updates[0].parametersAfter[name("documentdb", "latest")]).to.deep.equal(cycle(24).updates[0].parametersBefore[name("documentdb", "latest")]);
            const catalogCopies = world.aws.store.everything().filter((snapshot) => isOwnCopy(world, snapshot) && snapshot.clusterIdentifier === "catalog");
            expect(catalogCopies.filter((copy) => copy.deletedAt === undefined), "all gone by the year's end").to.deep.equal([]);
        });

        it("restore-available with a copy that cannot start at first (cycle 25): the checks wait instead of falling back, then restore the cycle's data", () => {
            expect(world.deployment.settings.whenCopyNotReady).to.equal("restore-available");
            expect(checks(25)).to.equal("wtcwwwR");
            expect(localTimes(cycle(25).restores)).to.deep.equal(["02:00", "02:10", "02:11", "02:21", "02:31", "02:41", "02:51"]);
            expect((cycle(25).restores[0].invocation.result as { engines: { copyNotStarted?: string }[] }).engines[1].copyNotStarted).to.match(/5 snapshot copies in progress/);
            for (const record of cycle(25).restores) expect((record.invocation.result as { engines?: { warning?: string }[] } | undefined)?.engines?.[1].warning).to.equal(undefined);
            expect(restoredProductionArn(world, documentDb(), executionsOf(25)[0].restores)).to.equal(cycle(25).expectedData.documentdb);
        });

        it("the pipeline start's answer lost (cycle 26): the restore finds the execution it started and keeps every parameter", () => {
            expect(world.aws.faults.lost.map((call) => call.command)).to.deep.equal(["StartPipelineExecution"]);
            const restoring = cycle(26).restores.at(-1)!;
            expect(restoring.outcome).to.equal("restored");
            expect(restoring.invocation.logs.map((line) => line.event)).to.deep.equal(["pipeline start answered with an error, but the execution started", "run summary"]);
            expect((restoring.invocation.result as { executionId: string }).executionId).to.equal(executionsOf(26)[0].executionId);
            expect(restoring.parametersAfter[name("documentdb", "current")].value).to.equal(restoredValue(26, "documentdb"));
            expect(executionsOf(26)).to.have.length(1);
        });

        it("keeps the look-alike and unrelated snapshots of acceptance: the functions delete only their own copies", () => {
            const deletedByFunctions = world.invocations.flatMap((record: InvocationRecord) => record.deleted);
            expect(deletedByFunctions.length).to.be.greaterThan(10);
            for (const identifier of ["snapshot-refresh-documentdb-20251101t000000-0badc0de", "snapshot-refresh-keep-me", "ops-baseline-aurora", "ops-copy-1"]) {
                expect(world.aws.store.own(ACCEPTANCE_ACCOUNT, identifier), identifier).to.not.equal(undefined);
            }
            expect(deletedByFunctions.every((snapshot) => isOwnCopy(world, snapshot))).to.equal(true);
        });

        it("ends the year with documentdb's copies within retention: keepCopies, plus what latest and current name", () => {
            const copies = world.aws.store.ownedBy(ACCEPTANCE_ACCOUNT).filter((snapshot) => isOwnCopy(world, snapshot));
            expect(copies.length).to.be.within(1, documentDb().keepCopies + 2);
            expect(copies.every((copy) => copy.engine === ENGINE_VALUE.documentdb && copy.kmsKeyId === ACCEPTANCE_KMS_KEY_ARN)).to.equal(true);
        });
    });
});
