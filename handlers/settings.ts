/**
 * The environment variable that carries each function's settings, as JSON, written by the component that
 * deploys it: {@link StarterSettings} for the function that starts the cycles, the refresh and share functions'
 * own settings for theirs.
 */
export const SETTINGS_ENVIRONMENT_VARIABLE = "SNAPSHOT_REFRESH_SETTINGS";

/** What the function that starts the cycles needs at run time. */
export interface StarterSettings {
    /** The component's name, for every log line. */
    instanceName: string;
    /** The state machine each cycle is an execution of. */
    stateMachineArn: string;
    /** What a cycle is called in the starter's log: `refresh cycle`, `share cycle`. */
    cycleLabel: string;
    /** What each execution's name starts with: `cycle` names them `cycle-2026-12-06`. */
    executionNamePrefix: string;
}

export function readStarterSettings(environment: NodeJS.ProcessEnv): StarterSettings {
    const settings = parseSettings(environment) as Partial<StarterSettings> | null;
    const problems: string[] = [];
    if (typeof settings !== "object" || settings === null) {
        problems.push("it is not an object");
    } else {
        if (typeof settings.instanceName !== "string" || settings.instanceName === "") problems.push("instanceName is missing");
        if (typeof settings.stateMachineArn !== "string" || !settings.stateMachineArn.startsWith("arn:")) problems.push("stateMachineArn is not an ARN");
        if (typeof settings.cycleLabel !== "string" || settings.cycleLabel === "") problems.push("cycleLabel is missing");
        if (typeof settings.executionNamePrefix !== "string" || !/^[a-z]+$/.test(settings.executionNamePrefix)) problems.push("executionNamePrefix is not lowercase letters");
    }
    return settingsOrThrow(settings as StarterSettings, problems);
}

/** The settings JSON of the function's environment, not yet checked. */
export function parseSettings(environment: NodeJS.ProcessEnv): unknown {
    const raw = environment[SETTINGS_ENVIRONMENT_VARIABLE];
    if (!raw) {
        throw new Error(
            `${SETTINGS_ENVIRONMENT_VARIABLE} is not set in this function's environment: ` +
            "the function must be deployed by its snapshot-refresh component (pulumi up).",
        );
    }
    try {
        return JSON.parse(raw);
    } catch (error) {
        throw new Error(`${SETTINGS_ENVIRONMENT_VARIABLE} is not valid JSON: redeploy with pulumi up.`, { cause: error });
    }
}

/**
 * The settings, when nothing is wrong with them. A function whose environment was edited by hand fails here
 * with what is wrong, rather than half-way through its work.
 */
export function settingsOrThrow<T>(settings: T, problems: readonly string[]): T {
    if (problems.length > 0) {
        throw new Error(
            `${SETTINGS_ENVIRONMENT_VARIABLE} is not usable (${problems.join("; ")}): redeploy with pulumi up.`,
        );
    }
    return settings;
}

/** Whether a value is a whole number of minutes, for the checks of the settings. */
export function isWholeMinutes(value: unknown): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= 0;
}
