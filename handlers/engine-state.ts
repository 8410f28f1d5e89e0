import { ClusterSnapshotApi } from "./cluster-snapshots";
import { SNAPSHOT_ENGINE_VALUES } from "./engines";
import { EngineSettings } from "./settings";
import {
    accountOfArn,
    byNewestSource,
    ClusterSnapshot,
    copyIdentifier,
    isNewer,
    isUsableShared,
    OwnCopy,
    parseCopyIdentifier,
    snapshotState,
} from "./snapshots";

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
    copyIdentifierPrefix: string;
    /** Ignore shared snapshots created after this instant (the restore looks at what its cycle started with). */
    sharedCreatedBy?: Date;
}

export async function inspectEngine(
    api: ClusterSnapshotApi,
    engine: EngineSettings,
    options: InspectOptions,
): Promise<EngineState> {
    const [newestShared, ownCopies] = await Promise.all([
        findNewestShared(api, engine, options),
        engine.copy ? listOwnCopies(api, engine, options) : Promise.resolve([]),
    ]);
    if (!engine.copy || newestShared === undefined) return { newestShared, ownCopies };
    const copyIdentifierOfNewest = copyIdentifier(options.copyIdentifierPrefix, engine.engine, newestShared);
    const copyOfNewest = ownCopies.find((copy) => copy.snapshot.identifier === copyIdentifierOfNewest);
    return { newestShared, ownCopies, copyIdentifierOfNewest, copyOfNewest };
}

/** The newest copy a restore can use now. */
export function newestAvailableCopy(state: EngineState): OwnCopy | undefined {
    return state.ownCopies.find((copy) => snapshotState(copy.snapshot) === "available");
}

/** Streams the pages, keeping only the newest match: thousands of shared snapshots never sit in memory. */
async function findNewestShared(
    api: ClusterSnapshotApi,
    engine: EngineSettings,
    options: InspectOptions,
): Promise<ClusterSnapshot | undefined> {
    const filter = { engine: engine.engine, sourceAccountId: options.sourceAccountId, sourceClusters: engine.sourceClusters };
    let newest: ClusterSnapshot | undefined;
    for await (const page of api.sharedPages()) {
        for (const snapshot of page) {
            if (!isUsableShared(snapshot, filter)) continue;
            if (options.sharedCreatedBy && snapshot.createdAt! > options.sharedCreatedBy) continue;
            if (isNewer(snapshot, newest)) newest = snapshot;
        }
    }
    return newest;
}

/**
 * This instance's copies: the identifier pattern it makes, and, where AWS reports the copy's source, a source in
 * the configured account. Anything else in the account is never touched.
 */
async function listOwnCopies(api: ClusterSnapshotApi, engine: EngineSettings, options: InspectOptions): Promise<OwnCopy[]> {
    const copies: OwnCopy[] = [];
    for await (const page of api.manualPages()) {
        for (const snapshot of page) {
            const identity = parseCopyIdentifier(options.copyIdentifierPrefix, snapshot.identifier);
            if (identity?.engine !== engine.engine) continue;
            if (snapshot.engine !== "" && !SNAPSHOT_ENGINE_VALUES[engine.engine].includes(snapshot.engine)) continue;
            if (snapshot.sourceArn !== undefined && accountOfArn(snapshot.sourceArn) !== options.sourceAccountId) continue;
            copies.push({ snapshot, sourceCreatedAt: identity.sourceCreatedAt });
        }
    }
    return copies.sort(byNewestSource);
}
