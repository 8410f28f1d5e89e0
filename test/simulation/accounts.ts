/**
 * The three AWS accounts of the simulated world and the names they give things. Production shares snapshots,
 * acceptance runs snapshot-refresh, and a stranger proves that sharing alone never makes a snapshot trusted.
 */

export const REGION = "eu-west-1";

/** Production: the only account whose snapshots snapshot-refresh may use. */
export const PRODUCTION_ACCOUNT = "111111111111";
/** Acceptance: where the two functions, their copies, the parameters and the main pipeline live. */
export const ACCEPTANCE_ACCOUNT = "222222222222";
/** Anyone may share a snapshot with any account. */
export const STRANGER_ACCOUNT = "333333333333";
/** A second account production shares with (a test environment), until it is removed from the share stack. */
export const TEST_ACCOUNT = "444444444444";

/** The key production encrypts its snapshots with; its key policy lets acceptance use it. */
export const PRODUCTION_KMS_KEY_ARN = `arn:aws:kms:${REGION}:${PRODUCTION_ACCOUNT}:key/0a1b2c3d-0000-4000-8000-production00`;
/** The acceptance key copies of encrypted snapshots are re-encrypted with (the stack's kmsKeyArn). */
export const ACCEPTANCE_KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCEPTANCE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const STRANGER_KMS_KEY_ARN = `arn:aws:kms:${REGION}:${STRANGER_ACCOUNT}:key/5e5e5e5e-0000-4000-8000-stranger0000`;

/**
 * An account's AWS-managed key `aws/rds`: what a cluster is encrypted with when nobody chose a key. Its policy
 * cannot be changed, so a snapshot encrypted with it never leaves the account.
 */
export function awsManagedRdsKeyArn(account: string): string {
    return `arn:aws:kms:${REGION}:${account}:key/aaaaaaaa-0000-4000-8000-${account}`;
}

export function clusterSnapshotArn(account: string, identifier: string): string {
    return `arn:aws:rds:${REGION}:${account}:cluster-snapshot:${identifier}`;
}

/** The account an ARN names; undefined for anything that is not an ARN. */
export function accountOfArn(value: string): string | undefined {
    const parts = value.split(":");
    return parts.length >= 6 && parts[0] === "arn" ? parts[4] : undefined;
}

export function isArn(value: string): boolean {
    return value.startsWith("arn:");
}

/** Who makes an API call: the role session CloudTrail (and CodePipeline's trigger) would name. */
export interface Caller {
    account: string;
    /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` or a user ARN. */
    principalArn: string;
    /** Short name for reports. */
    label: string;
    /** What the caller's IAM policy lets it do with pipelines; IAM is otherwise not simulated. */
    mayUsePipeline(pipelineName: string): boolean;
}

export function assumedRole(account: string, role: string, session: string): string {
    return `arn:aws:sts::${account}:assumed-role/${role}/${session}`;
}

/** A person or tool with broad permissions (an operator, a colleague, Pulumi), in acceptance unless said otherwise. */
export function humanCaller(label: string, session: string, account = ACCEPTANCE_ACCOUNT): Caller {
    return {
        account,
        principalArn: assumedRole(account, "AWSReservedSSO_AdministratorAccess_0123456789abcdef", session),
        label,
        mayUsePipeline: () => true,
    };
}
