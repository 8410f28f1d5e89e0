import { parseSettings, settingsOrThrow } from "../settings";

/** Which side a cycle belongs to: what its executions' output holds. */
export type CycleSide = "refresh" | "share";

/** The namespace of the metric the freshness function publishes and the stale-data alarm watches. */
export const METRIC_NAMESPACE = "SnapshotRefresh";
/** Hours since production took the data the last successful cycle delivered, per instance and cycle. */
export const DATA_AGE_METRIC = "DataAgeHours";

/** What the notifier and the freshness function need at run time; the Cycle component writes it. */
export interface MonitorSettings {
    /** The component's name, in every message and metric. */
    instanceName: string;
    side: CycleSide;
    /** What a cycle is called in messages: `refresh cycle`, `share cycle`. */
    cycleLabel: string;
    stateMachineArn: string;
    /** The SNS topic every message goes to. */
    topicArn: string;
}

export function readMonitorSettings(environment: NodeJS.ProcessEnv): MonitorSettings {
    const settings = parseSettings(environment) as Partial<MonitorSettings> | null;
    const problems: string[] = [];
    if (typeof settings !== "object" || settings === null) {
        problems.push("it is not an object");
    } else {
        if (typeof settings.instanceName !== "string" || settings.instanceName === "") problems.push("instanceName is missing");
        if (settings.side !== "refresh" && settings.side !== "share") problems.push("side is neither refresh nor share");
        if (typeof settings.cycleLabel !== "string" || settings.cycleLabel === "") problems.push("cycleLabel is missing");
        for (const key of ["stateMachineArn", "topicArn"] as const) {
            if (typeof settings[key] !== "string" || !settings[key].startsWith("arn:")) problems.push(`${key} is not an ARN`);
        }
    }
    return settingsOrThrow(settings as MonitorSettings, problems);
}
