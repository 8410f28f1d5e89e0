/**
 * Throttling bursts: every call of one API operation inside a window of simulated time fails the way AWS
 * throttles it. aws-sdk-client-mock replaces `send`, so the SDK's retries never see these errors: a burst here
 * stands for one longer than the SDK's retries could ride out, and surfaces as a failed run.
 */
import { SnapshotClient, pipelineError, snapshotError, ssmError } from "./aws-errors";

export type ServiceClient = SnapshotClient | "ssm" | "codepipeline";

export interface ThrottlingBurst {
    label: string;
    /** `rds-family` covers the RDS and the DocumentDB client: one control plane, one throttle. */
    service: "rds-family" | "ssm" | "codepipeline";
    command: string;
    from: Date;
    until: Date;
}

export interface ThrottledCall {
    burst: string;
    client: ServiceClient;
    command: string;
    at: Date;
}

export class FaultInjector {
    private readonly bursts: ThrottlingBurst[] = [];
    readonly throttled: ThrottledCall[] = [];

    addBurst(burst: ThrottlingBurst): void {
        this.bursts.push(burst);
    }

    /** The error this call meets, or undefined when no burst covers it. */
    errorFor(client: ServiceClient, command: string, atMs: number): Error | undefined {
        const service = client === "rds" || client === "docdb" ? "rds-family" : client;
        const burst = this.bursts.find((candidate) =>
            candidate.service === service && candidate.command === command &&
            candidate.from.getTime() <= atMs && atMs < candidate.until.getTime());
        if (burst === undefined) return undefined;
        this.throttled.push({ burst: burst.label, client, command, at: new Date(atMs) });
        switch (client) {
            case "rds":
            case "docdb":
                return snapshotError(client, "Throttling", "Rate exceeded");
            case "ssm":
                return ssmError("ThrottlingException", "Rate exceeded");
            case "codepipeline":
                return pipelineError("ThrottlingException", "Rate exceeded");
        }
    }
}
