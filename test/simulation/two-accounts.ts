/**
 * Both sides for a year: production runs the SnapshotShare stack and acceptance the SnapshotRefresh stack, each
 * deployed from the component as the program deploys it, acceptance reading production's outputs through its
 * sourceStack. Production's clusters take automated backups every evening at 20:00 UTC (orders under the
 * AWS-managed `aws/rds` key, which cannot be shared, catalog under production's own key); the share cycle copies
 * and shares them every other Saturday at 23:00, the night before each refresh cycle (every other Sunday at
 * 02:00, Europe/Amsterdam). With keepShared 2 production still holds what acceptance's `current` names when it
 * deletes a copy: the simulation checks it.
 *
 * | when (UTC)                 | what happens in production                                             | expected                                                              |
 * | -------------------------- | ---------------------------------------------------------------------- | --------------------------------------------------------------------- |
 * | Sat 2026-03-14 22:00       | the share cycle's copy of orders fails 20 minutes in                   | that cycle fails naming orders, deletes the copy, shares catalog      |
 * | Sat 2026-03-14 22:50       | an operator starts the share cycle again                               | it copies the same automated snapshot again; Sunday's refresh has it  |
 * | Sat 2026-05-09 21:30-22:05 | ModifyDBClusterSnapshotAttribute throttled                             | the checks wait and share at 22:10; Sunday's refresh has the new data |
 * | Wed 2026-07-01 10:00       | pulumi up with the test account removed from targetAccountIds          | the next share cycle (07-04) unshares every snapshot from it          |
 */
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { SnapshotShareArgs } from "../../components/share/args";
import { ACCEPTANCE_ACCOUNT, awsManagedRdsKeyArn, humanCaller, PRODUCTION_ACCOUNT, PRODUCTION_KMS_KEY_ARN, TEST_ACCOUNT } from "./accounts";
import { ACCEPTANCE_LIMITS, SimulatedWorld } from "./simulation";
import { ARGS, FIRST_CYCLE, PIPELINE } from "./year";

const PRODUCTION_STACK = "acme/snapshot-refresh/production";

export const SHARE_ARGS: SnapshotShareArgs = {
    targetAccountIds: [ACCEPTANCE_ACCOUNT, TEST_ACCOUNT],
    clusters: { aurora: ["orders"], documentdb: ["catalog"] },
    cadence: "every 2 weeks on saturday at 23:00 starting 2026-01-03",
    timezone: "Europe/Amsterdam",
    maintenanceWindowMinutes: 120,
};

/** The acceptance stack of the single-account year, reading production's outputs through sourceStack. */
const REFRESH_ARGS: SnapshotRefreshArgs = { ...ARGS, sourceStack: PRODUCTION_STACK, cadence: `every 2 weeks on sunday at 02:00 starting ${FIRST_CYCLE}` };

/** The share cycle whose orders copy fails, the operator's rerun, the one whose sharing is throttled, and the first after the test account goes. */
export const FAILED_COPY_SHARE_CYCLE = "share-2026-03-14";
export const RERUN_SHARE_CYCLE = "share-2026-03-14-again";
export const THROTTLED_SHARE_CYCLE = "share-2026-05-09";
export const TARGET_REMOVED_AT = new Date("2026-07-01T10:00:00Z");
export const FIRST_SHARE_CYCLE_WITHOUT_TEST = "share-2026-07-04";
/** Manual snapshots production's people take; the first has the exact form of a share copy's identifier. */
export const PEOPLES_SNAPSHOTS = ["snapshot-refresh-share-aurora-20251230t090000-0a1b2c3d", "orders-before-migration"];

export interface TwoAccountOptions {
    /** Inject the production faults of the table above. Default: true. */
    faults?: boolean;
    /** The production stack's arguments. Default: SHARE_ARGS. */
    shareArgs?: SnapshotShareArgs;
    /** The day the world stops (not included). Default: 2027-01-01, a whole year. */
    until?: string;
}

const MS_PER_DAY = 86_400_000;

export async function twoAccountYear(options: TwoAccountOptions = {}): Promise<SimulatedWorld> {
    const shareArgs = options.shareArgs ?? SHARE_ARGS;
    const until = options.until ?? "2027-01-01";
    const cycleCount = Math.ceil((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${FIRST_CYCLE}T00:00:00Z`)) / (14 * MS_PER_DAY));
    const world = await SimulatedWorld.create({
        componentName: "snapshot-refresh",
        args: REFRESH_ARGS,
        share: { componentName: "snapshot-refresh", args: shareArgs, stackName: PRODUCTION_STACK },
        worldStart: new Date("2025-12-20T00:00:00Z"),
        production: {
            clusters: [
                { identifier: "orders", engine: "aurora", kmsKeyArn: awsManagedRdsKeyArn(PRODUCTION_ACCOUNT) },
                { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN },
            ],
            // The backup window, 20:00 UTC, ends before the share cycle starts (23:00 in Amsterdam: 21:00 or 22:00 UTC).
            dailyAtUtc: "20:00",
            creationMinutes: 30,
            retentionDays: 7,
            dailySnapshots: "automated",
        },
        firingsFrom: "2026-01-01",
        firingsUntil: until,
        firstCycleDate: FIRST_CYCLE,
        cycleEveryDays: 14,
        cycleCount,
        cycleTime: "02:00",
        snapshotApi: ACCEPTANCE_LIMITS,
        expectation: () => ({ outcome: "restored" }),
    });
    const share = world.share!;
    const withoutTest = await share.prepare({ ...shareArgs, targetAccountIds: [ACCEPTANCE_ACCOUNT] });
    world.startProduction("2025-12-20");
    world.aws.pipelines.create(PIPELINE);
    const timeline = world.aws.timeline;
    timeline.schedule(new Date("2025-12-31T12:00:00Z"), "pulumi up in production", () => share.deploy());
    // Production's own manual snapshots, one named exactly like the share function's copies: never its to touch.
    timeline.schedule(new Date("2025-12-30T09:00:00Z"), "production's operators take manual snapshots", () => {
        for (const identifier of PEOPLES_SNAPSHOTS) {
            world.aws.snapshots.createSnapshot(world.production.caller, {
                identifier, clusterIdentifier: "orders", engine: "aurora-postgresql", engineVersion: "15.4", minutes: 30, kmsKeyId: PRODUCTION_KMS_KEY_ARN,
            });
        }
    });
    timeline.schedule(new Date("2026-01-01T12:00:00Z"), "pulumi up in acceptance", () => world.deploy());
    if (options.faults ?? true) {
        const shareCaller = share.deployment.functions.share.caller.label;
        world.aws.snapshots.copyTimingRules.push(({ caller, targetIdentifier, at }) =>
            caller.label === shareCaller && targetIdentifier.includes("-aurora-") &&
            at >= new Date("2026-03-14T21:30:00Z") && at < new Date("2026-03-14T22:30:00Z") ? { minutes: 20, outcome: "failed" } : undefined);
        timeline.schedule(new Date("2026-03-14T22:50:00Z"), "an operator starts the share cycle again", () => {
            world.aws.stepFunctions.startExecution(humanCaller("production operator", "bob"), { stateMachineArn: share.deployment.stateMachine.arn, name: RERUN_SHARE_CYCLE, input: "{}" });
        });
        world.aws.faults.addBurst({
            label: "production's sharing throttled",
            service: "rds-family",
            command: "ModifyDBClusterSnapshotAttribute",
            from: new Date("2026-05-09T21:30:00Z"),
            until: new Date("2026-05-09T22:05:00Z"),
            caller: shareCaller,
        });
        timeline.schedule(TARGET_REMOVED_AT, "pulumi up in production: the test account is no longer a target", () => share.deploy(withoutTest));
    }
    return world;
}
