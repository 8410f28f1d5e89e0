/**
 * Names of the errors a run can end with. Handlers build errors with {@link refreshError} rather than
 * subclasses because an inline Lambda is serialized from its closure, and a serialized `class ... extends
 * Error` loses its message.
 */
const REFRESH_ERROR_NAMES = [
    "NothingSharedError",
    "EncryptedSourceNeedsKeyError",
    "CopyFailedError",
    "SnapshotQuotaError",
    "LatestSnapshotUnusableError",
    "CopyNotReadyError",
    "PipelineNotFoundError",
    "PipelineNotAllowedError",
    "SourceAccountRefusedError",
    "EnginesFailedError",
    "RestoreAbortedError",
] as const;

export type RefreshErrorName = (typeof REFRESH_ERROR_NAMES)[number];

export function isRefreshErrorName(name: string): name is RefreshErrorName {
    return (REFRESH_ERROR_NAMES as readonly string[]).includes(name);
}

export interface RefreshError extends Error {
    name: RefreshErrorName;
}

export function refreshError(name: RefreshErrorName, message: string, cause?: unknown): RefreshError {
    const error = new Error(message, cause === undefined ? undefined : { cause }) as RefreshError;
    error.name = name;
    return error;
}

/** The error's name as the AWS SDK reports it (`DBClusterSnapshotNotFoundFault`, `ThrottlingException`). */
export function awsErrorName(error: unknown): string | undefined {
    return error instanceof Error ? error.name : undefined;
}

export function describeError(error: unknown): string {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
