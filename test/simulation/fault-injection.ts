/**
 * Faults in a window of simulated time, for one API operation (and, where given, one caller):
 * - a throttling burst: every call fails the way AWS throttles it. aws-sdk-client-mock replaces `send`, so the
 *   SDK's retries never see these errors: a burst here stands for one longer than the SDK's retries could ride
 *   out, and surfaces as a failed run;
 * - a lost answer: AWS does what was asked, and the answer never arrives; the caller sees a server error and
 *   cannot tell whether anything happened.
 */
import { pipelineError, SnapshotClient, snapshotError, ssmError } from "./aws-errors";

export type ServiceClient = SnapshotClient | "ssm" | "codepipeline" | "sfn";

export interface Fault {
    label: string;
    /** `rds-family` covers the RDS and the DocumentDB client: one control plane, one throttle. */
    service: "rds-family" | "ssm" | "codepipeline";
    command: string;
    from: Date;
    until: Date;
    /** Only calls of this caller (its label); every caller's when absent. */
    caller?: string;
}

export interface FaultedCall {
    fault: string;
    client: ServiceClient;
    command: string;
    at: Date;
}

export class FaultInjector {
    private readonly bursts: Fault[] = [];
    private readonly lostAnswers: Fault[] = [];
    readonly throttled: FaultedCall[] = [];
    readonly lost: FaultedCall[] = [];

    addBurst(burst: Fault): void {
        this.bursts.push(burst);
    }

    addLostAnswer(fault: Fault): void {
        this.lostAnswers.push(fault);
    }

    /** The throttling error this call meets, or undefined when no burst covers it. */
    errorFor(client: ServiceClient, command: string, caller: string, atMs: number): Error | undefined {
        const burst = covering(this.bursts, client, command, caller, atMs);
        if (burst === undefined) return undefined;
        this.throttled.push({ fault: burst.label, client, command, at: new Date(atMs) });
        switch (client) {
            case "rds":
            case "docdb":
                return snapshotError(client, "Throttling", "Rate exceeded");
            case "ssm":
                return ssmError("ThrottlingException", "Rate exceeded");
            default:
                return pipelineError("ThrottlingException", "Rate exceeded");
        }
    }

    /** The error a call whose answer is lost reports instead, once AWS has done what it asked. */
    lostAnswerFor(client: ServiceClient, command: string, caller: string, atMs: number): Error | undefined {
        const fault = covering(this.lostAnswers, client, command, caller, atMs);
        if (fault === undefined) return undefined;
        this.lost.push({ fault: fault.label, client, command, at: new Date(atMs) });
        return pipelineError("InternalFailure", "We encountered an internal error. Please try again.");
    }
}

function covering(faults: readonly Fault[], client: ServiceClient, command: string, caller: string, atMs: number): Fault | undefined {
    const service = client === "rds" || client === "docdb" ? "rds-family" : client;
    return faults.find((fault) =>
        fault.service === service && fault.command === command && (fault.caller === undefined || fault.caller === caller) &&
        fault.from.getTime() <= atMs && atMs < fault.until.getTime());
}
