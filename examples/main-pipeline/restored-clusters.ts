import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What a cluster restored from snapshot-refresh's `current` snapshot needs. */
export interface RestoredClusterArgs {
    /** The snapshot (identifier or ARN) to restore from; undefined (`current` is `none`): a new, empty cluster. */
    readonly snapshot: pulumi.Input<string | undefined>;
    /** ARN (not an alias) of a key of this account that encrypts the cluster, whichever key the snapshot has. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** DB subnet group the cluster and its instances run in (RDS and DocumentDB share these). */
    readonly dbSubnetGroupName: pulumi.Input<string>;
    readonly vpcSecurityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Instance class of every instance, e.g. `db.r6g.large`. */
    readonly instanceClass: pulumi.Input<string>;
    /** Number of instances, at least 1; the first is the writer. */
    readonly instanceCount: number;
    /**
     * An identifier the cluster keeps across restores, so its endpoints keep their names; each restore then
     * deletes the cluster before it restores the new one. Default: a new generated identifier per restore, the
     * old cluster serving until the new one is ready.
     */
    readonly clusterIdentifier?: string;
}

/** A restored cluster and its instances, replaced together at each new snapshot. */
export interface RestoredCluster<Cluster, Instance> {
    readonly cluster: Cluster;
    readonly instances: Instance[];
}

/** Master user of a cluster created empty; a restored cluster has the snapshot's. */
const EMPTY_CLUSTER_MASTER_USERNAME = "dbadmin";

/** An Aurora PostgreSQL cluster restored from `args.snapshot`. `opts` apply to the cluster and every instance. */
export function auroraFromSnapshot(name: string, args: RestoredClusterArgs, opts?: pulumi.CustomResourceOptions): RestoredCluster<aws.rds.Cluster, aws.rds.ClusterInstance> {
    checkInstanceCount(name, args.instanceCount);
    const cluster = new aws.rds.Cluster(name, {
        ...replaceableClusterArgs(args),
        // The engine of production's cluster: RDS restores a snapshot only into its own engine.
        engine: aws.rds.EngineType.AuroraPostgresql,
    }, pulumi.mergeOptions(opts, clusterOptions(args)));
    const instances = instanceIdentifiers(name, args).map(({ logicalName, identifier }) => new aws.rds.ClusterInstance(logicalName, {
        ...replaceableInstanceArgs(cluster, args, identifier),
        engine: aws.rds.EngineType.AuroraPostgresql,
        // An Aurora instance must be in its cluster's subnet group.
        dbSubnetGroupName: cluster.dbSubnetGroupName,
    }, pulumi.mergeOptions(opts, instanceOptions(args))));
    return { cluster, instances };
}

/** A DocumentDB cluster restored from `args.snapshot`. `opts` apply to the cluster and every instance. */
export function documentDbFromSnapshot(name: string, args: RestoredClusterArgs, opts?: pulumi.CustomResourceOptions): RestoredCluster<aws.docdb.Cluster, aws.docdb.ClusterInstance> {
    checkInstanceCount(name, args.instanceCount);
    const cluster = new aws.docdb.Cluster(name, {
        ...replaceableClusterArgs(args),
        engine: "docdb",
    }, pulumi.mergeOptions(opts, clusterOptions(args)));
    const instances = instanceIdentifiers(name, args).map(({ logicalName, identifier }) => new aws.docdb.ClusterInstance(logicalName, {
        ...replaceableInstanceArgs(cluster, args, identifier),
        engine: "docdb",
    }, pulumi.mergeOptions(opts, instanceOptions(args))));
    return { cluster, instances };
}

/** The cluster settings, common to both engines, that let a new snapshot replace the cluster unattended. */
function replaceableClusterArgs(args: RestoredClusterArgs) {
    return {
        // A new snapshot replaces the cluster: the provider restores into a new cluster, never into this one.
        snapshotIdentifier: args.snapshot,
        clusterIdentifier: args.clusterIdentifier,
        // The replaced cluster must be deletable by the run that replaces it.
        deletionProtection: false,
        // Acceptance data is a copy of production's; a final snapshot per restore would pile up, and a fixed
        // finalSnapshotIdentifier would fail the second deletion.
        skipFinalSnapshot: true,
        // Production's key stays production's: the cluster is re-encrypted under this account's key, so it keeps
        // working when production deletes the shared snapshot or changes its key policy.
        kmsKeyId: args.kmsKeyArn,
        // Required with kmsKeyId; and DocumentDB's provider compares it with the restored cluster's `true`, so
        // left out it would read as a change that replaces the cluster at every run.
        storageEncrypted: true,
        // The snapshot brings production's master password; RDS replaces it with one kept in this account's
        // Secrets Manager, and no password is in Pulumi's state.
        manageMasterUserPassword: true,
        masterUsername: EMPTY_CLUSTER_MASTER_USERNAME,
        // Changes a run makes to a cluster it keeps take effect now, not in the next maintenance window.
        applyImmediately: true,
        dbSubnetGroupName: args.dbSubnetGroupName,
        vpcSecurityGroupIds: args.vpcSecurityGroupIds,
    };
}

/** Settings of each instance, common to both engines. */
function replaceableInstanceArgs(cluster: aws.rds.Cluster | aws.docdb.Cluster, args: RestoredClusterArgs, identifier: string | undefined) {
    return {
        // The cluster's id, not its name as a string: a cluster replaced under the same identifier still replaces
        // its instances, which must be gone before RDS deletes the cluster.
        clusterIdentifier: cluster.id,
        identifier,
        instanceClass: args.instanceClass,
        applyImmediately: true,
    };
}

function clusterOptions(args: RestoredClusterArgs): pulumi.CustomResourceOptions {
    return {
        // A restored cluster's master user is the snapshot's: the configured one names an empty cluster's only,
        // and would otherwise read as a change that replaces the restored cluster at every run.
        ignoreChanges: ["masterUsername"],
        // An identifier kept across restores belongs to one cluster at a time: the old one goes first.
        ...(args.clusterIdentifier !== undefined ? { deleteBeforeReplace: true } : {}),
    };
}

function instanceOptions(args: RestoredClusterArgs): pulumi.CustomResourceOptions {
    // Instances named after a kept cluster identifier keep their names too, so they also go first.
    return args.clusterIdentifier !== undefined ? { deleteBeforeReplace: true } : {};
}

/** Logical names, and identifiers derived from a kept cluster identifier (else generated). */
function instanceIdentifiers(name: string, args: RestoredClusterArgs): { logicalName: string; identifier: string | undefined }[] {
    return Array.from({ length: args.instanceCount }, (_, index) => ({
        logicalName: `${name}-${index + 1}`,
        identifier: args.clusterIdentifier !== undefined ? `${args.clusterIdentifier}-${index + 1}` : undefined,
    }));
}

function checkInstanceCount(name: string, instanceCount: number): void {
    if (!Number.isInteger(instanceCount) || instanceCount < 1) {
        throw new Error(`${name}: instanceCount must be a whole number of at least 1 (got ${instanceCount}): a cluster without instances cannot be connected to.`);
    }
}
