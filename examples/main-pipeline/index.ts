import * as pulumi from "@pulumi/pulumi";
// A project of its own imports the same from the package: import { ... } from "snapshot-refresh";
import { currentSnapshot, CurrentSnapshotSource, EngineName, EngineParameterNames } from "../../components";
import { auroraFromSnapshot, documentDbFromSnapshot, RestoredClusterArgs } from "./restored-clusters";

/** Instance class of both clusters' instances unless `instanceClass` is set. */
const DEFAULT_INSTANCE_CLASS = "db.r6g.large";

/**
 * The main pipeline's program: restores an Aurora PostgreSQL and a DocumentDB cluster from the snapshots
 * snapshot-refresh chose (`aurora_current_snapshot_id`, `documentdb_current_snapshot_id`), each run replacing
 * a cluster whose snapshot changed. The returned object is the stack's outputs.
 */
export = () => {
    const config = new pulumi.Config();
    const snapshotSource = snapshotSourceOf(config);
    const shared = {
        kmsKeyArn: config.require("kmsKeyArn"),
        dbSubnetGroupName: config.require("dbSubnetGroupName"),
        vpcSecurityGroupIds: config.requireObject<string[]>("vpcSecurityGroupIds"),
        instanceClass: config.get("instanceClass") ?? DEFAULT_INSTANCE_CLASS,
        instanceCount: config.getNumber("instanceCount") ?? 1,
    } satisfies Omit<RestoredClusterArgs, "snapshot">;

    const auroraSnapshot = currentSnapshot("aurora", snapshotSource("aurora"));
    const aurora = auroraFromSnapshot("aurora", { ...shared, snapshot: auroraSnapshot, clusterIdentifier: config.get("auroraClusterIdentifier") });
    const documentDbSnapshot = currentSnapshot("documentdb", snapshotSource("documentdb"));
    const documentDb = documentDbFromSnapshot("documentdb", { ...shared, snapshot: documentDbSnapshot, clusterIdentifier: config.get("documentDbClusterIdentifier") });

    return {
        aurora: {
            restoredFrom: auroraSnapshot.apply((snapshot) => snapshot ?? "none (an empty cluster)"),
            clusterIdentifier: aurora.cluster.clusterIdentifier,
            endpoint: aurora.cluster.endpoint,
            readerEndpoint: aurora.cluster.readerEndpoint,
            masterUserSecretArn: aurora.cluster.masterUserSecrets.apply((secrets) => secrets[0]?.secretArn),
        },
        documentDb: {
            restoredFrom: documentDbSnapshot.apply((snapshot) => snapshot ?? "none (an empty cluster)"),
            clusterIdentifier: documentDb.cluster.clusterIdentifier,
            endpoint: documentDb.cluster.endpoint,
            readerEndpoint: documentDb.cluster.readerEndpoint,
            masterUserSecretArn: documentDb.cluster.masterUserSecrets.apply((secrets) => secrets[0]?.secretArn),
        },
    };
};

/**
 * Where each engine's `current` parameter is found: by the refresh stack's outputs (`refreshStack`), or by the
 * parameter prefix that stack was given (`parameterPrefix`, default none).
 */
function snapshotSourceOf(config: pulumi.Config): (engine: EngineName) => CurrentSnapshotSource {
    const refreshStack = config.get("refreshStack");
    const parameterPrefix = config.get("parameterPrefix");
    if (refreshStack === undefined) return () => ({ parameterPrefix });
    if (parameterPrefix !== undefined) {
        throw new Error(
            `Set either ${config.name}:refreshStack or ${config.name}:parameterPrefix, not both: the refresh stack's outputs already name ` +
                `its parameters. Remove one with: pulumi config rm ${config.name}:parameterPrefix`,
        );
    }
    const parameterNames = new pulumi.StackReference(refreshStack).requireOutput("parameterNames");
    return (engine) => ({
        parameterName: parameterNames.apply((names: Partial<Record<EngineName, EngineParameterNames>> | undefined) => {
            const name = names?.[engine]?.current;
            if (name === undefined) {
                throw new Error(`The refresh stack ${refreshStack} does not refresh ${engine} (its output parameterNames has no ${engine}.current): add ${engine} to its engines, or set ${config.name}:refreshStack to the stack that refreshes it.`);
            }
            return name;
        }),
    });
}
