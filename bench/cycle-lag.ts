import { SnapshotRefreshArgs } from "../components/refresh/args";
import { isOwnCopy } from "../test/simulation/invariants";
import { CycleRecord } from "../test/simulation/ledger";
import { SimulatedWorld } from "../test/simulation/simulation";
import { statusAt } from "../test/simulation/snapshot-store";
import { ARGS, simulatedYear } from "../test/simulation/year";

const MINUTE = 60_000;

/**
 * The design before the refresh cycle ran on Step Functions: the restore's first attempt 120 minutes after the
 * update (restoreDelayMinutes), then every 15 minutes until 240 minutes after it.
 */
const PREVIOUS_DESIGN = { firstAttemptMinutes: 120, recheckMinutes: 15, lastAttemptMinutes: 225 };

export interface CycleLags {
    label: string;
    cycles: number;
    /** Per restored cycle: minutes from the cycle's start to the pipeline's start. */
    minutes: number[];
    /**
     * The same cycles under the previous design: the first of its attempts (at 120, 135, ... 225 minutes) at
     * which every copy the restored data needed was available. Computed from this year's copy times.
     */
    previousDesignMinutes: number[];
    failed: number;
}

export interface CycleLagFigures {
    withCopy: CycleLags;
    withoutCopy: CycleLags;
    faultedYear: CycleLags;
}

/**
 * Runs the simulated year three times: without faults with the documentdb copy (the default), without faults
 * and without copies (documentdb restores straight from the shared snapshot), and with the faults of the test.
 */
export async function measureCycleLags(): Promise<CycleLagFigures> {
    const withoutCopies: SnapshotRefreshArgs = { ...ARGS, engines: ["aurora", { engine: "documentdb", copy: false }] };
    return {
        withCopy: await lagsOf("no faults, documentdb restores from a copy (40 minutes)", { faults: false }),
        withoutCopy: await lagsOf("no faults, no engine copies", { faults: false, args: withoutCopies }),
        faultedYear: await lagsOf("the test's year, with its faults", { faults: true }),
    };
}

async function lagsOf(label: string, options: Parameters<typeof simulatedYear>[0]): Promise<CycleLags> {
    const { world } = await simulatedYear(options);
    await world.run();
    const restored = world.cycles.filter((cycle) => cycle.executions.length === 1);
    return {
        label,
        cycles: world.cycles.length,
        minutes: restored.map((cycle) => (cycle.executions[0].startTime.getTime() - cycle.cycleStart.getTime()) / MINUTE),
        previousDesignMinutes: restored.flatMap((cycle) => {
            const ready = dataReadyMinutes(world, cycle);
            const attempt = Math.max(PREVIOUS_DESIGN.firstAttemptMinutes,
                PREVIOUS_DESIGN.firstAttemptMinutes + Math.ceil((ready - PREVIOUS_DESIGN.firstAttemptMinutes) / PREVIOUS_DESIGN.recheckMinutes) * PREVIOUS_DESIGN.recheckMinutes);
            return attempt <= PREVIOUS_DESIGN.lastAttemptMinutes ? [attempt] : [];
        }),
        failed: world.cycles.length - restored.length,
    };
}

/** Minutes from the cycle's start until a copy of every engine's restored data was available (0 when none was needed). */
function dataReadyMinutes(world: SimulatedWorld, cycle: CycleRecord): number {
    const restoredAtMs = cycle.executions[0].startTime.getTime();
    const readyMs = world.deployment.settings.engines.filter((engine) => engine.copy).map((engine) => {
        const copies = world.aws.store.everything().filter((snapshot) => isOwnCopy(world, snapshot) &&
            snapshot.sourceArn === cycle.expectedData[engine.engine] && statusAt(snapshot, restoredAtMs) === "available");
        return Math.min(...copies.map((copy) => copy.readyAt.getTime()));
    });
    return Math.max(0, ...readyMs.map((ms) => (ms - cycle.cycleStart.getTime()) / MINUTE));
}
