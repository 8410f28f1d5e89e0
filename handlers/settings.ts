import { EngineName, isEngineName } from "./engines";

/** The value Pulumi gives a snapshot parameter when it creates it: no snapshot chosen yet. */
export const UNSET_SNAPSHOT = "none";

/**
 * The environment variable that carries each function's settings as JSON: {@link RefreshSettings} for the two
 * refresh functions, {@link StarterSettings} for the function that starts the cycles.
 */
export const SETTINGS_ENVIRONMENT_VARIABLE = "SNAPSHOT_REFRESH_SETTINGS";

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
}

/** What the function that starts the refresh cycles needs at run time. */
export interface StarterSettings {
    /** The component's name, for every log line. */
    instanceName: string;
    /** The refresh cycle state machine each cycle is an execution of. */
    stateMachineArn: string;
}

/**
 * Reads the settings the component put into the function's environment. A function whose environment was
 * edited by hand fails here with what is wrong, rather than half-way through a refresh.
 */
export function readSettings(environment: NodeJS.ProcessEnv): RefreshSettings {
    return assertSettings(parseSettings(environment));
}

export function readStarterSettings(environment: NodeJS.ProcessEnv): StarterSettings {
    const settings = parseSettings(environment) as Partial<StarterSettings> | null;
    const problems: string[] = [];
    if (typeof settings !== "object" || settings === null) {
        problems.push("it is not an object");
    } else {
        if (typeof settings.instanceName !== "string" || settings.instanceName === "") problems.push("instanceName is missing");
        if (typeof settings.stateMachineArn !== "string" || !settings.stateMachineArn.startsWith("arn:")) problems.push("stateMachineArn is not an ARN");
    }
    return settingsOrThrow(settings as StarterSettings, problems);
}

function parseSettings(environment: NodeJS.ProcessEnv): unknown {
    const raw = environment[SETTINGS_ENVIRONMENT_VARIABLE];
    if (!raw) {
        throw new Error(
            `${SETTINGS_ENVIRONMENT_VARIABLE} is not set in this function's environment: ` +
            "the function must be deployed by the SnapshotRefresh component (pulumi up).",
        );
    }
    try {
        return JSON.parse(raw);
    } catch (error) {
        throw new Error(`${SETTINGS_ENVIRONMENT_VARIABLE} is not valid JSON: redeploy with pulumi up.`, { cause: error });
    }
}

function assertSettings(value: unknown): RefreshSettings {
    const problems: string[] = [];
    const settings = value as Partial<RefreshSettings> | null;
    if (typeof settings !== "object" || settings === null) {
        problems.push("it is not an object");
    } else {
        for (const key of ["instanceName", "sourceAccountId", "copyIdentifierPrefix", "pipelineParameter"] as const) {
            if (typeof settings[key] !== "string" || settings[key] === "") problems.push(`${key} is missing`);
        }
        if (settings.whenCopyNotReady !== "fail" && settings.whenCopyNotReady !== "restore-available") {
            problems.push("whenCopyNotReady is neither fail nor restore-available");
        }
        for (const key of ["maintenanceWindowMinutes", "copyRecheckMinutes"] as const) {
            const minutes = settings[key];
            if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 0) problems.push(`${key} is not a whole number of minutes`);
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

function settingsOrThrow<T>(settings: T, problems: readonly string[]): T {
    if (problems.length > 0) {
        throw new Error(
            `${SETTINGS_ENVIRONMENT_VARIABLE} is not usable (${problems.join("; ")}): redeploy with pulumi up.`,
        );
    }
    return settings;
}
