/**
 * Names of the errors a run can end with. Handlers build errors with {@link refreshError} rather than
 * subclasses because an inline Lambda is serialized from its closure, and a serialized `class ... extends
 * Error` loses its message. The name is what Lambda reports as the error type and what the refresh cycle's
 * state machines retry on (`TransientAwsError`).
 */
const REFRESH_ERROR_NAMES = [
    "InvalidRequestError",
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
    "ShareFailedError",
    "TransientAwsError",
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

/**
 * AWS error codes that mean "not now" rather than "not this": throttling, a service that is briefly unavailable,
 * a request that timed out. The SDK has already retried them; a later run may well succeed.
 */
const TRANSIENT_AWS_ERRORS: readonly string[] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalError",
    "InternalServerError",
    "InternalServiceError",
    "RequestTimeout",
    "RequestTimeoutException",
    "TimeoutError",
];

/** Whether an error, or an error it wraps, is one that the same run could get past a few minutes later. */
export function isTransientAwsError(error: unknown): boolean {
    for (let current = error; current instanceof Error; current = current.cause) {
        if (current.name === "TransientAwsError" || TRANSIENT_AWS_ERRORS.includes(current.name)) return true;
        const status = (current as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== undefined && status >= 500) return true;
    }
    return false;
}

/**
 * The run's error when everything that failed may succeed a little later: the cycle's state machine retries a
 * step that fails with it, with backoff. `context` says what the run did not do.
 */
export function transientFailure(context: string, errors: readonly unknown[]): RefreshError {
    return refreshError(
        "TransientAwsError",
        `${context}: AWS throttled or could not answer (${errors.map(describeError).join("; ")}). A cycle retries ` +
        "this step with backoff; a run by hand can simply be repeated.",
        errors[0],
    );
}
