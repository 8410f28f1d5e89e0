import { EngineName, isEngineName } from "../engines";
import { isWholeMinutes, parseSettings, settingsOrThrow } from "../settings";

/** The value Pulumi gives a snapshot parameter when it creates it: no snapshot chosen yet. */
export const UNSET_SNAPSHOT = "none";

/** What the restore does when the cycle's snapshot has no usable copy once the maintenance window is over. */
export type CopyNotReadyPolicy = "fail" | "restore-available";

/** Everything one engine's refresh needs at run time. */
export interface EngineSettings {
    engine: EngineName;
    /** SSM parameter that records the newest usable snapshot. */
    latestParameter: string;
    /** SSM parameter the main pipeline restores from. */
    currentParameter: string;
    /** Source cluster identifiers to follow; empty means every cluster of the engine in the source account. */
    sourceClusters: string[];
    /** Whether a restore needs a copy of the shared snapshot in this account. */
    copy: boolean;
    /** Key ARN in this account that copies of encrypted snapshots are encrypted with. */
    kmsKeyArn?: string;
    /** How many of its own copies the tool keeps (newest first), besides those `latest` and `current` name. */
    keepCopies: number;
}

/** Everything both functions need at run time; the component serializes it into their environment. */
export interface RefreshSettings {
    /** The component's name; tags the copies and every log line. */
    instanceName: string;
    /** The production account that shares the snapshots: the only account whose snapshots are ever used. */
    sourceAccountId: string;
    /** When set, only shared snapshots whose identifier starts with it are used: those its SnapshotShare made. */
    sourceSnapshotPrefix?: string;
    /** Prefix of the identifiers of the copies this instance makes; nothing else is ever deleted. */
    copyIdentifierPrefix: string;
    /** SSM parameter that holds the main pipeline's name. */
    pipelineParameter: string;
    engines: EngineSettings[];
    whenCopyNotReady: CopyNotReadyPolicy;
    /** Minutes from a cycle's start during which the restore waits for copies still in progress. */
    maintenanceWindowMinutes: number;
    /** Minutes between two checks of a copy still in progress. */
    copyRecheckMinutes: number;
    /**
     * SSM parameter that pauses the instance (`/snapshot-refresh/<instance>/paused-until`): `none`, `indefinitely`
     * or the time the pause ends. A parameter that does not exist pauses nothing.
     */
    pauseParameter: string;
    /** The stack config's `snapshot-refresh:paused`: while true, a restore changes nothing and starts nothing. */
    paused: boolean;
}

/**
 * Reads the settings the SnapshotRefresh component put into the function's environment. A function whose
 * environment was edited by hand fails here with what is wrong, rather than half-way through a refresh.
 */
export function readSettings(environment: NodeJS.ProcessEnv): RefreshSettings {
    return assertSettings(parseSettings(environment));
}

function assertSettings(value: unknown): RefreshSettings {
    const problems: string[] = [];
    const settings = value as Partial<RefreshSettings> | null;
    if (typeof settings !== "object" || settings === null) {
        problems.push("it is not an object");
    } else {
        for (const key of ["instanceName", "sourceAccountId", "copyIdentifierPrefix", "pipelineParameter", "pauseParameter"] as const) {
            if (typeof settings[key] !== "string" || settings[key] === "") problems.push(`${key} is missing`);
        }
        if (settings.sourceSnapshotPrefix !== undefined && (typeof settings.sourceSnapshotPrefix !== "string" || settings.sourceSnapshotPrefix === "")) {
            problems.push("sourceSnapshotPrefix is not a prefix");
        }
        if (typeof settings.paused !== "boolean") problems.push("paused is not true or false");
        if (settings.whenCopyNotReady !== "fail" && settings.whenCopyNotReady !== "restore-available") {
            problems.push("whenCopyNotReady is neither fail nor restore-available");
        }
        for (const key of ["maintenanceWindowMinutes", "copyRecheckMinutes"] as const) {
            if (!isWholeMinutes(settings[key])) problems.push(`${key} is not a whole number of minutes`);
        }
        if (!Array.isArray(settings.engines) || settings.engines.length === 0) {
            problems.push("engines is empty");
        } else {
            settings.engines.forEach((engine, index) => {
                if (!isEngineName(engine?.engine)) problems.push(`engines[${index}].engine is not a known engine`);
                if (!engine?.latestParameter || !engine.currentParameter) {
                    problems.push(`engines[${index}] lacks its parameter names`);
                }
            });
        }
    }
    return settingsOrThrow(settings as RefreshSettings, problems);
}
