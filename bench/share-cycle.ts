import { ACCEPTANCE_ACCOUNT } from "../test/simulation/accounts";
import { ApiCall } from "../test/simulation/fake-aws";
import { SimulatedWorld } from "../test/simulation/simulation";
import { StoredSnapshot } from "../test/simulation/snapshot-store";
import { SHARE_ARGS, twoAccountYear } from "../test/simulation/two-accounts";

const MINUTE = 60_000;

export interface ProductionToPipelineLags {
    label: string;
    /** Per restored acceptance cycle: minutes from production's automated snapshot to the acceptance pipeline's start. */
    minutes: number[];
    /** Per restored cycle, the same split at the moment production shared the copy: snapshot -> shared, shared -> pipeline. */
    toShared: number[];
    toPipeline: number[];
    cycles: number;
}

/**
 * The year of both stacks (test/simulation/two-accounts.ts): for each acceptance cycle, the minutes from the
 * SnapshotCreateTime of the production automated snapshot whose data it restored to the acceptance pipeline's
 * start. Per cycle the older of the engines' data counts (the pipeline restores both).
 */
export async function measureProductionToPipeline(faults: boolean): Promise<ProductionToPipelineLags> {
    const world = await twoAccountYear({ faults });
    await world.run();
    const byArn = new Map(world.aws.store.everything().map((snapshot) => [snapshot.arn, snapshot]));
    const chain = (arn: string): StoredSnapshot[] => {
        const snapshots: StoredSnapshot[] = [];
        for (let snapshot = byArn.get(arn); snapshot !== undefined; snapshot = snapshot.sourceArn === undefined ? undefined : byArn.get(snapshot.sourceArn)) snapshots.push(snapshot);
        return snapshots;
    };
    const lags: ProductionToPipelineLags = { label: faults ? "with the test's production faults" : "no faults", minutes: [], toShared: [], toPipeline: [], cycles: world.cycles.length };
    for (const cycle of world.cycles.filter((candidate) => candidate.executions.length === 1)) {
        const pipelineStart = cycle.executions[0].startTime.getTime();
        const perEngine = world.deployment.settings.engines.map((engine) => {
            const snapshots = chain(cycle.executions[0].restores[engine.currentParameter]);
            const automated = snapshots.at(-1)!;
            const productionCopy = snapshots.find((snapshot) => snapshot.account === automated.account && snapshot !== automated)!;
            const sharedAt = productionCopy.shares.find((share) => share.account === ACCEPTANCE_ACCOUNT)!.at.getTime();
            return { takenAt: automated.startedAt.getTime(), sharedAt };
        });
        const oldest = perEngine.reduce((older, engine) => (engine.takenAt < older.takenAt ? engine : older));
        lags.minutes.push((pipelineStart - oldest.takenAt) / MINUTE);
        lags.toShared.push((oldest.sharedAt - oldest.takenAt) / MINUTE);
        lags.toPipeline.push((pipelineStart - oldest.sharedAt) / MINUTE);
    }
    return lags;
}

export interface ShareCycleCalls {
    targets: number;
    cycle: string;
    /** Checks the execution made after its first run (one per copyRecheckMinutes while the copies were in progress). */
    checks: number;
    calls: { call: string; made: number; minimum: number; why: string }[];
}

/**
 * The AWS calls of one steady-state share cycle (two clusters, keepShared 2, 40-minute copies, a check every 10
 * minutes) with 1 and with 20 target accounts, counted at the simulated endpoint, against the fewest calls any
 * implementation needs: find the source and the account's own copies, copy, see the copy available once, share
 * it, and unshare and delete the copy it replaces.
 */
export async function measureShareCycleCalls(targetCount: number): Promise<ShareCycleCalls> {
    const extraTargets = Array.from({ length: targetCount - 1 }, (_, index) => String(500000000000 + index));
    const world = await twoAccountYear({ faults: false, shareArgs: { ...SHARE_ARGS, targetAccountIds: [ACCEPTANCE_ACCOUNT, ...extraTargets] }, until: "2026-02-08" });
    await world.run();
    // The third share cycle: keepShared copies of each cluster exist, and the cycle replaces the oldest.
    const name = "share-2026-01-31";
    const calls = shareCallsOf(world, name);
    const clusters = world.share!.deployment.settings.clusters.length;
    const count = (command: string, request?: RegExp) => calls.filter((call) => call.command === command && (request === undefined || request.test(call.request ?? ""))).length;
    const runs = world.share!.runs.filter((run) => run.execution?.name === name).length;
    return {
        targets: targetCount,
        cycle: name,
        checks: runs - 1,
        calls: [
            { call: "DescribeDBClusterSnapshots manual (the account's own copies)", made: count("DescribeDBClusterSnapshots", /^manual/), minimum: 2, why: "once to find its copies, once to see the new ones available" },
            { call: "DescribeDBClusterSnapshots automated (per cluster)", made: count("DescribeDBClusterSnapshots", /^automated/), minimum: clusters, why: "the newest automated snapshot, once per cluster" },
            { call: "CopyDBClusterSnapshot", made: count("CopyDBClusterSnapshot"), minimum: clusters, why: "one copy per cluster" },
            { call: "DescribeDBClusterSnapshotAttributes", made: count("DescribeDBClusterSnapshotAttributes"), minimum: 0, why: "whom a copy is shared with: none needed if remembered" },
            { call: "ModifyDBClusterSnapshotAttribute", made: count("ModifyDBClusterSnapshotAttribute"), minimum: 2 * clusters, why: "share the new copy, unshare the one it replaces (all accounts in one request)" },
            { call: "DeleteDBClusterSnapshot", made: count("DeleteDBClusterSnapshot"), minimum: clusters, why: "the copy beyond keepShared" },
        ],
    };
}

function shareCallsOf(world: SimulatedWorld, executionName: string): ApiCall[] {
    return world.share!.runs.filter((run) => run.kind === "share" && run.execution?.name === executionName).flatMap((run) => run.calls);
}
