/**
 * A year of refresh cycles, simulated: 26 bi-weekly cycles of 2026 ("every 2 weeks on sunday at 02:00",
 * Europe/Amsterdam, so both daylight saving changes fall on cycle days), both functions driven through their
 * real entry points by every firing of their two schedules, against a stateful fake of production and
 * acceptance behind the real SDK clients. Invariants are checked after every invocation; faults are injected
 * on chosen cycles, each once:
 *
 * | cycle | date       | fault                                                                      | expected outcome                                                                                   |
 * | ----- | ---------- | -------------------------------------------------------------------------- | -------------------------------------------------------------------------------------------------- |
 * | 1     | 2026-01-04 | none: first run, every parameter still `none`                              | restored                                                                                           |
 * | 2     | 2026-01-18 | DescribeDBClusterSnapshots throttled 04:00-04:20 (restore attempts 1-2)    | attempts 1-2 fail saying Throttling and change nothing; attempt 3 restores                         |
 * | 3     | 2026-02-01 | CopyDBClusterSnapshot throttled 02:00-02:05 (the update's copy)            | update fails for documentdb (aurora's latest still moves); the 04:00 attempt starts the copy       |
 * |       |            |                                                                            | (40 minutes), 04:15 and 04:30 wait, 04:45 restores the cycle's data                                |
 * | 5     | 2026-03-01 | the documentdb copy fails 25 minutes in                                    | every attempt: the copy "is failed"; cycle 6's update deletes it and cycle 6 restores              |
 * | 7     | 2026-03-29 | none: 02:00 does not exist (clocks spring forward)                         | the update runs on the 03:00 fallback firing; restored                                             |
 * | 8     | 2026-04-12 | a stranger shares newer aurora and documentdb snapshots (production names) | restored from production's; the stranger's are never copied nor recorded                           |
 * | 9     | 2026-04-26 | at 03:00 a colleague deletes the copy documentdb_latest names and the new  | the 04:00 attempt starts a fresh copy under the same identifier, 04:15 and 04:30 wait, 04:45       |
 * |       |            | copy the update just made                                                  | restores it (nothing promoted before it is available)                                              |
 * | 11    | 2026-05-24 | a colleague's manual snapshots fill the quota of 100 (Sat to Mon)          | update fails with the quota message; attempts 1-7: the copy "does not exist and could not be       |
 * |       |            |                                                                            | started: SnapshotQuotaError", the last: "no later attempt ... could wait"; nothing changed;        |
 * |       |            |                                                                            | cycle 12 restores                                                                                  |
 * | 13    | 2026-06-21 | a colleague has 5 copies in flight from 01:30 to 07:30                     | as cycle 11 (the copy limit); cycle 14 restores                                                    |
 * | 15    | 2026-07-19 | Wed 07-08 an operator sets both `current` by hand and starts the pipeline  | cycle 15's update leaves them (and the copy named) alone; its restore replaces them                |
 * | 17    | 2026-08-16 | the documentdb copy takes 5 hours                                          | attempts 1-7 wait, the last fails "still in progress"; nothing promoted                            |
 * | 18-19 | 08-30/09-13| production shares nothing (off Sat 08-15 23:00Z, on again Sun 09-13 12:00Z) | both restore cycle 17's snapshot again, documentdb from cycle 17's slow copy; cycle 20 is fresh  |
 * | 21    | 2026-10-11 | Wed 10-07 the pipeline is renamed through pipelineName (pulumi up)         | restored; the execution goes to the new pipeline                                                   |
 * | 22    | 2026-10-25 | none: 02:00 happens twice (clocks fall back)                               | the update runs once, at the first 02:00; restored                                                 |
 * | 23    | 2026-11-08 | production takes extra snapshots at 02:20, shared at 03:05 (before 04:00)  | restored from the 22:00 snapshots: the extra ones, started after the update time, are the next     |
 * |       |            |                                                                            | cycle's                                                                                            |
 *
 * Every cycle restores, per engine, the newest production snapshot started at or before its update time and
 * shared by the attempt that restored; the simulation works that out from production's own records at that
 * attempt. Only the cycles marked as failing above may fail, and each attempt must say why.
 */
import { expect } from "chai";
import { SnapshotRefreshArgs } from "../../components/args";
import { EngineName } from "../../handlers/engines";
import {
    ACCEPTANCE_ACCOUNT,
    ACCEPTANCE_KMS_KEY_ARN,
    accountOfArn,
    clusterSnapshotArn,
    PRODUCTION_ACCOUNT,
    PRODUCTION_KMS_KEY_ARN,
    STRANGER_ACCOUNT,
    STRANGER_KMS_KEY_ARN,
} from "./accounts";
import { expectedCopyIdentifier, failedUpdateEngines, isOwnCopy, restoredProductionArn } from "./invariants";
import { CycleExpectation, cycleTable, InvocationRecord } from "./ledger";
import { ENGINE_VALUE } from "./production-account";
import { ACCEPTANCE_LIMITS, DEFAULT_RESTORE_WINDOW, SimulatedWorld, SimulationConfig } from "./simulation";
import { existedAt, isSharedWith, statusAt, StoredSnapshot } from "./snapshot-store";

const COMPONENT_NAME = "snapshot-refresh";
const PIPELINE = "acceptance-main";
const RENAMED_PIPELINE = "acceptance-main-v2";
const ARGS: SnapshotRefreshArgs = {
    sourceAccountId: PRODUCTION_ACCOUNT,
    pipelineName: PIPELINE,
    engines: ["aurora", { engine: "documentdb", kmsKeyArn: ACCEPTANCE_KMS_KEY_ARN }],
    cadence: "every 2 weeks on sunday at 02:00",
    timezone: "Europe/Amsterdam",
};

const FIRST_CYCLE = "2026-01-04";
const CYCLE_COUNT = 26;
const MS_PER_DAY = 86_400_000;

function cycleDate(cycle: number): string {
    return new Date(Date.parse(`${FIRST_CYCLE}T00:00:00Z`) + (cycle - 1) * 14 * MS_PER_DAY).toISOString().slice(0, 10);
}

const QUOTA = /documentdb \(SnapshotQuotaError: cannot copy .*reached a snapshot quota/;
/** What the cycle's copy is, in the restore's words: the copy of the cycle's newest shared snapshot. */
const CYCLE_COPY = /nothing was restored and no parameter was changed: documentdb: the copy snapshot-refresh-documentdb-\S+ of the cycle's newest shared snapshot \S+ /;
const COPY_NOT_STARTED = new RegExp(`${CYCLE_COPY.source}does not exist and could not be started: SnapshotQuotaError: `);
const NO_LATER_ATTEMPT = new RegExp(`${CYCLE_COPY.source}does not exist, and no later attempt in this window could wait for one\\.`);

/** Per cycle, what must happen; every cycle not listed restores the newest data. */
const EXPECTATIONS: Record<number, CycleExpectation> = {
    2: { outcome: "restored", restoreError: /^nothing was restored and no parameter was changed: aurora: Throttling: Rate exceeded; documentdb: Throttling: Rate exceeded/ },
    3: { outcome: "restored", updateError: /documentdb \(CopyFailedError: cannot copy .* Throttling: Rate exceeded\)/ },
    5: { outcome: "failed", restoreError: new RegExp(`${CYCLE_COPY.source}is failed\\.`) },
    11: { outcome: "failed", updateError: QUOTA, restoreError: COPY_NOT_STARTED, lastRestoreError: NO_LATER_ATTEMPT },
    13: { outcome: "failed", updateError: QUOTA, restoreError: COPY_NOT_STARTED, lastRestoreError: NO_LATER_ATTEMPT },
    17: { outcome: "failed", restoreError: /the copy snapshot-refresh-documentdb-\S+ was still in progress when the restore window ended/ },
};

const CONFIG: SimulationConfig = {
    componentName: COMPONENT_NAME,
    args: ARGS,
    worldStart: new Date("2025-11-01T00:00:00Z"),
    production: {
        clusters: [
            { identifier: "orders", engine: "aurora", kmsKeyArn: PRODUCTION_KMS_KEY_ARN },
            { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN },
        ],
        // Well clear of the update (00:00 or 01:00 UTC): straddling-snapshot.test.ts has jobs that are not.
        dailyAtUtc: "22:00",
        creationMinutes: 45,
        retentionDays: 60,
    },
    firingsFrom: "2026-01-01",
    firingsUntil: "2027-01-01",
    firstCycleDate: FIRST_CYCLE,
    cycleEveryDays: 14,
    cycleCount: CYCLE_COUNT,
    updateTime: "02:00",
    restoreWindow: DEFAULT_RESTORE_WINDOW,
    snapshotApi: ACCEPTANCE_LIMITS,
    expectation: (cycle) => EXPECTATIONS[cycle] ?? { outcome: "restored" },
};

/** What the fault injections found or chose, for the assertions about them. */
interface Observations {
    deletedLatest?: string;
    deletedNewCopy?: string;
    quotaFillers: string[];
    operatorValues: Record<string, string>;
    operatorCopy?: StoredSnapshot;
    strangerSnapshots: StoredSnapshot[];
    extraSnapshots: StoredSnapshot[];
}

function buildYear(): { world: SimulatedWorld; seen: Observations } {
    const world = new SimulatedWorld(CONFIG);
    const seen: Observations = { quotaFillers: [], operatorValues: {}, strangerSnapshots: [], extraSnapshots: [] };
    const { aws, colleague, stranger, operator, production } = world;
    const names = world.deployment.parameterNames;
    const updateFunction = world.functionLabels.update;

    // Before the year: production's history, the main pipeline, unrelated snapshots, the first `pulumi up`.
    world.startProduction("2025-11-01");
    aws.pipelines.create(PIPELINE);
    for (const engine of ["aurora", "documentdb"] as const) colleague.createSnapshot(`ops-baseline-${engine}`, engine);
    for (let index = 1; index <= 5; index++) colleague.createSnapshot(`ops-baseline-${index}`, "aurora");
    const strangerOld = stranger.shareSnapshot({ identifier: "orders-manual-20251101-0000", clusterIdentifier: "orders", engine: "aurora", minutes: 10 });
    aws.timeline.schedule(new Date("2025-11-02T00:00:00Z"), "a colleague keeps look-alike snapshots in acceptance", () => {
        // The copy prefix and pattern, but copied from the stranger: never snapshot-refresh's to delete.
        colleague.adopt({
            account: ACCEPTANCE_ACCOUNT, identifier: "snapshot-refresh-documentdb-20251101t000000-0badc0de",
            arn: clusterSnapshotArn(ACCEPTANCE_ACCOUNT, "snapshot-refresh-documentdb-20251101t000000-0badc0de"),
            clusterIdentifier: "catalog", engine: ENGINE_VALUE.documentdb, engineVersion: "5.0.0", kind: "copy",
            startedAt: aws.timeline.now(), readyAt: aws.timeline.now(), outcome: "available", encrypted: false,
            sourceArn: strangerOld.arn, tags: {},
        });
        colleague.createSnapshot("snapshot-refresh-keep-me", "documentdb");
    });
    aws.timeline.schedule(world.localInstant("2025-12-31", "12:00"), "first pulumi up", () => world.deploy());

    // Cycle 2: the restore's first two attempts meet a throttling burst on describe.
    aws.faults.addBurst({
        label: "describe throttled", service: "rds-family", command: "DescribeDBClusterSnapshots",
        from: world.localInstant(cycleDate(2), "04:00"), until: world.localInstant(cycleDate(2), "04:20"),
    });
    // Cycle 3: the update's copy meets a throttling burst.
    aws.faults.addBurst({
        label: "copy throttled", service: "rds-family", command: "CopyDBClusterSnapshot",
        from: world.localInstant(cycleDate(3), "02:00"), until: world.localInstant(cycleDate(3), "02:05"),
    });
    // Cycles 5 and 17: the copy the update starts that day fails, or takes five hours.
    const copyStartedOn = (date: string, at: Date) => world.zone.localDate(at.getTime()) === date;
    aws.snapshots.copyTimingRules.push(({ caller, at }) =>
        caller.label !== updateFunction ? undefined
            : copyStartedOn(cycleDate(5), at) ? { minutes: 25, outcome: "failed" }
                : copyStartedOn(cycleDate(17), at) ? { minutes: 300, outcome: "available" }
                    : undefined);
    // Cycle 8: a stranger shares snapshots newer than production's, named like production's.
    aws.timeline.schedule(new Date(`${dayBefore(cycleDate(8))}T23:30:00Z`), "a stranger shares newer snapshots", () => {
        seen.strangerSnapshots.push(
            stranger.shareSnapshot({ identifier: "orders-manual-20260411-2330", clusterIdentifier: "orders", engine: "aurora", minutes: 10 }),
            stranger.shareSnapshot({ identifier: "catalog-manual-20260411-2330", clusterIdentifier: "catalog", engine: "documentdb", minutes: 10, kmsKeyId: STRANGER_KMS_KEY_ARN }),
        );
    });
    // Cycle 9: between update and restore, a colleague deletes the copy `latest` names and the one the update
    // just made, which is the copy of the cycle's data: the restore has to make it again.
    world.at(cycleDate(9), "03:00", "a colleague deletes the copy documentdb_latest names and the new copy", () => {
        const latest = aws.store.byArn(aws.parameters.value(names.documentdb.latest) ?? "");
        const newCopy = world.cycle(9).updates[0]?.copiesStarted[0];
        seen.deletedLatest = latest?.arn;
        seen.deletedNewCopy = newCopy?.identifier;
        colleague.deleteSnapshots([latest, newCopy].flatMap((snapshot) => (snapshot === undefined ? [] : [snapshot.identifier])));
    });
    // Cycle 11: a colleague's load test fills the manual snapshot quota from Saturday to Monday.
    world.at(dayBefore(cycleDate(11)), "12:00", "a colleague fills the snapshot quota", () => {
        seen.quotaFillers = colleague.fillUpTo(100, "load-test");
    });
    world.at(dayAfter(cycleDate(11)), "09:00", "the colleague deletes the load test's snapshots", () => colleague.deleteSnapshots(seen.quotaFillers));
    // Cycle 13: a colleague has five copies in flight through the update.
    world.at(cycleDate(13), "01:30", "a colleague starts five copies", () => {
        for (let index = 1; index <= 5; index++) colleague.copySnapshot(`ops-baseline-${index}`, `ops-copy-${index}`, 360);
    });
    // Before cycle 15: an operator restores chosen snapshots by hand, as the README describes.
    world.at(addDays(cycleDate(14), 3), "10:00", "an operator restores chosen snapshots by hand", () => {
        const aurora = aws.store.own(PRODUCTION_ACCOUNT, `orders-manual-${addDays(cycleDate(14), -4).replace(/-/g, "")}-2200`)!;
        const copies = aws.store.ownedBy(ACCEPTANCE_ACCOUNT)
            .filter((snapshot) => isOwnCopy(world, snapshot) && statusAt(snapshot, aws.timeline.nowMs()) === "available")
            .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
        seen.operatorCopy = copies[0];
        seen.operatorValues = { [names.aurora.current]: aurora.arn, [names.documentdb.current]: copies[0]?.arn ?? "none" };
        for (const [name, value] of Object.entries(seen.operatorValues)) operator.setParameter(name, value);
        operator.startPipeline(world.deployment.pipelineName);
    });
    // Cycles 18 and 19: production shares nothing new.
    production.switchSharing(new Date(`${dayBefore(cycleDate(17))}T23:00:00Z`), false);
    production.switchSharing(new Date(`${cycleDate(19)}T12:00:00Z`), true);
    // Cycle 21: the pipeline is renamed the only supported way: a new pipeline, pipelineName, pulumi up.
    world.at(addDays(cycleDate(21), -5), "15:00", "the new pipeline is created", () => aws.pipelines.create(RENAMED_PIPELINE));
    world.at(addDays(cycleDate(21), -4), "10:00", "pulumi up with the renamed pipeline", () => {
        world.deploy({ ...ARGS, pipelineName: RENAMED_PIPELINE });
        aws.pipelines.delete(PIPELINE);
    });
    // Cycle 23: production takes and shares extra snapshots after the update, before the restore window.
    world.at(cycleDate(23), "02:20", "production takes extra snapshots", () => {
        production.takeSnapshots();
        seen.extraSnapshots = aws.store.ownedBy(PRODUCTION_ACCOUNT).filter((snapshot) => snapshot.startedAt.getTime() === aws.timeline.nowMs());
    });
    return { world, seen };
}

function addDays(date: string, days: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}

function dayBefore(date: string): string {
    return addDays(date, -1);
}

function dayAfter(date: string): string {
    return addDays(date, 1);
}

describe("a simulated year of refresh cycles (Europe/Amsterdam, every 2 weeks)", function () {
    this.timeout(120_000);
    let world: SimulatedWorld;
    let seen: Observations;

    before(async () => {
        ({ world, seen } = buildYear());
        await world.run();
    });

    afterEach(function () {
        if (this.currentTest?.state !== "failed" || world === undefined) return;
        const violations = world.violations.slice(0, 40).map((violation) => `  ${violation.at}: ${violation.what}`).join("\n");
        console.log(`\n${cycleTable(world.cycles)}\n\nviolations (${world.violations.length}):\n${violations}\n`);
    });

    const cycle = (number: number) => world.cycle(number);
    const name = (engine: EngineName, kind: "latest" | "current") => world.deployment.parameterNames[engine][kind];
    const executionsOf = (number: number) => cycle(number).executions;
    const documentDb = () => world.deployment.settings.engines.find((engine) => engine.engine === "documentdb")!;
    const restoredValue = (number: number, engine: EngineName) => executionsOf(number)[0]?.restores[name(engine, "current")];
    /** Each restore attempt of a cycle: failed, copy-started (waits for a copy it started), or the outcome it returned. */
    const outcomes = (number: number) => cycle(number).restores.map((record) =>
        record.status === "failed" ? "failed" : record.restoreOutcome === "waiting" && record.copiesStarted.length > 0 ? "copy-started" : record.restoreOutcome);
    /** The one copy the cycle's restore started: of documentdb, at the first attempt. */
    const onlyRestoreCopy = (number: number) => {
        const started = cycle(number).restores.flatMap((record) => record.copiesStarted);
        expect(started.map((copy) => copy.createdBy)).to.deep.equal([world.functionLabels.restore]);
        expect(started[0].startedAt.getTime()).to.equal(cycle(number).restores[0].invocation.startedAt.getTime());
        return started[0];
    };
    /** Every attempt failed and changed nothing; each but the last tried the copy and AWS refused it; the last tried none. */
    const expectCopyRefused = (number: number, awsError: RegExp) => {
        const attempts = cycle(number).restores;
        expect(outcomes(number)).to.deep.equal(Array(8).fill("failed"));
        for (const [index, record] of attempts.entries()) {
            expect(record.parametersAfter).to.deep.equal(record.parametersBefore);
            expect(record.copiesStarted).to.deep.equal([]);
            const copyCalls = record.calls.filter((call) => call.command === "CopyDBClusterSnapshot");
            expect(copyCalls, `attempt ${index + 1}`).to.have.length(index < attempts.length - 1 ? 1 : 0);
            for (const call of copyCalls) expect(call.error).to.match(awsError);
        }
        expect(attempts.slice(0, -1).every((record) => COPY_NOT_STARTED.test(record.invocation.error!.message))).to.equal(true);
        expect(attempts[attempts.length - 1].invocation.error!.message).to.match(NO_LATER_ATTEMPT);
    };

    describe("the schedules", () => {
        it("deliver every firing of 2026 to the functions: 103 updates (no 02:00 on 2026-03-29) and 416 restore attempts", () => {
            const byKind = (kind: string) => world.invocations.filter((record) => record.kind === kind);
            expect(byKind("update")).to.have.length(52 * 2 - 1);
            expect(byKind("restore")).to.have.length(52 * 8);
            const updatesOn = (date: string) => byKind("update").filter((record) => record.firing.localDate === date).map((record) => record.firing.scheduledTime);
            expect(updatesOn("2026-03-29")).to.deep.equal(["2026-03-29T01:00:00Z"]);
            expect(updatesOn("2026-10-25")).to.deep.equal(["2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"]);
        });

        it("let exactly one update and eight restore attempts run on each cycle day, and nothing else run", () => {
            const ran = world.invocations.filter((record) => record.status !== "skipped");
            expect(ran).to.have.length(CYCLE_COUNT * 9);
            expect(new Set(ran.map((record) => record.firing.localDate))).to.deep.equal(new Set(world.cycles.map((record) => record.date)));
        });

        it("read the shared listing once per run for both engines, 100 snapshots a page, through the RDS client", () => {
            for (const update of world.cycles.flatMap((record) => record.updates)) {
                const atMs = update.firing.atMs;
                const shared = world.aws.store.everything().filter((snapshot) =>
                    snapshot.account !== ACCEPTANCE_ACCOUNT && isSharedWith(snapshot, ACCEPTANCE_ACCOUNT, atMs) && existedAt(snapshot, atMs)).length;
                const pages = (client: string) => update.calls.filter((call) => call.client === client && call.request?.startsWith("shared") && call.error === undefined).length;
                expect([pages("rds"), pages("docdb")], `${update.firing.localDate}: ${shared} shared`).to.deep.equal([Math.ceil(shared / 100), 0]);
            }
            const pageCounts = world.invocations.flatMap((record) => record.calls).filter((call) => call.request === "shared, page 2+");
            expect(pageCounts.length, "later pages were asked for").to.be.greaterThan(40);
        });

        it("run the spring-forward cycle's update on the 03:00 fallback and the fall-back cycle's once, at the first 02:00", () => {
            expect(cycle(7).updates.map((record) => [record.firing.localTime, record.firing.scheduledTime])).to.deep.equal([["03:00", "2026-03-29T01:00:00Z"]]);
            expect(cycle(22).updates.map((record) => [record.firing.localTime, record.firing.scheduledTime])).to.deep.equal([["02:00", "2026-10-25T00:00:00Z"]]);
            const fallbackOnFallBackDay = world.invocations.find((record) => record.kind === "update" && record.firing.scheduledTime === "2026-10-25T02:00:00Z")!;
            expect(fallbackOnFallBackDay.status).to.equal("skipped");
            expect(cycle(7).restores[0].firing.scheduledTime).to.equal("2026-03-29T02:00:00Z");
        });
    });

    describe("after every invocation", () => {
        it("every invariant holds", () => {
            const perInvocation = world.violations.filter((violation) => !violation.at.startsWith("cycle "));
            expect(perInvocation.map((violation) => `${violation.at}: ${violation.what}`)).to.deep.equal([]);
        });

        it("each run logged what it did: one summary per update, one per restore that did not throw, a reason per skipped firing", () => {
            const problems = world.invocations.flatMap((record): string[] => {
                const events = record.invocation.logs.map((line) => line.event);
                const expected = record.status === "skipped" ? ["not a refresh cycle"]
                    : record.kind === "update" ? ["update summary"]
                        : record.status === "failed" ? []
                            : record.restoreOutcome === "waiting" ? ["waiting for a copy to finish", "restore summary"] : ["restore summary"];
                return JSON.stringify(events) === JSON.stringify(expected) ? [] : [`${record.kind} ${record.firing.localDate} ${record.firing.localTime}: ${events.join(", ")}`];
            });
            expect(problems).to.deep.equal([]);
        });
    });

    describe("each cycle restores the newest production data started by its update time and shared by the attempt that restored, or fails saying why", () => {
        for (let number = 1; number <= CYCLE_COUNT; number++) {
            const expectation = CONFIG.expectation(number);
            it(`cycle ${number} (${cycleDate(number)}): ${expectation.outcome}`, () => {
                const problems = world.violations.filter((violation) => violation.at.startsWith(`cycle ${number} `)).map((violation) => violation.what);
                expect(problems).to.deep.equal([]);
                expect(cycle(number).outcome).to.equal(expectation.outcome);
            });
        }
    });

    describe("faults", () => {
        it("describe throttled (cycle 2): two attempts fail and change nothing, the third restores", () => {
            const attempts = cycle(2).restores;
            expect(attempts.map((record) => record.status === "failed" ? "failed" : record.restoreOutcome)).to.deep.equal(
                ["failed", "failed", "restored", "already-restored", "already-restored", "already-restored", "already-restored", "already-restored"]);
            for (const record of attempts.slice(0, 2)) expect(record.parametersAfter).to.deep.equal(record.parametersBefore);
            expect(world.aws.faults.throttled.filter((call) => call.burst === "describe throttled").length).to.be.greaterThan(0);
        });

        it("copy throttled (cycle 3): the update fails for documentdb only; the restore starts the copy at 04:00 and restores at 04:45", () => {
            const update = cycle(3).updates[0];
            expect(update.status).to.equal("failed");
            expect(failedUpdateEngines(update)).to.deep.equal(["documentdb"]);
            expect(update.copiesStarted).to.deep.equal([]);
            expect(update.parametersAfter[name("aurora", "latest")].value).to.equal(cycle(3).sharedWhenUpdated.aurora);
            expect(outcomes(3)).to.deep.equal(["copy-started", "waiting", "waiting", "restored", ...Array(4).fill("already-restored")]);
            const copy = onlyRestoreCopy(3);
            expect(copy.sourceArn).to.equal(cycle(3).expectedData.documentdb);
            expect(copy.readyAt.getTime() - copy.startedAt.getTime()).to.equal(40 * 60_000);
            // The same data the update would have copied: nothing newer was started before the update time.
            expect(cycle(3).expectedData).to.deep.equal(cycle(3).sharedWhenUpdated);
            expect(restoredValue(3, "documentdb")).to.equal(copy.arn);
            expect(cycle(3).outcome).to.equal("restored");
        });

        it("a failed copy (cycle 5): every attempt says the copy is failed and changes nothing, cycle 6's update deletes it, cycle 6 restores", () => {
            const failedCopy = world.cycle(5).updates[0].copiesStarted[0];
            expect(failedCopy.outcome).to.equal("failed");
            expect(outcomes(5)).to.deep.equal(Array(8).fill("failed"));
            for (const record of cycle(5).restores) {
                expect(record.invocation.error?.message).to.contain(`the copy ${failedCopy.identifier} of the cycle's newest shared snapshot ${failedCopy.sourceArn!} is failed`);
                expect(record.parametersAfter).to.deep.equal(record.parametersBefore);
                expect(record.copiesStarted).to.deep.equal([]);
            }
            expect(cycle(6).updates[0].deleted.map((snapshot) => snapshot.identifier)).to.include(failedCopy.identifier);
            expect(cycle(6).outcome).to.equal("restored");
        });

        it("a stranger's newer snapshots (cycle 8) are never copied and never recorded", () => {
            const strangerArns = seen.strangerSnapshots.map((snapshot) => snapshot.arn);
            expect(strangerArns).to.have.length(2);
            // The fault was in effect: the stranger's were the newest snapshots shared with acceptance when the update ran.
            for (const snapshot of seen.strangerSnapshots) {
                expect(snapshot.shares[0].at.getTime()).to.be.lessThan(cycle(8).cycleStart.getTime());
                expect(snapshot.startedAt.getTime()).to.be.greaterThan(world.production.newestSharedAt(snapshot.engine === "docdb" ? "documentdb" : "aurora", cycle(8).cycleStart.getTime())!.startedAt.getTime());
            }
            const recorded = world.deployment.settings.engines.flatMap((engine) => [engine.latestParameter, engine.currentParameter])
                .flatMap((parameter) => world.aws.parameters.history(parameter).map((version) => version.value));
            expect(recorded.filter((value) => accountOfArn(value) === STRANGER_ACCOUNT)).to.deep.equal([]);
            const copiedFromStranger = world.invocations.flatMap((record) => record.copiesStarted).filter((copy) => accountOfArn(copy.sourceArn ?? "") === STRANGER_ACCOUNT);
            expect(copiedFromStranger).to.deep.equal([]);
            expect(cycle(8).outcome).to.equal("restored");
        });

        it("latest and the new copy deleted between update and restore (cycle 9): the restore copies again under the same identifier and restores", () => {
            const deletedAt = world.localInstant(cycleDate(9), "03:00").getTime();
            const deleted = world.aws.store.everything().filter((snapshot) => snapshot.deletedBy === world.colleague.caller.label && snapshot.deletedAt?.getTime() === deletedAt);
            expect(deleted.map((snapshot) => snapshot.arn)).to.have.members([seen.deletedLatest!, cycle(9).updates[0].copiesStarted[0].arn]);
            expect(seen.deletedLatest).to.match(/snapshot-refresh-documentdb-/);
            expect(outcomes(9)).to.deep.equal(["copy-started", "waiting", "waiting", "restored", ...Array(4).fill("already-restored")]);
            const copy = onlyRestoreCopy(9);
            const source = world.aws.store.everything().find((snapshot) => snapshot.arn === cycle(9).expectedData.documentdb)!;
            expect(copy.identifier).to.equal(seen.deletedNewCopy);
            expect(copy.identifier).to.equal(expectedCopyIdentifier(world.deployment.settings.copyIdentifierPrefix, "documentdb", source));
            // Nothing promoted before the copy was available: the waiting attempts changed nothing, the restoring one came after.
            for (const record of cycle(9).restores.slice(0, 3)) expect(record.parametersAfter).to.deep.equal(record.parametersBefore);
            expect(cycle(9).restores[3].invocation.startedAt.getTime()).to.be.at.least(copy.readyAt.getTime());
            expect(restoredValue(9, "documentdb")).to.equal(copy.arn);
            expect(cycle(10).outcome).to.equal("restored");
        });

        it("the manual snapshot quota reached (cycle 11): the update and every attempt say which quota and change nothing, cycle 12 recovers", () => {
            const update = cycle(11).updates[0];
            expect(update.invocation.error?.message).to.match(/at most 100 manual cluster snapshots/);
            expect(update.calls.find((call) => call.command === "CopyDBClusterSnapshot")?.error).to.equal("SnapshotQuotaExceededFault: Cannot create more than 100 manual snapshots");
            expect(seen.quotaFillers.length).to.be.greaterThan(80);
            expectCopyRefused(11, /^SnapshotQuotaExceededFault: Cannot create more than 100 manual snapshots$/);
            expect(cycle(12).outcome).to.equal("restored");
        });

        it("five copies in flight (cycle 13): the update and every attempt fail on the copy limit and change nothing, cycle 14 recovers", () => {
            const copyCall = cycle(13).updates[0].calls.find((call) => call.command === "CopyDBClusterSnapshot");
            expect(copyCall?.error).to.match(/^SnapshotQuotaExceededFault: .*5 snapshot copies in progress/);
            expectCopyRefused(13, /^SnapshotQuotaExceededFault: .*5 snapshot copies in progress/);
            expect(cycle(14).outcome).to.equal("restored");
        });

        it("the restore starts copies only where the update made none: cycles 3 and 9, at 04:00", () => {
            const byRestore = world.invocations.filter((record) => record.kind === "restore" && record.copiesStarted.length > 0);
            expect(byRestore.map((record) => `${record.firing.localDate} ${record.firing.localTime}`)).to.deep.equal([`${cycleDate(3)} 04:00`, `${cycleDate(9)} 04:00`]);
        });

        it("an operator's hand-set current (before cycle 15) survives cycle 15's update; its restore replaces it", () => {
            const update = cycle(15).updates[0];
            for (const [parameter, value] of Object.entries(seen.operatorValues)) {
                expect(update.parametersBefore[parameter].value).to.equal(value);
                expect(update.parametersAfter[parameter].value).to.equal(value);
            }
            // The operator's copy is older than the newest keepCopies: only `current` naming it keeps it.
            const operatorCopy = seen.operatorCopy!;
            const newerAvailable = world.aws.store.everything().filter((snapshot) =>
                isOwnCopy(world, snapshot) && snapshot.startedAt > operatorCopy.startedAt &&
                (snapshot.deletedAt === undefined || snapshot.deletedAt > update.invocation.startedAt) && snapshot.outcome === "available" &&
                snapshot.readyAt <= update.invocation.startedAt);
            expect(newerAvailable.length).to.be.at.least(documentDb().keepCopies);
            expect(update.deleted.map((snapshot) => snapshot.arn)).to.not.include(operatorCopy.arn);
            expect(operatorCopy.deletedAt!.getTime(), "deleted only once current moved on").to.be.greaterThan(cycle(15).restores[0].invocation.startedAt.getTime());
            expect(executionsOf(15)).to.have.length(1);
            expect(restoredValue(15, "aurora")).to.equal(cycle(15).expectedData.aurora);
            const operatorRuns = world.aws.pipelines.allExecutions().filter((execution) => execution.startedByLabel === "operator");
            expect(operatorRuns).to.have.length(1);
            expect(operatorRuns[0].restores).to.deep.equal(seen.operatorValues);
        });

        it("a copy slower than the window (cycle 17): attempts wait, the last fails, nothing is promoted", () => {
            const attempts = cycle(17).restores;
            expect(attempts.map((record) => record.status === "failed" ? "failed" : record.restoreOutcome)).to.deep.equal([...Array(7).fill("waiting"), "failed"]);
            const currentNames = world.deployment.settings.engines.map((engine) => engine.currentParameter);
            for (const parameter of currentNames) expect(attempts[7].parametersAfter[parameter]).to.deep.equal(cycle(17).updates[0].parametersAfter[parameter]);
            expect(executionsOf(17)).to.deep.equal([]);
        });

        it("production sharing nothing (cycles 18-19): both restore cycle 17's data, documentdb from the slow copy; cycle 20 is fresh", () => {
            const slowCopy = cycle(17).updates[0].copiesStarted[0];
            expect(slowCopy.readyAt.getTime() - slowCopy.startedAt.getTime()).to.equal(300 * 60_000);
            for (const number of [18, 19]) {
                expect(cycle(number).expectedData).to.deep.equal(cycle(17).expectedData);
                expect(restoredValue(number, "documentdb")).to.equal(slowCopy.arn);
                expect(cycle(number).outcome).to.equal("restored");
            }
            expect(cycle(20).expectedData.documentdb).to.not.equal(cycle(17).expectedData.documentdb);
            expect(restoredProductionArn(world, documentDb(), executionsOf(20)[0].restores)).to.equal(cycle(20).expectedData.documentdb);
        });

        it("the pipeline renamed through pipelineName (cycle 21): the new pipeline receives the execution", () => {
            const pipelineParameter = world.deployment.settings.pipelineParameter;
            expect(world.aws.parameters.history(pipelineParameter).map((version) => [version.value, version.modifiedBy])).to.deep.equal(
                [[PIPELINE, "pulumi up"], [RENAMED_PIPELINE, "pulumi up"]]);
            const renamedAt = world.aws.parameters.history(pipelineParameter)[1].modifiedAt.getTime();
            const byFunction = world.aws.pipelines.allExecutions().filter((execution) => execution.startedBy === world.restorePrincipal);
            expect(byFunction.filter((execution) => execution.startTime.getTime() > renamedAt).map((execution) => execution.pipelineName))
                .to.deep.equal(Array(CYCLE_COUNT - 20).fill(RENAMED_PIPELINE));
            expect(executionsOf(21).map((execution) => execution.pipelineName)).to.deep.equal([RENAMED_PIPELINE]);
        });

        it("extra snapshots shared between update and restore (cycle 23) are left to the next cycle", () => {
            expect(seen.extraSnapshots).to.have.length(2);
            for (const snapshot of seen.extraSnapshots) {
                expect(snapshot.startedAt.getTime(), "taken after the update time").to.be.greaterThan(cycle(23).cycleStart.getTime());
                expect(snapshot.shares[0].at.getTime(), "shared before the first attempt").to.be.lessThan(cycle(23).restores[0].invocation.startedAt.getTime());
            }
            const restored = world.deployment.settings.engines.map((engine) => restoredProductionArn(world, engine, executionsOf(23)[0].restores));
            expect(restored).to.deep.equal([cycle(23).expectedData.aurora, cycle(23).expectedData.documentdb]);
            expect(restored).to.not.include.members(seen.extraSnapshots.map((snapshot) => snapshot.arn));
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
