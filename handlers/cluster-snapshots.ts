import {
    CopyDBClusterSnapshotCommand as CopyDocDbSnapshot,
    CreateDBClusterSnapshotCommand as CreateDocDbSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeDocDbAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots,
    DocDBClient,
    ModifyDBClusterSnapshotAttributeCommand as ModifyDocDbAttribute,
    paginateDescribeDBClusterSnapshots as paginateDocDbSnapshots,
} from "@aws-sdk/client-docdb";
import {
    CopyDBClusterSnapshotCommand as CopyRdsSnapshot,
    CreateDBClusterSnapshotCommand as CreateRdsSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteRdsSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeRdsAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeRdsSnapshots,
    ModifyDBClusterSnapshotAttributeCommand as ModifyRdsAttribute,
    paginateDescribeDBClusterSnapshots as paginateRdsSnapshots,
    RDSClient,
} from "@aws-sdk/client-rds";
import { ENGINES, EngineName } from "./engines";
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
    TagList?: { Key?: string; Value?: string }[];
}

interface DescribeInput {
    DBClusterIdentifier?: string;
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

/** The `restore` attribute of a manual snapshot: `all` (public) or account ids. */
const RESTORE_ATTRIBUTE = "restore";

/** The cluster snapshot operations both sides use, the same for Aurora (RDS API) and DocumentDB. */
export interface ClusterSnapshotApi {
    /** Every manual snapshot other accounts share with this one, a page at a time (the caller filters). */
    sharedPages(): AsyncIterable<ClusterSnapshot[]>;
    /** Every manual snapshot of this account, a page at a time. */
    manualPages(): AsyncIterable<ClusterSnapshot[]>;
    /** The automated snapshots of one cluster of this account, a page at a time. */
    automatedPages(clusterIdentifier: string): AsyncIterable<ClusterSnapshot[]>;
    /** One snapshot by identifier or ARN (shared ones by ARN); undefined when it does not exist. */
    find(identifierOrArn: string, accountId: string): Promise<ClusterSnapshot | undefined>;
    /** Starts a copy and returns the new snapshot as AWS first reports it. */
    copy(request: CopyRequest): Promise<ClusterSnapshot>;
    delete(identifier: string): Promise<void>;
    /** Starts a manual snapshot of a cluster of this account and returns it as AWS first reports it. */
    create(clusterIdentifier: string, identifier: string, tags: Record<string, string>): Promise<ClusterSnapshot>;
    /** The accounts a manual snapshot of this account is shared with (`all` when it is public). */
    sharedWith(identifier: string): Promise<string[]>;
    /** Adds and removes accounts of a manual snapshot's `restore` attribute, in one request. */
    changeSharing(identifier: string, change: { add: readonly string[]; remove: readonly string[] }): Promise<void>;
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
    create(input: { DBClusterIdentifier: string; DBClusterSnapshotIdentifier: string; Tags: { Key: string; Value: string }[] }): Promise<{ DBClusterSnapshot?: DescribedSnapshot }>;
    describeAttributes(identifier: string): Promise<{
        DBClusterSnapshotAttributesResult?: { DBClusterSnapshotAttributes?: { AttributeName?: string; AttributeValues?: string[] }[] };
    }>;
    modifyAttribute(input: { DBClusterSnapshotIdentifier: string; AttributeName: string; ValuesToAdd?: string[]; ValuesToRemove?: string[] }): Promise<unknown>;
}

/** The largest page both APIs allow: fewer round trips over thousands of snapshots. */
const PAGE_SIZE = 100;

/** Both engines' cluster snapshots, as every function uses them. */
export interface ClusterSnapshotApis {
    /** Lists every engine's cluster snapshots: the RDS endpoint serves Aurora and DocumentDB alike. */
    listing: ClusterSnapshotApi;
    /** Each engine's own API, for everything but listing. */
    snapshots: (engine: EngineName) => ClusterSnapshotApi;
}

export function clusterSnapshotApis(rds: RDSClient, docdb: DocDBClient): ClusterSnapshotApis {
    const apis = { rds: rdsSnapshotApi(rds), docdb: docDbSnapshotApi(docdb) };
    return { listing: apis.rds, snapshots: (engine) => apis[ENGINES[engine].client] };
}

/** Cluster snapshots through the RDS client: Aurora's, and the one listing of every engine's snapshots. */
export function rdsSnapshotApi(client: RDSClient): ClusterSnapshotApi {
    return clusterSnapshotApi({
        paginate: (input) => paginateRdsSnapshots({ client, pageSize: PAGE_SIZE }, input),
        describe: (input) => client.send(new DescribeRdsSnapshots(input)),
        copy: (input) => client.send(new CopyRdsSnapshot(input)),
        delete: (identifier) => client.send(new DeleteRdsSnapshot({ DBClusterSnapshotIdentifier: identifier })),
        create: (input) => client.send(new CreateRdsSnapshot(input)),
        describeAttributes: (identifier) => client.send(new DescribeRdsAttributes({ DBClusterSnapshotIdentifier: identifier })),
        modifyAttribute: (input) => client.send(new ModifyRdsAttribute(input)),
    });
}

/** Cluster snapshots through the DocumentDB client. */
export function docDbSnapshotApi(client: DocDBClient): ClusterSnapshotApi {
    return clusterSnapshotApi({
        paginate: (input) => paginateDocDbSnapshots({ client, pageSize: PAGE_SIZE }, input),
        describe: (input) => client.send(new DescribeDocDbSnapshots(input)),
        copy: (input) => client.send(new CopyDocDbSnapshot(input)),
        delete: (identifier) => client.send(new DeleteDocDbSnapshot({ DBClusterSnapshotIdentifier: identifier })),
        create: (input) => client.send(new CreateDocDbSnapshot(input)),
        describeAttributes: (identifier) => client.send(new DescribeDocDbAttributes({ DBClusterSnapshotIdentifier: identifier })),
        modifyAttribute: (input) => client.send(new ModifyDocDbAttribute(input)),
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
        automatedPages: (clusterIdentifier) => pages({ DBClusterIdentifier: clusterIdentifier, SnapshotType: "automated" }),
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
                Tags: tagList(request.tags),
            });
            // A copy that was just accepted is copying, whatever the response leaves out.
            const started = response.DBClusterSnapshot ?? { DBClusterSnapshotIdentifier: request.targetIdentifier };
            return toClusterSnapshot({ ...started, Status: started.Status ?? "copying" });
        },
        async delete(identifier) {
            await client.delete(identifier);
        },
        async create(clusterIdentifier, identifier, tags) {
            const response = await client.create({ DBClusterIdentifier: clusterIdentifier, DBClusterSnapshotIdentifier: identifier, Tags: tagList(tags) });
            const started = response.DBClusterSnapshot ?? { DBClusterSnapshotIdentifier: identifier, DBClusterIdentifier: clusterIdentifier };
            return toClusterSnapshot({ ...started, Status: started.Status ?? "creating" });
        },
        async sharedWith(identifier) {
            const response = await client.describeAttributes(identifier);
            const attributes = response.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes ?? [];
            return attributes.find((attribute) => attribute.AttributeName === RESTORE_ATTRIBUTE)?.AttributeValues ?? [];
        },
        async changeSharing(identifier, change) {
            await client.modifyAttribute({
                DBClusterSnapshotIdentifier: identifier,
                AttributeName: RESTORE_ATTRIBUTE,
                ...(change.add.length > 0 ? { ValuesToAdd: [...change.add] } : {}),
                ...(change.remove.length > 0 ? { ValuesToRemove: [...change.remove] } : {}),
            });
        },
    };
}

function tagList(tags: Record<string, string>): { Key: string; Value: string }[] {
    return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
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
        ...(described.TagList !== undefined ? { tags: Object.fromEntries(described.TagList.map((tag) => [tag.Key ?? "", tag.Value ?? ""])) } : {}),
    };
}
