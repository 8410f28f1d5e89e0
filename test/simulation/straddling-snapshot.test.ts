/**
 * A production snapshot job near the update time, in a winter cycle (02:00 in Amsterdam is 01:00 UTC). The
 * restore's target is the newest production snapshot taken (SnapshotCreateTime) at or before the cycle's update
 * time and shared by the time of the attempt; later ones belong to the next cycle.
 *
 * - A job starting at 00:50 or at exactly 01:00 UTC and taking 40 minutes straddles the update: the snapshot
 *   is taken by the update time but shared after it (01:30 or 01:40 UTC), so the update never sees it and copies
 *   the previous day's. The restore's first attempt (04:00 local, 03:00 UTC) finds the cycle's snapshot without a
 *   copy, starts the copy (40 minutes), the attempts at 04:15 and 04:30 wait, and 04:45 restores it.
 * - A job starting at 01:05 UTC takes its snapshot after the update time: although it is shared before the
 *   window opens, the restore ignores it and restores the previous day's data, from the update's copy.
 */
import { expect } from "chai";
import { EngineName } from "../../handlers/engines";
import { ACCEPTANCE_KMS_KEY_ARN, clusterSnapshotArn, PRODUCTION_ACCOUNT, PRODUCTION_KMS_KEY_ARN } from "./accounts";
import { expectedCopyIdentifier, restoredProductionArn } from "./invariants";
import { cycleTable, InvocationRecord } from "./ledger";
import { ACCEPTANCE_LIMITS, DEFAULT_RESTORE_WINDOW, SimulatedWorld } from "./simulation";

const CYCLE_DATE = "2026-01-04";
const CLUSTER_OF: Record<EngineName, string> = { aurora: "orders", documentdb: "catalog" };

function oneWinterCycle(productionDailyAtUtc: string): SimulatedWorld {
    const world = new SimulatedWorld({
        componentName: "snapshot-refresh",
        args: {
            sourceAccountId: PRODUCTION_ACCOUNT,
            pipelineName: "acceptance-main",
            engines: ["aurora", { engine: "documentdb", kmsKeyArn: ACCEPTANCE_KMS_KEY_ARN }],
            timezone: "Europe/Amsterdam",
        },
        worldStart: new Date("2025-12-20T00:00:00Z"),
        production: {
            clusters: [{ identifier: "orders", engine: "aurora" }, { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN }],
            dailyAtUtc: productionDailyAtUtc,
            creationMinutes: 40,
            retentionDays: 60,
        },
        // 2026-01-04 is a cycle day; 02:00 in Amsterdam is 01:00 UTC in winter.
        firingsFrom: CYCLE_DATE,
        firingsUntil: "2026-01-05",
        firstCycleDate: CYCLE_DATE,
        cycleEveryDays: 14,
        cycleCount: 1,
        updateTime: "02:00",
        restoreWindow: DEFAULT_RESTORE_WINDOW,
        snapshotApi: ACCEPTANCE_LIMITS,
        expectation: () => ({ outcome: "restored" }),
    });
    world.startProduction("2025-12-20");
    world.aws.pipelines.create("acceptance-main");
    world.aws.timeline.schedule(new Date("2026-01-01T12:00:00Z"), "first pulumi up", () => world.deploy());
    return world;
}

/** Production's snapshot of the engine's cluster taken on `date` (UTC) at `time` (UTC). */
function productionArn(engine: EngineName, date: string, time: string): string {
    return clusterSnapshotArn(PRODUCTION_ACCOUNT, `${CLUSTER_OF[engine]}-manual-${date.replace(/-/g, "")}-${time.replace(":", "")}`);
}

/** Each attempt: failed, copy-started (waits for a copy it started), or the outcome it returned. */
function outcomes(restores: readonly InvocationRecord[]): (string | undefined)[] {
    return restores.map((record) =>
        record.status === "failed" ? "failed" : record.restoreOutcome === "waiting" && record.copiesStarted.length > 0 ? "copy-started" : record.restoreOutcome);
}

function report(world: SimulatedWorld): string {
    return `\n${cycleTable(world.cycles)}\n${world.violations.map((violation) => `${violation.at}: ${violation.what}`).join("\n")}`;
}

describe("a production snapshot job near the update time (winter cycle, update at 01:00 UTC, 40-minute snapshots)", function () {
    this.timeout(60_000);

    for (const dailyAtUtc of ["00:50", "01:00"]) {
        it(`a job at ${dailyAtUtc} UTC: the restore copies and restores the snapshot taken by the update time, shared after it`, async () => {
            const world = oneWinterCycle(dailyAtUtc);
            await world.run();
            const cycle = world.cycle(1);
            const why = report(world);
            const engines = world.deployment.settings.engines;

            expect(world.violations, why).to.deep.equal([]);
            expect(cycle.cycleStart.toISOString()).to.equal(`${CYCLE_DATE}T01:00:00.000Z`);
            // The update could not see it: it recorded, and copied, the day before's.
            expect(cycle.sharedWhenUpdated, why).to.deep.equal({ aurora: productionArn("aurora", "2026-01-03", dailyAtUtc), documentdb: productionArn("documentdb", "2026-01-03", dailyAtUtc) });
            expect(cycle.expectedData, why).to.deep.equal({ aurora: productionArn("aurora", CYCLE_DATE, dailyAtUtc), documentdb: productionArn("documentdb", CYCLE_DATE, dailyAtUtc) });
            const straddling = world.aws.store.byArn(productionArn("documentdb", CYCLE_DATE, dailyAtUtc))!;
            expect(straddling.startedAt.getTime()).to.be.at.most(cycle.cycleStart.getTime());
            expect(straddling.shares[0].at.getTime()).to.be.greaterThan(cycle.cycleStart.getTime());

            expect(outcomes(cycle.restores), why).to.deep.equal(["copy-started", "waiting", "waiting", "restored", ...Array(4).fill("already-restored")]);
            const [copy] = cycle.restores[0].copiesStarted;
            expect(copy.sourceArn).to.equal(straddling.arn);
            expect(copy.identifier).to.equal(expectedCopyIdentifier(world.deployment.settings.copyIdentifierPrefix, "documentdb", straddling));
            expect(cycle.restores[3].firing.localTime).to.equal("04:45");
            expect(cycle.restores[3].invocation.startedAt.getTime()).to.be.at.least(copy.readyAt.getTime());

            expect(cycle.executions, why).to.have.length(1);
            expect(engines.map((engine) => restoredProductionArn(world, engine, cycle.executions[0].restores)))
                .to.deep.equal([productionArn("aurora", CYCLE_DATE, dailyAtUtc), productionArn("documentdb", CYCLE_DATE, dailyAtUtc)]);
            expect(cycle.executions[0].restores[world.deployment.parameterNames.documentdb.current]).to.equal(copy.arn);
            expect(cycle.outcome, why).to.equal("restored");
        });
    }

    it("a job at 01:05 UTC: the restore ignores the snapshot taken after the update time and restores the day before's", async () => {
        const world = oneWinterCycle("01:05");
        await world.run();
        const cycle = world.cycle(1);
        const why = report(world);
        const engines = world.deployment.settings.engines;

        expect(world.violations, why).to.deep.equal([]);
        const previousDay = { aurora: productionArn("aurora", "2026-01-03", "01:05"), documentdb: productionArn("documentdb", "2026-01-03", "01:05") };
        expect(cycle.sharedWhenUpdated, why).to.deep.equal(previousDay);
        expect(cycle.expectedData, why).to.deep.equal(previousDay);
        // The fault is in effect: the later snapshot was shared before the window opened.
        const later = world.aws.store.byArn(productionArn("documentdb", CYCLE_DATE, "01:05"))!;
        expect(later.startedAt.getTime()).to.be.greaterThan(cycle.cycleStart.getTime());
        expect(later.shares[0].at.getTime()).to.be.lessThan(cycle.restores[0].invocation.startedAt.getTime());

        expect(outcomes(cycle.restores), why).to.deep.equal(["restored", ...Array(7).fill("already-restored")]);
        expect(cycle.executions, why).to.have.length(1);
        expect(engines.map((engine) => restoredProductionArn(world, engine, cycle.executions[0].restores))).to.deep.equal([previousDay.aurora, previousDay.documentdb]);
        expect(cycle.executions[0].restores[world.deployment.parameterNames.documentdb.current]).to.equal(cycle.updates[0].copiesStarted[0].arn);
        expect(cycle.outcome, why).to.equal("restored");
    });
});
