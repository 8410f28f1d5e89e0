/**
 * A world around one cycle day, 2026-01-04 (a Sunday; 02:00 in Amsterdam is 01:00 UTC in winter): production
 * takes daily snapshots of "orders" (aurora) and "catalog" (documentdb, encrypted) from 2025-12-20, the main
 * pipeline exists, and the component's first `pulumi up` is on 2026-01-01.
 */
import { SnapshotRefreshArgs } from "../../components/refresh/args";
import { ACCEPTANCE_KMS_KEY_ARN, PRODUCTION_ACCOUNT, PRODUCTION_KMS_KEY_ARN } from "./accounts";
import { ACCEPTANCE_LIMITS, SimulatedWorld } from "./simulation";

export const CYCLE_DATE = "2026-01-04";

export const ONE_CYCLE_ARGS: SnapshotRefreshArgs = {
    sourceAccountId: PRODUCTION_ACCOUNT,
    pipelineName: "acceptance-main",
    engines: ["aurora", { engine: "documentdb", kmsKeyArn: ACCEPTANCE_KMS_KEY_ARN }],
    timezone: "Europe/Amsterdam",
};

export interface OneCycleOptions {
    args?: SnapshotRefreshArgs;
    /** UTC "HH:MM" of production's daily snapshots. Default: 22:00, well clear of the cycle's start. */
    productionDailyAtUtc?: string;
    /** Minutes a production snapshot takes before it is shared. Default: 45. */
    creationMinutes?: number;
    /** Whether the schedule fires on the cycle day; otherwise on the week after, when no cycle is due. Default: true. */
    firesOnCycleDay?: boolean;
    /** Firings (their `scheduledTime`) Scheduler delivers twice. Default: none. */
    redeliveredFirings?: readonly string[];
}

export async function oneCycleWorld(options: OneCycleOptions = {}): Promise<SimulatedWorld> {
    const firesOnCycleDay = options.firesOnCycleDay ?? true;
    const world = await SimulatedWorld.create({
        componentName: "snapshot-refresh",
        args: options.args ?? ONE_CYCLE_ARGS,
        worldStart: new Date("2025-12-20T00:00:00Z"),
        production: {
            clusters: [{ identifier: "orders", engine: "aurora" }, { identifier: "catalog", engine: "documentdb", kmsKeyArn: PRODUCTION_KMS_KEY_ARN }],
            dailyAtUtc: options.productionDailyAtUtc ?? "22:00",
            creationMinutes: options.creationMinutes ?? 45,
            retentionDays: 60,
        },
        firingsFrom: firesOnCycleDay ? CYCLE_DATE : "2026-01-11",
        firingsUntil: firesOnCycleDay ? "2026-01-05" : "2026-01-12",
        firstCycleDate: CYCLE_DATE,
        cycleEveryDays: 14,
        cycleCount: 1,
        cycleTime: "02:00",
        snapshotApi: ACCEPTANCE_LIMITS,
        expectation: () => ({ outcome: "restored" }),
        redeliveredFirings: options.redeliveredFirings,
    });
    world.startProduction("2025-12-20");
    world.aws.pipelines.create("acceptance-main");
    world.aws.timeline.schedule(new Date("2026-01-01T12:00:00Z"), "first pulumi up", () => world.deploy());
    return world;
}
