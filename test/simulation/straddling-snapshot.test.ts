/**
 * A production snapshot job near the cycle's start, in a winter cycle (02:00 in Amsterdam is 01:00 UTC). A cycle
 * restores the newest production snapshot taken (SnapshotCreateTime) at or before its start and shared by the
 * check that restores; later ones belong to the next cycle. Each check looks again.
 *
 * - A job starting at 00:50 or at exactly 01:00 UTC and taking 20 minutes straddles the start: its snapshot is
 *   taken by the start but shared after it (01:10 or 01:20 UTC), so the update copies the day before's (40 minutes).
 *   While the cycle waits for that copy, a check finds the new snapshot shared, copies it and restores it.
 * - A job starting at 01:05 UTC takes its snapshot after the start: although it is shared while the cycle waits,
 *   the cycle ignores it and restores the day before's data, from the update's copy.
 */
import { expect } from "chai";
import { EngineName } from "../../handlers/engines";
import { clusterSnapshotArn, PRODUCTION_ACCOUNT } from "./accounts";
import { expectedCopyIdentifier, restoredProductionArn } from "./invariants";
import { InvocationRecord, worldReport } from "./ledger";
import { CYCLE_DATE, oneCycleWorld } from "./one-cycle";
import { SimulatedWorld } from "./simulation";

const CLUSTER_OF: Record<EngineName, string> = { aurora: "orders", documentdb: "catalog" };

function oneWinterCycle(productionDailyAtUtc: string): Promise<SimulatedWorld> {
    return oneCycleWorld({ productionDailyAtUtc, creationMinutes: 20 });
}

/** Production's snapshot of the engine's cluster taken on `date` (UTC) at `time` (UTC). */
function productionArn(engine: EngineName, date: string, time: string): string {
    return clusterSnapshotArn(PRODUCTION_ACCOUNT, `${CLUSTER_OF[engine]}-manual-${date.replace(/-/g, "")}-${time.replace(":", "")}`);
}

/** Each check: copy-started (waits for a copy it started), or the outcome it returned. */
function outcomes(restores: readonly InvocationRecord[]): (string | undefined)[] {
    return restores.map((record) => (record.outcome === "waiting" && record.copiesStarted.length > 0 ? "copy-started" : record.outcome ?? record.status));
}

/** The UTC time `minutes` after the cycle's start at 01:00 UTC. */
function minutesIn(minutes: number): string {
    return new Date(Date.parse(`${CYCLE_DATE}T01:00:00Z`) + minutes * 60_000).toISOString();
}

describe("a production snapshot job near the cycle's start (winter cycle, 01:00 UTC, 20-minute snapshots)", function () {
    this.timeout(60_000);

    const straddlers = [
        // The job's start, the check that finds its snapshot shared, and when its copy is ready: that check restores.
        { dailyAtUtc: "00:50", foundAt: 10, checks: ["waiting", "copy-started", "waiting", "waiting", "waiting", "restored"] },
        { dailyAtUtc: "01:00", foundAt: 20, checks: ["waiting", "waiting", "copy-started", "waiting", "waiting", "waiting", "restored"] },
    ];
    for (const { dailyAtUtc, foundAt, checks } of straddlers) {
        it(`a job at ${dailyAtUtc} UTC: a check finds its snapshot shared while the cycle waits, copies and restores it`, async () => {
            const world = await oneWinterCycle(dailyAtUtc);
            await world.run();
            const cycle = world.cycle(1);
            const why = worldReport(world);
            const engines = world.deployment.settings.engines;

            expect(world.violations, why).to.deep.equal([]);
            expect(cycle.cycleStart.toISOString()).to.equal(`${CYCLE_DATE}T01:00:00.000Z`);
            // The update could not see it: it recorded, and copied, the day before's.
            expect(cycle.sharedWhenUpdated, why).to.deep.equal({ aurora: productionArn("aurora", "2026-01-03", dailyAtUtc), documentdb: productionArn("documentdb", "2026-01-03", dailyAtUtc) });
            expect(cycle.expectedData, why).to.deep.equal({ aurora: productionArn("aurora", CYCLE_DATE, dailyAtUtc), documentdb: productionArn("documentdb", CYCLE_DATE, dailyAtUtc) });
            const straddling = world.aws.store.byArn(productionArn("documentdb", CYCLE_DATE, dailyAtUtc))!;
            expect(straddling.startedAt.getTime()).to.be.at.most(cycle.cycleStart.getTime());
            expect(straddling.shares[0].at.toISOString()).to.equal(minutesIn(foundAt));

            expect(outcomes(cycle.restores), why).to.deep.equal(checks);
            const copy = cycle.restores.flatMap((record) => record.copiesStarted).find((started) => started.sourceArn === straddling.arn)!;
            expect(copy.startedAt.toISOString()).to.equal(minutesIn(foundAt));
            expect(copy.identifier).to.equal(expectedCopyIdentifier(world.deployment.settings.copyIdentifierPrefix, "documentdb", straddling));
            expect(cycle.restores[checks.length - 1].invocation.startedAt.toISOString(), "restored as soon as its copy was ready").to.equal(copy.readyAt.toISOString());

            expect(cycle.executions, why).to.have.length(1);
            expect(engines.map((engine) => restoredProductionArn(world, engine, cycle.executions[0].restores)))
                .to.deep.equal([productionArn("aurora", CYCLE_DATE, dailyAtUtc), productionArn("documentdb", CYCLE_DATE, dailyAtUtc)]);
            expect(cycle.executions[0].restores[world.deployment.parameterNames.documentdb.current]).to.equal(copy.arn);
            expect(cycle.outcome, why).to.equal("restored");
        });
    }

    it("a job at 01:05 UTC: the cycle ignores the snapshot taken after its start and restores the day before's", async () => {
        const world = await oneWinterCycle("01:05");
        await world.run();
        const cycle = world.cycle(1);
        const why = worldReport(world);
        const engines = world.deployment.settings.engines;

        expect(world.violations, why).to.deep.equal([]);
        const previousDay = { aurora: productionArn("aurora", "2026-01-03", "01:05"), documentdb: productionArn("documentdb", "2026-01-03", "01:05") };
        expect(cycle.sharedWhenUpdated, why).to.deep.equal(previousDay);
        expect(cycle.expectedData, why).to.deep.equal(previousDay);
        // The fault is in effect: the later snapshot was shared while the cycle still waited.
        const later = world.aws.store.byArn(productionArn("documentdb", CYCLE_DATE, "01:05"))!;
        expect(later.startedAt.getTime()).to.be.greaterThan(cycle.cycleStart.getTime());
        expect(later.shares[0].at.getTime()).to.be.lessThan(cycle.restores[cycle.restores.length - 1].invocation.startedAt.getTime());

        expect(outcomes(cycle.restores), why).to.deep.equal(["waiting", "waiting", "waiting", "waiting", "restored"]);
        expect(cycle.executions, why).to.have.length(1);
        expect(engines.map((engine) => restoredProductionArn(world, engine, cycle.executions[0].restores))).to.deep.equal([previousDay.aurora, previousDay.documentdb]);
        expect(cycle.executions[0].restores[world.deployment.parameterNames.documentdb.current]).to.equal(cycle.updates[0].copiesStarted[0].arn);
        expect(cycle.outcome, why).to.equal("restored");
    });
});
