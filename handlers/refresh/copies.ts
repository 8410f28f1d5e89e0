import { ClusterSnapshotApi } from "../cluster-snapshots";
import { awsErrorName, describeError, refreshError } from "../errors";
import { EngineSettings } from "./settings";
import { ClusterSnapshot, copyTags } from "../snapshots";

/** How a copy got under way: by this run, or by another run that started the same copy a moment before. */
export type CopyStart = "started" | "already-started";

/**
 * Starts this instance's copy of a shared snapshot, re-encrypted with the engine's key when the source is
 * encrypted. Every failure a user can meet comes back explained. The identifier comes from the source alone,
 * so a copy that appeared since the run listed the account's snapshots is the same copy, started elsewhere.
 */
export async function startCopy(
    instanceName: string,
    engine: EngineSettings,
    api: ClusterSnapshotApi,
    source: ClusterSnapshot,
    identifier: string,
): Promise<CopyStart> {
    const kmsKeyId = copyKey(engine, source);
    try {
        await api.copy({ sourceArn: source.arn, targetIdentifier: identifier, kmsKeyId, tags: copyTags(instanceName, source.arn) });
        return "started";
    } catch (error) {
        if (awsErrorName(error) === "DBClusterSnapshotAlreadyExistsFault") return "already-started";
        throw explainCopyFailure(error, source, identifier);
    }
}

/**
 * The key this instance's copy of `source` is encrypted with: none for an unencrypted source, the engine's
 * `kmsKeyArn` for an encrypted one, which must be re-encrypted with a key of this account. Fails, naming the
 * setting, when that key is not configured; a dry run asks it too, to report the copy a run would fail to make.
 */
export function copyKey(engine: EngineSettings, source: ClusterSnapshot): string | undefined {
    if (!source.encrypted) return undefined;
    if (engine.kmsKeyArn === undefined) {
        throw refreshError(
            "EncryptedSourceNeedsKeyError",
            `${source.arn} is encrypted (KMS key ${source.kmsKeyId ?? "unknown"}) and a copy of an encrypted shared snapshot ` +
            `must be re-encrypted with a key of this account: set kmsKeyArn for the ${engine.engine} engine in the stack ` +
            "configuration (snapshot-refresh:engines), e.g. arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab.",
        );
    }
    return engine.kmsKeyArn;
}

function explainCopyFailure(error: unknown, source: ClusterSnapshot, identifier: string): Error {
    switch (awsErrorName(error)) {
        case "SnapshotQuotaExceededFault":
            return refreshError(
                "SnapshotQuotaError",
                `cannot copy ${source.arn}: this account has reached a snapshot quota (at most 100 manual cluster snapshots per ` +
                "Region by default, and at most 5 cluster snapshot copies in progress). db-update-latest-snapshot-id deletes its own " +
                "copies beyond keepCopies before it copies; delete other manual snapshots you no longer need, or raise the quota in " +
                `Service Quotas. AWS said: ${describeError(error)}`,
                error,
            );
        case "KMSKeyNotAccessibleFault":
            return refreshError(
                "CopyFailedError",
                `cannot copy ${source.arn}: a KMS key is not usable. The source key's policy must let this account use it ` +
                "(kms:CreateGrant, kms:DescribeKey, kms:Decrypt), and kmsKeyArn must name an enabled key of this account.",
                error,
            );
        default:
            return refreshError("CopyFailedError", `cannot copy ${source.arn} to ${identifier}: ${describeError(error)}`, error);
    }
}
