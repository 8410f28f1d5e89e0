import { ClusterSnapshotApi } from "../cluster-snapshots";
import { EngineName, isSnapshotOfEngine } from "../engines";
import { EngineSettings } from "./settings";
import {
    accountOfArn,
    byNewestSource,
    ClusterSnapshot,
    copyIdentifier,
    isNewer,
    isOfFollowedCluster,
    isUsableShared,
    OwnCopy,
    parseCopyIdentifier,
    snapshotState,
} from "../snapshots";

/** What AWS says about one engine's snapshots, read once and shared by every decision of a run. */
export interface EngineState {
    /** The newest usable snapshot the source account shares for this engine. */
    newestShared?: ClusterSnapshot;
    /** This instance's copies for this engine, newest data first (empty for engines that need no copy). */
    ownCopies: OwnCopy[];
    /** The identifier the copy of `newestShared` has or will have (copy engines only). */
    copyIdentifierOfNewest?: string;
    /** That copy, if it exists in any state. */
    copyOfNewest?: OwnCopy;
}

export interface InspectOptions {
    sourceAccountId: string;
    /** Only shared snapshots whose identifier starts with this count, when set. */
    sourceSnapshotPrefix?: string;
    copyIdentifierPrefix: string;
    /** Ignore shared snapshots created after this instant (the restore looks at what its cycle started with). */
    sharedCreatedBy?: Date;
}

/**
 * Reads every engine's snapshots in one pass over each listing. The RDS endpoint lists Aurora and DocumentDB
 * cluster snapshots alike, so one scan of the shared snapshots (and one of this account's manual ones) serves
 * all engines: a run reads each page once, however many engines it refreshes.
 */
export async function inspectEngines(
    listing: ClusterSnapshotApi,
    engines: readonly EngineSettings[],
    options: InspectOptions,
): Promise<Map<EngineName, EngineState>> {
    const copyingEngines = engines.filter((engine) => engine.copy);
    const [newestShared, ownCopies] = await Promise.all([
        findNewestShared(listing, engines, options),
        copyingEngines.length > 0 ? listOwnCopies(listing, copyingEngines, options) : Promise.resolve(new Map<EngineName, OwnCopy[]>()),
    ]);
    return new Map(engines.map((engine) => [engine.engine, engineState(engine, newestShared.get(engine.engine), ownCopies.get(engine.engine) ?? [], options)]));
}

/** The newest copy of a followed cluster that a restore can use now. */
export function newestAvailableCopy(state: Pick<EngineState, "ownCopies">): OwnCopy | undefined {
    return state.ownCopies.find((copy) => copy.followed && snapshotState(copy.snapshot) === "available");
}

function engineState(engine: EngineSettings, newestShared: ClusterSnapshot | undefined, ownCopies: OwnCopy[], options: InspectOptions): EngineState {
    if (!engine.copy || newestShared === undefined) return { newestShared, ownCopies };
    const copyIdentifierOfNewest = copyIdentifier(options.copyIdentifierPrefix, engine.engine, newestShared);
    const copyOfNewest = ownCopies.find((copy) => copy.snapshot.identifier === copyIdentifierOfNewest);
    return { newestShared, ownCopies, copyIdentifierOfNewest, copyOfNewest };
}

/** Streams the pages, keeping only each engine's newest match: thousands of snapshots never sit in memory. */
async function findNewestShared(
    listing: ClusterSnapshotApi,
    engines: readonly EngineSettings[],
    options: InspectOptions,
): Promise<Map<EngineName, ClusterSnapshot>> {
    const filters = engines.map((engine) => ({
        engine: engine.engine,
        filter: {
            engine: engine.engine,
            sourceAccountId: options.sourceAccountId,
            sourceClusters: engine.sourceClusters,
            identifierPrefix: options.sourceSnapshotPrefix,
        },
    }));
    const newest = new Map<EngineName, ClusterSnapshot>();
    for await (const page of listing.sharedPages()) {
        for (const snapshot of page) {
            if (options.sharedCreatedBy && snapshot.createdAt !== undefined && snapshot.createdAt > options.sharedCreatedBy) continue;
            for (const { engine, filter } of filters) {
                if (isUsableShared(snapshot, filter) && isNewer(snapshot, newest.get(engine))) newest.set(engine, snapshot);
            }
        }
    }
    return newest;
}

/**
 * This instance's copies, per engine: the identifier pattern it makes, of the engine, and, where AWS reports
 * the copy's source, a source in the configured account. Anything else in the account is never touched. Each
 * copy says whether its cluster is still followed (a copy keeps its source's cluster identifier).
 */
async function listOwnCopies(
    listing: ClusterSnapshotApi,
    engines: readonly EngineSettings[],
    options: InspectOptions,
): Promise<Map<EngineName, OwnCopy[]>> {
    const copies = new Map<EngineName, OwnCopy[]>(engines.map((engine) => [engine.engine, []]));
    const sourceClusters = new Map(engines.map((engine) => [engine.engine, engine.sourceClusters]));
    for await (const page of listing.manualPages()) {
        for (const snapshot of page) {
            const identity = parseCopyIdentifier(options.copyIdentifierPrefix, snapshot.identifier);
            const engineCopies = identity === undefined ? undefined : copies.get(identity.engine);
            if (identity === undefined || engineCopies === undefined) continue;
            if (snapshot.engine !== "" && !isSnapshotOfEngine(identity.engine, snapshot.engine)) continue;
            if (snapshot.sourceArn !== undefined && accountOfArn(snapshot.sourceArn) !== options.sourceAccountId) continue;
            const followed = isOfFollowedCluster(snapshot, sourceClusters.get(identity.engine) ?? []);
            engineCopies.push({ snapshot, sourceCreatedAt: identity.sourceCreatedAt, followed });
        }
    }
    for (const engineCopies of copies.values()) engineCopies.sort(byNewestSource);
    return copies;
}
