import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeExecutionCommand, DescribeStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { oldestDelivered, readDelivery } from "./execution-output";
import { DATA_AGE_METRIC, METRIC_NAMESPACE, MonitorSettings } from "./settings";

export interface FreshnessDependencies {
    stepFunctions: SFNClient;
    cloudWatch: CloudWatchClient;
}

export interface FreshnessSummary {
    /** Hours since production took the stalest data the last delivering cycle restored or shared. */
    dataAgeHours: number;
    /** The execution that delivered it; absent when none of the recent ones did. */
    deliveredBy?: string;
    /** When the data was taken; or, when no recent cycle delivered, when the state machine was created. */
    since: string;
}

/** Succeeded executions read, newest first, looking for the last that delivered: dry runs and paused cycles do not. */
const EXECUTIONS_READ = 20;

/**
 * Publishes how old the data is that the cycles last delivered. The stale-data alarm watches this metric: a
 * metric for a whole cadence (two weeks) cannot be alarmed on directly, since CloudWatch evaluates at most seven
 * days. A stack that never delivered counts from its state machine's creation, so it gets one cadence to start.
 */
export async function measureFreshness(settings: MonitorSettings, now: Date, dependencies: FreshnessDependencies): Promise<FreshnessSummary> {
    const { stepFunctions } = dependencies;
    const listed = await stepFunctions.send(new ListExecutionsCommand({ stateMachineArn: settings.stateMachineArn, statusFilter: "SUCCEEDED", maxResults: EXECUTIONS_READ }));
    let summary: FreshnessSummary | undefined;
    for (const execution of listed.executions ?? []) {
        const described = await stepFunctions.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
        const delivery = readDelivery(settings.side, described.output);
        const delivered = delivery.outcome === "restored" || delivery.outcome === "shared" ? oldestDelivered(delivery) : undefined;
        if (delivered !== undefined) {
            summary = { dataAgeHours: hoursBetween(delivered, now), deliveredBy: execution.name, since: delivered.toISOString() };
            break;
        }
    }
    if (summary === undefined) {
        const machine = await stepFunctions.send(new DescribeStateMachineCommand({ stateMachineArn: settings.stateMachineArn }));
        const created = machine.creationDate ?? now;
        summary = { dataAgeHours: hoursBetween(created, now), since: created.toISOString() };
    }
    await dependencies.cloudWatch.send(new PutMetricDataCommand({
        Namespace: METRIC_NAMESPACE,
        MetricData: [{
            MetricName: DATA_AGE_METRIC,
            Dimensions: metricDimensions(settings),
            Timestamp: now,
            Value: summary.dataAgeHours,
            Unit: "None",
        }],
    }));
    return summary;
}

/** The metric's dimensions, as the alarm names them too. */
export function metricDimensions(settings: Pick<MonitorSettings, "instanceName" | "cycleLabel">): { Name: string; Value: string }[] {
    return [{ Name: "Instance", Value: settings.instanceName }, { Name: "Cycle", Value: settings.cycleLabel }];
}

function hoursBetween(from: Date, to: Date): number {
    return Math.round(((to.getTime() - from.getTime()) / 3_600_000) * 100) / 100;
}
