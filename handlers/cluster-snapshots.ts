import {
    CopyDBClusterSnapshotCommand as CopyDocDbSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot,
    DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots,
    DocDBClient,
    paginateDescribeDBClusterSnapshots as paginateDocDbSnapshots,
} from "@aws-sdk/client-docdb";
import {
    CopyDBClusterSnapshotCommand as CopyRdsSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteRdsSnapshot,
    DescribeDBClusterSnapshotsCommand as DescribeRdsSnapshots,
    paginateDescribeDBClusterSnapshots as paginateRdsSnapshots,
    RDSClient,
} from "@aws-sdk/client-rds";
import { awsErrorName } from "./errors";
import { ClusterSnapshot } from "./snapshots";

/** The fields of `DBClusterSnapshot` that both engines' APIs return. */
interface DescribedSnapshot {
    DBClusterSnapshotIdentifier?: string;
    DBClusterSnapshotArn?: string;
    DBClusterIdentifier?: string;
    Engine?: string;
    Status?: string;
    SnapshotCreateTime?: Date;
    StorageEncrypted?: boolean;
    KmsKeyId?: string;
    SourceDBClusterSnapshotArn?: string;
}

interface DescribeInput {
    DBClusterSnapshotIdentifier?: string;
    SnapshotType?: string;
    IncludeShared?: boolean;
    MaxRecords?: number;
}

export interface CopyRequest {
    /** The source snapshot's ARN: a shared snapshot can only be named by its ARN. */
    sourceArn: string;
    targetIdentifier: string;
    /** Required when the source is encrypted: a key of this account. */
    kmsKeyId?: string;
    tags: Record<string, string>;
}

/** The cluster snapshot operations a refresh uses, the same for Aurora (RDS API) and DocumentDB. */
export interface ClusterSnapshotApi {
    /** Every manual snapshot other accounts share with this one, a page at a time (the caller filters). */
    sharedPages(): AsyncIterable<ClusterSnapshot[]>;
    /** Every manual snapshot of this account, a page at a time. */
    manualPages(): AsyncIterable<ClusterSnapshot[]>;
    /** One snapshot by identifier or ARN (shared ones by ARN); undefined when it does not exist. */
    find(identifierOrArn: string, accountId: string): Promise<ClusterSnapshot | undefined>;
    /** Starts a copy and returns the new snapshot as AWS first reports it. */
    copy(request: CopyRequest): Promise<ClusterSnapshot>;
    delete(identifier: string): Promise<void>;
}

interface EngineClient {
    paginate(input: DescribeInput): AsyncIterable<{ DBClusterSnapshots?: DescribedSnapshot[] }>;
    describe(input: DescribeInput): Promise<{ DBClusterSnapshots?: DescribedSnapshot[] }>;
    copy(input: {
        SourceDBClusterSnapshotIdentifier: string;
        TargetDBClusterSnapshotIdentifier: string;
        KmsKeyId?: string;
        Tags: { Key: string; Value: string }[];
    }): Promise<{ DBClusterSnapshot?: DescribedSnapshot }>;
    delete(identifier: string): Promise<unknown>;
}

/** The largest page both APIs allow: fewer round trips over thousands of snapshots. */
const PAGE_SIZE = 100;

/** Cluster snapshots through the RDS client: Aurora's, and the one listing of every engine's snapshots. */
export function rdsSnapshotApi(client: RDSClient): ClusterSnapshotApi {
    return clusterSnapshotApi({
        paginate: (input) => paginateRdsSnapshots({ client, pageSize: PAGE_SIZE }, input),
        describe: (input) => client.send(new DescribeRdsSnapshots(input)),
        copy: (input) => client.send(new CopyRdsSnapshot(input)),
        delete: (identifier) => client.send(new DeleteRdsSnapshot({ DBClusterSnapshotIdentifier: identifier })),
    });
}

/** Cluster snapshots through the DocumentDB client. */
export function docDbSnapshotApi(client: DocDBClient): ClusterSnapshotApi {
    return clusterSnapshotApi({
        paginate: (input) => paginateDocDbSnapshots({ client, pageSize: PAGE_SIZE }, input),
        describe: (input) => client.send(new DescribeDocDbSnapshots(input)),
        copy: (input) => client.send(new CopyDocDbSnapshot(input)),
        delete: (identifier) => client.send(new DeleteDocDbSnapshot({ DBClusterSnapshotIdentifier: identifier })),
    });
}

function clusterSnapshotApi(client: EngineClient): ClusterSnapshotApi {
    async function* pages(input: DescribeInput): AsyncIterable<ClusterSnapshot[]> {
        for await (const page of client.paginate(input)) {
            yield (page.DBClusterSnapshots ?? []).map(toClusterSnapshot);
        }
    }
    return {
        sharedPages: () => pages({ SnapshotType: "shared", IncludeShared: true }),
        manualPages: () => pages({ SnapshotType: "manual" }),
        async find(identifierOrArn, accountId) {
            const sharedWithUs = identifierOrArn.startsWith("arn:") && identifierOrArn.split(":")[4] !== accountId;
            try {
                const response = await client.describe(
                    sharedWithUs
                        ? { DBClusterSnapshotIdentifier: identifierOrArn, SnapshotType: "shared", IncludeShared: true }
                        : { DBClusterSnapshotIdentifier: identifierOrArn },
                );
                const found = response.DBClusterSnapshots?.[0];
                return found === undefined ? undefined : toClusterSnapshot(found);
            } catch (error) {
                if (awsErrorName(error) === "DBClusterSnapshotNotFoundFault") return undefined;
                throw error;
            }
        },
        async copy(request) {
            const response = await client.copy({
                SourceDBClusterSnapshotIdentifier: request.sourceArn,
                TargetDBClusterSnapshotIdentifier: request.targetIdentifier,
                KmsKeyId: request.kmsKeyId,
                Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
            });
            // A copy that was just accepted is copying, whatever the response leaves out.
            const started = response.DBClusterSnapshot ?? { DBClusterSnapshotIdentifier: request.targetIdentifier };
            return toClusterSnapshot({ ...started, Status: started.Status ?? "copying" });
        },
        async delete(identifier) {
            await client.delete(identifier);
        },
    };
}

function toClusterSnapshot(described: DescribedSnapshot): ClusterSnapshot {
    const identifier = described.DBClusterSnapshotIdentifier ?? described.DBClusterSnapshotArn ?? "";
    return {
        identifier,
        arn: described.DBClusterSnapshotArn ?? identifier,
        clusterIdentifier: described.DBClusterIdentifier,
        engine: described.Engine ?? "",
        status: described.Status ?? "unknown",
        createdAt: described.SnapshotCreateTime,
        encrypted: described.StorageEncrypted ?? false,
        kmsKeyId: described.KmsKeyId,
        sourceArn: described.SourceDBClusterSnapshotArn,
    };
}
