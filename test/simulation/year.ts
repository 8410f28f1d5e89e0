/**
 * The year the simulation runs: 26 bi-weekly cycles of 2026 ("every 2 weeks on sunday at 02:00",
 * Europe/Amsterdam, so both daylight saving changes fall on cycle days), with production, the people around the
 * accounts, and, when asked for, a fault injected on chosen cycles, each once:
 *
 * | cycle | date       | fault                                                                         | expected outcome                                                                        |
 * | ----- | ---------- | ----------------------------------------------------------------------------- | --------------------------------------------------------------------------------------- |
 * | 1     | 2026-01-04 | none: first run, every parameter still `none`                                 | restored once the update's copy is ready (40 minutes)                                   |
 * | 2     | 2026-01-18 | DescribeDBClusterSnapshots throttled 02:15-02:35                              | the checks it hits fail as TransientAwsError, changing nothing, and are retried; restored |
 * | 3     | 2026-02-01 | CopyDBClusterSnapshot throttled 02:00-02:05 (the update's copy)               | the update fails as TransientAwsError and is retried until the copy starts; restored    |
 * | 5     | 2026-03-01 | the update's documentdb copy fails 25 minutes in                             | the next check finds it failed and decides at once: fails; cycle 6's update deletes it |
 * | 7     | 2026-03-29 | none: 02:00 does not exist (clocks spring forward)                            | the cycle starts on the 03:00 fallback firing; restored                                 |
 * | 8     | 2026-04-12 | a stranger shares newer aurora and documentdb snapshots (production names)    | restored from production's; the stranger's are never copied nor recorded                |
 * | 9     | 2026-04-26 | at 02:15 a colleague deletes the copy latest names and the copy in progress   | the 02:20 check starts the copy again under the same identifier; restored when ready    |
 * | 11    | 2026-05-24 | a colleague's snapshots fill the quota of 100 (Sat to Mon)                    | the update deletes its own copy beyond keepCopies, then copies into the room: restored  |
 * | 13    | 2026-06-21 | a colleague has 5 copies in flight from 01:30 to 07:30                        | the update and every check fail to start the copy; at 06:00 the cycle fails saying why  |
 * | 15    | 2026-07-19 | Wed 07-08 an operator sets both `current` by hand and starts the pipeline     | cycle 15's update leaves them (and the copy named) alone; its restore replaces them     |
 * | 17    | 2026-08-16 | the documentdb copy takes 5 hours                                             | the checks wait until 06:00, then the cycle fails "is copying"; nothing promoted        |
 * | 18-19 | 08-30/09-13| production shares nothing (off Sat 08-15 23:00Z, on again Sun 09-13 12:00Z)   | both restore cycle 17's snapshot again, from its slow copy; cycle 20 is fresh           |
 * | 21    | 2026-10-11 | Wed 10-07 the pipeline is renamed through pipelineName (pulumi up)            | restored; the pipeline execution goes to the new pipeline                               |
 * | 22    | 2026-10-25 | none: 02:00 happens twice (clocks fall back)                                  | one cycle, started at the first 02:00; restored                                         |
 * | 23    | 2026-11-08 | production takes extra snapshots at 02:05, shared at 02:15, while it waits    | restored from the 22:00 snapshots: the extra ones, taken after the start, are the next  |
 * | 24    | 2026-11-22 | Wed 11-18 documentdb's sourceClusters becomes [catalog-v2] (pulumi up)        | restored from catalog-v2; latest, the target and retention keep to followed clusters    |
 * | 25    | 2026-12-06 | whenCopyNotReady restore-available (pulumi up Wed 12-02); 5 copies in flight   | the checks wait (no fallback while waiting helps), then copy and restore the cycle's    |
 * |       |            | until 02:01, the restore's copy start throttled 02:05-02:11                   | data                                                                                    |
 * | 26    | 2026-12-20 | StartPipelineExecution's answer is lost (CodePipeline started it)             | the restore finds the execution it started, keeps the parameters: restored              |
 */
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import {
    ACCEPTANCE_ACCOUNT,
    ACCEPTANCE_KMS_KEY_ARN,
    clusterSnapshotArn,
    PRODUCTION_ACCOUNT,
    PRODUCTION_KMS_KEY_ARN,
    STRANGER_KMS_KEY_ARN,
} from "./accounts";
import { isOwnCopy } from "./invariants";
import { CycleExpectation } from "./ledger";
import { ENGINE_VALUE } from "./production-account";
import { ACCEPTANCE_LIMITS, SimulatedWorld, SimulationConfig } from "./simulation";
import { statusAt, StoredSnapshot } from "./snapshot-store";

const COMPONENT_NAME = "snapshot-refresh";
export const PIPELINE = "acceptance-main";
export const RENAMED_PIPELINE = "acceptance-main-v2";
export const ARGS: SnapshotRefreshArgs = {
    sourceAccountId: PRODUCTION_ACCOUNT,
    pipelineName: PIPELINE,
    engines: ["aurora", { engine: "documentdb", kmsKeyArn: ACCEPTANCE_KMS_KEY_ARN }],
    cadence: "every 2 weeks on sunday at 02:00",
    timezone: "Europe/Amsterdam",
};

export const FIRST_CYCLE = "2026-01-04";
export const CYCLE_COUNT = 26;
const MS_PER_DAY = 86_400_000;

export function cycleDate(cycle: number): string {
    return addDays(FIRST_CYCLE, (cycle - 1) * 14);
}

const QUOTA = /documentdb \(SnapshotQuotaError: cannot copy .*reached a snapshot quota/;
const NOT_STARTED_BY_WINDOW_END = /the copy snapshot-refresh-documentdb-\S+ of the cycle's newest shared snapshot \S+ does not exist, and the maintenance window ended at \S+: no later check could wait/;

/** Per cycle of the faulted year, what must happen; every cycle not listed restores the newest data. */
const FAULT_EXPECTATIONS: Record<number, CycleExpectation> = {
    5: { outcome: "failed", restoreError: /nothing was restored and no parameter was changed: documentdb: the copy \S+ of the cycle's newest shared snapshot \S+ is failed; the next db-update-latest-snapshot-id run deletes it/ },
    13: { outcome: "failed", updateError: QUOTA, restoreError: NOT_STARTED_BY_WINDOW_END },
    17: { outcome: "failed", restoreError: /the copy snapshot-refresh-documentdb-\S+ of the cycle's newest shared snapshot \S+ is copying, and the maintenance window ended at/ },
    25: { outcome: "restored", updateError: QUOTA },
};

/** What the fault injections found or chose, for the assertions about them. */
export interface Observations {
    deletedLatest?: string;
    deletedNewCopy?: string;
    quotaFillers: string[];
    operatorValues: Record<string, string>;
    operatorCopy?: StoredSnapshot;
    strangerSnapshots: StoredSnapshot[];
    extraSnapshots: StoredSnapshot[];
}

export interface YearOptions {
    /** The component's arguments. Default: {@link ARGS}. */
    args?: SnapshotRefreshArgs;
    /** Whether to inject the faults of the table above (and deploy the changes they come with). */
    faults: boolean;
}

function config(options: YearOptions): SimulationConfig {
    return {
        componentName: COMPONENT_NAME,
        args: options.args ?? ARGS,
        worldStart: new Date("2025-11-01T00:00:00Z"),
        production: {
            clusters: [
                { identifier: "orders", engine: "aurora", kmsKeyArn: PRODUCTION_KMS_KEY_ARN },
                { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN },
            ],
            // Well clear of a cycle's start (00:00 or 01:00 UTC): straddling-snapshot.test.ts has jobs that are not.
            dailyAtUtc: "22:00",
            creationMinutes: 45,
            retentionDays: 60,
        },
        firingsFrom: "2026-01-01",
        firingsUntil: "2027-01-01",
        firstCycleDate: FIRST_CYCLE,
        cycleEveryDays: 14,
        cycleCount: CYCLE_COUNT,
        cycleTime: "02:00",
        snapshotApi: ACCEPTANCE_LIMITS,
        expectation: (cycle) => (options.faults ? FAULT_EXPECTATIONS[cycle] : undefined) ?? { outcome: "restored" },
    };
}

/** Builds the year, ready to run: production's history, the people, the first `pulumi up`, and the faults. */
export async function simulatedYear(options: YearOptions): Promise<{ world: SimulatedWorld; seen: Observations }> {
    const world = await SimulatedWorld.create(config(options));
    const seen: Observations = { quotaFillers: [], operatorValues: {}, strangerSnapshots: [], extraSnapshots: [] };
    const { aws, colleague, stranger } = world;

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
    if (options.faults) await injectFaults(world, seen);
    return { world, seen };
}

async function injectFaults(world: SimulatedWorld, seen: Observations): Promise<void> {
    const { aws, colleague, stranger, operator, production } = world;
    const names = world.firstDeployment.parameterNames;
    const functions = world.firstDeployment.functions;
    const renamed = await world.prepare({ ...ARGS, pipelineName: RENAMED_PIPELINE });
    const catalogV2Engines: SnapshotRefreshArgs["engines"] = ["aurora", { engine: "documentdb", kmsKeyArn: ACCEPTANCE_KMS_KEY_ARN, sourceClusters: ["catalog-v2"] }];
    const followingCatalogV2 = await world.prepare({ ...ARGS, pipelineName: RENAMED_PIPELINE, engines: catalogV2Engines });
    const restoringAvailable = await world.prepare({ ...ARGS, pipelineName: RENAMED_PIPELINE, engines: catalogV2Engines, whenCopyNotReady: "restore-available" });

    // Cycle 2: two of the restore's checks meet a throttling burst on describe.
    aws.faults.addBurst({
        label: "describe throttled", service: "rds-family", command: "DescribeDBClusterSnapshots",
        from: world.localInstant(cycleDate(2), "02:15"), until: world.localInstant(cycleDate(2), "02:35"),
    });
    // Cycle 3: the update's copy meets a throttling burst.
    aws.faults.addBurst({
        label: "copy throttled", service: "rds-family", command: "CopyDBClusterSnapshot",
        from: world.localInstant(cycleDate(3), "02:00"), until: world.localInstant(cycleDate(3), "02:05"),
    });
    // Cycles 5 and 17: the copy the update starts that day fails, or takes five hours.
    const copyStartedOn = (date: string, at: Date) => world.zone.localDate(at.getTime()) === date;
    aws.snapshots.copyTimingRules.push(({ caller, at }) =>
        caller.label !== functions.update.caller.label ? undefined
            : copyStartedOn(cycleDate(5), at) ? { minutes: 25, outcome: "failed" }
                : copyStartedOn(cycleDate(17), at) ? { minutes: 300, outcome: "available" }
                    : undefined);
    // Cycle 8: a stranger shares snapshots newer than production's, named like production's.
    aws.timeline.schedule(new Date(`${addDays(cycleDate(8), -1)}T23:30:00Z`), "a stranger shares newer snapshots", () => {
        seen.strangerSnapshots.push(
            stranger.shareSnapshot({ identifier: "orders-manual-20260411-2330", clusterIdentifier: "orders", engine: "aurora", minutes: 10 }),
            stranger.shareSnapshot({ identifier: "catalog-manual-20260411-2330", clusterIdentifier: "catalog", engine: "documentdb", minutes: 10, kmsKeyId: STRANGER_KMS_KEY_ARN }),
        );
    });
    // Cycle 9: while the cycle waits, a colleague deletes the copy `latest` names and the copy in progress, which
    // is the copy of the cycle's data: the restore has to make it again.
    world.at(cycleDate(9), "02:15", "a colleague deletes the copy documentdb_latest names and the copy in progress", () => {
        const latest = aws.store.byArn(aws.parameters.value(names.documentdb.latest) ?? "");
        const newCopy = world.cycle(9).updates[0]?.copiesStarted[0];
        seen.deletedLatest = latest?.arn;
        seen.deletedNewCopy = newCopy?.identifier;
        colleague.deleteSnapshots([latest, newCopy].flatMap((snapshot) => (snapshot === undefined ? [] : [snapshot.identifier])));
    });
    // Cycle 11: a colleague's load test fills the manual snapshot quota from Saturday to Monday.
    world.at(addDays(cycleDate(11), -1), "12:00", "a colleague fills the snapshot quota", () => {
        seen.quotaFillers = colleague.fillUpTo(100, "load-test");
    });
    world.at(addDays(cycleDate(11), 1), "09:00", "the colleague deletes the load test's snapshots", () => colleague.deleteSnapshots(seen.quotaFillers));
    // Cycle 13: a colleague has five copies in flight through the whole maintenance window.
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
    production.switchSharing(new Date(`${addDays(cycleDate(17), -1)}T23:00:00Z`), false);
    production.switchSharing(new Date(`${cycleDate(19)}T12:00:00Z`), true);
    // Cycle 21: the pipeline is renamed the only supported way: a new pipeline, pipelineName, pulumi up.
    world.at(addDays(cycleDate(21), -5), "15:00", "the new pipeline is created", () => aws.pipelines.create(RENAMED_PIPELINE));
    world.at(addDays(cycleDate(21), -4), "10:00", "pulumi up with the renamed pipeline", () => {
        world.deploy(renamed);
        aws.pipelines.delete(PIPELINE);
    });
    // Cycle 23: production takes and shares extra snapshots after the cycle's start, while it waits for its copy.
    world.at(cycleDate(23), "02:05", "production takes extra snapshots", () => {
        production.takeSnapshots(10);
        seen.extraSnapshots = aws.store.ownedBy(PRODUCTION_ACCOUNT).filter((snapshot) => snapshot.startedAt.getTime() === aws.timeline.nowMs());
    });
    // Cycle 24: production moves its documentdb data to a new cluster; the stack follows it from then on.
    production.addCluster(new Date(`${addDays(cycleDate(24), -12)}T12:00:00Z`), { identifier: "catalog-v2", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN });
    world.at(addDays(cycleDate(24), -4), "10:00", "pulumi up following catalog-v2", () => world.deploy(followingCatalogV2));
    // Cycle 25: restore-available, and a copy that cannot start at first: the cycle must wait, not fall back.
    world.at(addDays(cycleDate(25), -4), "10:00", "pulumi up with whenCopyNotReady: restore-available", () => world.deploy(restoringAvailable));
    world.at(cycleDate(25), "01:01", "a colleague starts five copies for an hour", () => {
        for (let index = 1; index <= 5; index++) colleague.copySnapshot(`ops-baseline-${index}`, `ops-copy-again-${index}`, 60);
    });
    aws.faults.addBurst({
        label: "the restore's copy throttled", service: "rds-family", command: "CopyDBClusterSnapshot", caller: functions.restore.caller.label,
        from: world.localInstant(cycleDate(25), "02:05"), until: world.localInstant(cycleDate(25), "02:11"),
    });
    // Cycle 26: CodePipeline starts the execution, and its answer is lost on the way back.
    aws.faults.addLostAnswer({
        label: "pipeline start answer lost", service: "codepipeline", command: "StartPipelineExecution", caller: functions.restore.caller.label,
        from: world.localInstant(cycleDate(26), "02:00"), until: world.localInstant(cycleDate(26), "06:00"),
    });
}

export function addDays(date: string, days: number): string {
    return new Date(Date.parse(`${date}T00:00:00Z`) + days * MS_PER_DAY).toISOString().slice(0, 10);
}
