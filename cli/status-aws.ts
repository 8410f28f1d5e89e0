import { DocDBClient } from "@aws-sdk/client-docdb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { awsErrorName } from "../handlers/errors";

/** The AWS clients the status reads with, all in the stack's Region, with the default credential chain. */
export interface StatusClients {
    sts: STSClient;
    sfn: SFNClient;
    ssm: SSMClient;
    rds: RDSClient;
    docdb: DocDBClient;
    scheduler: SchedulerClient;
}

export function createStatusClients(region: string): StatusClients {
    const config = { region };
    return {
        sts: new STSClient(config),
        sfn: new SFNClient(config),
        ssm: new SSMClient(config),
        rds: new RDSClient(config),
        docdb: new DocDBClient(config),
        scheduler: new SchedulerClient(config),
    };
}

/** A reason the status cannot be shown, said so that the operator knows what to do: it becomes the command's message. */
export class StatusError extends Error {
    constructor(message: string, cause?: unknown) {
        super(message, cause === undefined ? undefined : { cause });
        this.name = "StatusError";
    }
}

/** The SDK found no credentials at all (no profile, no environment variables, no SSO session, no instance role). */
const NO_CREDENTIALS = ["CredentialsProviderError", "TokenProviderError"];
/** AWS refused the credentials it was given: expired, revoked, or mistyped. */
const REFUSED_CREDENTIALS = [
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
];
const ACCESS_DENIED = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"];
/** The request never reached AWS: no network, a proxy, DNS. */
const UNREACHABLE_CODES = ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"];

/**
 * The error an AWS call failed with, as the operator should read it. `reading` says what the status was reading
 * (`the refresh cycle's executions`), `stack` which stack it needs credentials for.
 */
export function explainAwsError(error: unknown, reading: string, stack: string): StatusError {
    const name = awsErrorName(error) ?? "Error";
    const detail = error instanceof Error ? `${name}: ${error.message}` : String(error);
    if (NO_CREDENTIALS.includes(name)) {
        return new StatusError(
            `No AWS credentials found: the status reads the account stack ${stack} is deployed in, with your credentials for it. ` +
            "Sign in to that account (aws sso login --profile <profile>, then AWS_PROFILE=<profile>, or AWS_ACCESS_KEY_ID and " +
            `AWS_SECRET_ACCESS_KEY) and run the command again. (${detail})`,
            error,
        );
    }
    if (REFUSED_CREDENTIALS.includes(name)) {
        return new StatusError(
            `AWS refused your credentials while reading ${reading}: they have expired or are not valid. Sign in again ` +
            `(aws sso login --profile <profile>, or fresh access keys) and run the command again. (${detail})`,
            error,
        );
    }
    if (ACCESS_DENIED.includes(name)) {
        return new StatusError(
            `Your credentials may not read ${reading} of stack ${stack}. The status needs read access: ` +
            "sts:GetCallerIdentity, states:DescribeStateMachine, states:ListExecutions, states:DescribeExecution, ssm:GetParameter(s), " +
            "rds:DescribeDBClusterSnapshots, rds:DescribeDBClusterSnapshotAttributes, scheduler:ListSchedules; use a role that has it " +
            `(ReadOnlyAccess does). (${detail})`,
            error,
        );
    }
    const code = (error as { code?: unknown } | undefined)?.code;
    if (name === "TimeoutError" || (typeof code === "string" && UNREACHABLE_CODES.includes(code))) {
        return new StatusError(`AWS could not be reached while reading ${reading}: check the network connection (and HTTPS_PROXY, if you need one), then run the command again. (${detail})`, error);
    }
    return new StatusError(`Could not read ${reading} for stack ${stack}: ${detail}`, error);
}

/** Runs one read, turning its AWS error into the operator's message. */
export async function reading<T>(what: string, stack: string, read: () => Promise<T>): Promise<T> {
    try {
        return await read();
    } catch (error) {
        if (error instanceof StatusError) throw error;
        throw explainAwsError(error, what, stack);
    }
}
