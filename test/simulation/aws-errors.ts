/**
 * Errors as the SDK v3 clients raise them: the service's own exception class where the API models the error,
 * otherwise the service's base exception with `name` set to the AWS error code, as the SDK does for unmodeled
 * codes such as RDS's `Throttling`. Handlers only ever look at `name` and `message`.
 */
import {
    CodePipelineServiceException,
    InvalidNextTokenException,
    PipelineNotFoundException,
    ValidationException as CodePipelineValidation,
} from "@aws-sdk/client-codepipeline";
import {
    DBClusterNotFoundFault as DocDbClusterNotFound,
    DBClusterSnapshotAlreadyExistsFault as DocDbAlreadyExists,
    DBClusterSnapshotNotFoundFault as DocDbNotFound,
    DocDBServiceException,
    InvalidDBClusterSnapshotStateFault as DocDbInvalidState,
    KMSKeyNotAccessibleFault as DocDbKmsNotAccessible,
    SharedSnapshotQuotaExceededFault as DocDbSharedQuotaExceeded,
    SnapshotQuotaExceededFault as DocDbQuotaExceeded,
} from "@aws-sdk/client-docdb";
import {
    DBClusterNotFoundFault as RdsClusterNotFound,
    DBClusterSnapshotAlreadyExistsFault as RdsAlreadyExists,
    DBClusterSnapshotNotFoundFault as RdsNotFound,
    InvalidDBClusterSnapshotStateFault as RdsInvalidState,
    KMSKeyNotAccessibleFault as RdsKmsNotAccessible,
    RDSServiceException,
    SharedSnapshotQuotaExceededFault as RdsSharedQuotaExceeded,
    SnapshotQuotaExceededFault as RdsQuotaExceeded,
} from "@aws-sdk/client-rds";
import { ParameterAlreadyExists, ParameterNotFound, SSMServiceException, ValidationException as SsmValidation } from "@aws-sdk/client-ssm";

/** Which client a cluster snapshot call came through: both reach the same RDS control plane. */
export type SnapshotClient = "rds" | "docdb";

export type SnapshotErrorCode =
    | "DBClusterNotFoundFault"
    | "DBClusterSnapshotNotFoundFault"
    | "DBClusterSnapshotAlreadyExistsFault"
    | "InvalidDBClusterSnapshotStateFault"
    | "KMSKeyNotAccessibleFault"
    | "SnapshotQuotaExceededFault"
    | "SharedSnapshotQuotaExceededFault"
    | "Throttling"
    | "InvalidParameterValue"
    | "InvalidParameterCombination";

let requestCounter = 0;

function metadata(httpStatusCode: number) {
    requestCounter += 1;
    return { httpStatusCode, requestId: `fake-${requestCounter.toString(16).padStart(8, "0")}`, attempts: 1, totalRetryDelay: 0 };
}

type ModeledSnapshotError = Exclude<SnapshotErrorCode, "Throttling" | "InvalidParameterValue" | "InvalidParameterCombination">;

const MODELED: Record<SnapshotClient, Record<ModeledSnapshotError, new (options: { message: string; $metadata: ReturnType<typeof metadata> }) => Error>> = {
    rds: {
        DBClusterNotFoundFault: RdsClusterNotFound,
        DBClusterSnapshotNotFoundFault: RdsNotFound,
        DBClusterSnapshotAlreadyExistsFault: RdsAlreadyExists,
        InvalidDBClusterSnapshotStateFault: RdsInvalidState,
        KMSKeyNotAccessibleFault: RdsKmsNotAccessible,
        SnapshotQuotaExceededFault: RdsQuotaExceeded,
        SharedSnapshotQuotaExceededFault: RdsSharedQuotaExceeded,
    },
    docdb: {
        DBClusterNotFoundFault: DocDbClusterNotFound,
        DBClusterSnapshotNotFoundFault: DocDbNotFound,
        DBClusterSnapshotAlreadyExistsFault: DocDbAlreadyExists,
        InvalidDBClusterSnapshotStateFault: DocDbInvalidState,
        KMSKeyNotAccessibleFault: DocDbKmsNotAccessible,
        SnapshotQuotaExceededFault: DocDbQuotaExceeded,
        SharedSnapshotQuotaExceededFault: DocDbSharedQuotaExceeded,
    },
};

function isModeled(code: SnapshotErrorCode): code is ModeledSnapshotError {
    return code !== "Throttling" && code !== "InvalidParameterValue" && code !== "InvalidParameterCombination";
}

function isNotFound(code: ModeledSnapshotError): boolean {
    return code === "DBClusterSnapshotNotFoundFault" || code === "DBClusterNotFoundFault";
}

export function snapshotError(client: SnapshotClient, code: SnapshotErrorCode, message: string): Error {
    if (isModeled(code)) return new MODELED[client][code]({ message, $metadata: metadata(isNotFound(code) ? 404 : 400) });
    const options = { name: code, $fault: "client" as const, $metadata: metadata(400), message };
    return client === "rds" ? new RDSServiceException(options) : new DocDBServiceException(options);
}

export type SsmErrorCode = "ParameterAlreadyExists" | "ParameterNotFound" | "ValidationException" | "ThrottlingException";

export function ssmError(code: SsmErrorCode, message: string): Error {
    switch (code) {
        case "ParameterAlreadyExists":
            return new ParameterAlreadyExists({ message, $metadata: metadata(400) });
        case "ParameterNotFound":
            return new ParameterNotFound({ message, $metadata: metadata(400) });
        case "ValidationException":
            return new SsmValidation({ message, $metadata: metadata(400) });
        default:
            return new SSMServiceException({ name: code, $fault: "client", $metadata: metadata(400), message });
    }
}

export type PipelineErrorCode = "PipelineNotFoundException" | "AccessDeniedException" | "ValidationException" | "InvalidNextTokenException" | "ThrottlingException" | "InternalFailure";

export function pipelineError(code: PipelineErrorCode, message: string): Error {
    switch (code) {
        case "PipelineNotFoundException":
            return new PipelineNotFoundException({ message, $metadata: metadata(400) });
        case "ValidationException":
            return new CodePipelineValidation({ message, $metadata: metadata(400) });
        case "InvalidNextTokenException":
            return new InvalidNextTokenException({ message, $metadata: metadata(400) });
        case "InternalFailure":
            return new CodePipelineServiceException({ name: code, $fault: "server", $metadata: metadata(500), message });
        default:
            // AccessDeniedException is not in CodePipeline's model: the SDK raises the base exception under that name.
            return new CodePipelineServiceException({ name: code, $fault: "client", $metadata: metadata(code === "AccessDeniedException" ? 403 : 400), message });
    }
}
