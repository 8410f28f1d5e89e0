import { EngineName, isEngineName } from "../engines";
import { isWholeMinutes, parseSettings, settingsOrThrow } from "../settings";

/**
 * Where a share cycle's data comes from: `automated`, the cluster's newest automated snapshot (no load on the
 * cluster), or `fresh`, a manual snapshot the cycle takes of the cluster when it starts.
 */
export type SnapshotSource = "automated" | "fresh";

export const SNAPSHOT_SOURCES: readonly SnapshotSource[] = ["automated", "fresh"];

/** AWS shares a manual snapshot with at most 20 accounts. */
export const MAX_TARGET_ACCOUNTS = 20;

/** A cluster of this account whose snapshots are shared. */
export interface SharedCluster {
    engine: EngineName;
    clusterIdentifier: string;
}

/** Everything the share function needs at run time; the SnapshotShare component serializes it into its environment. */
export interface ShareSettings {
    /** The component's name; tags the snapshots and every log line. */
    instanceName: string;
    /** The accounts each shared snapshot is shared with: exactly these. */
    targetAccountIds: string[];
    clusters: SharedCluster[];
    /** Shared copies kept per cluster, newest first; older ones are unshared, then deleted. */
    keepShared: number;
    /** The customer-managed key copies are encrypted with; its key policy lets the target accounts use it. */
    kmsKeyArn: string;
    source: SnapshotSource;
    /** Prefix of the identifiers of the snapshots this instance makes: nothing else is ever shared or deleted. */
    snapshotIdentifierPrefix: string;
    /** Minutes from a cycle's start during which it waits for snapshots and copies in progress. */
    maintenanceWindowMinutes: number;
    /** Minutes between two checks of a snapshot or copy in progress. */
    copyRecheckMinutes: number;
    /**
     * The SSM parameter that pauses the instance without a deployment (`/snapshot-refresh/<instance>/paused-until`):
     * `none`, `indefinitely` or the time the pause ends.
     */
    pauseParameter: string;
    /** `snapshot-refresh:paused`: the deployed pause, which only `pulumi up` ends. Default false. */
    paused: boolean;
}

/**
 * Reads the settings the SnapshotShare component put into the function's environment. A function whose
 * environment was edited by hand fails here with what is wrong, before it touches a snapshot.
 */
export function readShareSettings(environment: NodeJS.ProcessEnv): ShareSettings {
    const settings = parseSettings(environment) as Partial<ShareSettings> | null;
    const problems: string[] = [];
    if (typeof settings !== "object" || settings === null) {
        problems.push("it is not an object");
    } else {
        for (const key of ["instanceName", "kmsKeyArn", "snapshotIdentifierPrefix", "pauseParameter"] as const) {
            if (typeof settings[key] !== "string" || settings[key] === "") problems.push(`${key} is missing`);
        }
        const targets = settings.targetAccountIds;
        if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_TARGET_ACCOUNTS || new Set(targets).size !== targets.length ||
            targets.some((account) => typeof account !== "string" || !/^\d{12}$/.test(account))) {
            problems.push(`targetAccountIds is not a list of 1 to ${MAX_TARGET_ACCOUNTS} distinct account ids`);
        }
        const clusters = settings.clusters;
        if (!Array.isArray(clusters) || clusters.length === 0 ||
            clusters.some((cluster) => !isEngineName(cluster?.engine) || typeof cluster.clusterIdentifier !== "string" || cluster.clusterIdentifier === "") ||
            new Set(clusters.map((cluster) => cluster.clusterIdentifier.toLowerCase())).size !== clusters.length) {
            problems.push("clusters is not a list of engines and distinct cluster identifiers");
        }
        if (!Number.isInteger(settings.keepShared) || (settings.keepShared ?? 0) < 1) problems.push("keepShared is not a whole number of at least 1");
        if (!SNAPSHOT_SOURCES.includes(settings.source as SnapshotSource)) problems.push("source is neither automated nor fresh");
        if (!isWholeMinutes(settings.maintenanceWindowMinutes)) problems.push("maintenanceWindowMinutes is not a whole number of minutes");
        // Zero would make every check follow the last at once.
        if (!isWholeMinutes(settings.copyRecheckMinutes) || settings.copyRecheckMinutes === 0) problems.push("copyRecheckMinutes is not a whole number of minutes, at least 1");
        if (typeof settings.paused !== "boolean") problems.push("paused is not true or false");
    }
    return settingsOrThrow(settings as ShareSettings, problems);
}
