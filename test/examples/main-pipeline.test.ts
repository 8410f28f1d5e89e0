import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { ACCOUNT_ID, deploymentFailure, mocks, RecordedResource, REGION, SOURCE_ACCOUNT_ID, valueOf } from "../components/pulumi-mocks";
import { answerParameterReads } from "./ssm-parameters";

type Program = () => Record<string, Record<string, pulumi.Output<unknown>>>;
type ClustersModule = typeof import("../../examples/main-pipeline/restored-clusters");
let clusters: ClustersModule;

const AURORA_CLUSTER = "aws:rds/cluster:Cluster";
const AURORA_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const DOCUMENTDB_CLUSTER = "aws:docdb/cluster:Cluster";
const DOCUMENTDB_INSTANCE = "aws:docdb/clusterInstance:ClusterInstance";

const SHARED_SNAPSHOT = `arn:aws:rds:${REGION}:${SOURCE_ACCOUNT_ID}:cluster-snapshot:snapshot-refresh-share-orders-2026-12-05`;
const COPY = `arn:aws:rds:${REGION}:${ACCOUNT_ID}:cluster-snapshot:snapshot-refresh-documentdb-20261205t2000-1a2b3c`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** The settings every run of the program gets, by key without the project's namespace. */
const NETWORK = { kmsKeyArn: KEY_ARN, dbSubnetGroupName: "acceptance-databases", vpcSecurityGroupIds: '["sg-0123456789abcdef0"]' };

/**
 * The program as the Pulumi CLI runs it, with its stack's configuration (keys without the namespace, which is
 * the project's).
 */
async function runProgram(config: Record<string, string>): Promise<ReturnType<Program>> {
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${pulumi.getProject()}:${key}`, value])));
    const program = (await import("../../examples/main-pipeline")) as unknown as Program | { default: Program };
    return (typeof program === "function" ? program : program.default)();
}

/**
 * Makes the shared mocks answer for clusters as the provider does: the id is the cluster identifier (generated
 * from the logical name when none is given), with endpoints and the master user's secret. `stop` ends it.
 */
function answerClustersAsTheProvider(): { stop: () => void } {
    const sharedNewResource = mocks.newResource.bind(mocks);
    mocks.newResource = (args: pulumi.runtime.MockResourceArgs) => {
        const created = sharedNewResource(args);
        if (args.type !== AURORA_CLUSTER && args.type !== DOCUMENTDB_CLUSTER) return created;
        const identifier = (args.inputs.clusterIdentifier as string | undefined) ?? `${args.name}-1a2b3c4`;
        const domain = args.type === AURORA_CLUSTER ? "rds.amazonaws.com" : "docdb.amazonaws.com";
        return {
            id: identifier,
            state: {
                ...created.state,
                clusterIdentifier: identifier,
                endpoint: `${identifier}.cluster-c1a2b3c4d5e6.${REGION}.${domain}`,
                readerEndpoint: `${identifier}.cluster-ro-c1a2b3c4d5e6.${REGION}.${domain}`,
                masterUserSecrets: [{ secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:rds!cluster-${identifier}-AbCdEf`, secretStatus: "active", kmsKeyId: "" }],
            },
        };
    };
    return { stop: () => Reflect.deleteProperty(mocks, "newResource") };
}

/** Every output of the program, resolved: all resources are registered once they are. */
async function resolved(outputs: ReturnType<Program>): Promise<Record<string, Record<string, unknown>>> {
    const entries = await Promise.all(Object.entries(outputs).map(async ([group, values]) => [
        group,
        Object.fromEntries(await Promise.all(Object.entries(values).map(async ([key, value]) => [key, await valueOf(value)]))),
    ]));
    await mocks.settle();
    return Object.fromEntries(entries);
}

const one = (type: string): RecordedResource => {
    const found = mocks.ofType(type);
    expect(found, type).to.have.length(1);
    return found[0];
};

describe("the main pipeline example (examples/main-pipeline)", function () {
    this.timeout(30_000);
    const stops: (() => void)[] = [];
    function parameters(values: Record<string, string>) {
        const answering = answerParameterReads(values);
        stops.push(answering.stop);
        return answering.reads;
    }

    before(async () => {
        clusters = await import("../../examples/main-pipeline/restored-clusters");
    });
    beforeEach(() => {
        mocks.reset();
        stops.push(answerClustersAsTheProvider().stop);
    });
    afterEach(() => {
        for (const stop of stops.splice(0)) stop();
    });
    after(() => pulumi.runtime.setAllConfig({}));

    describe("the program", () => {
        it("restores each cluster from its engine's current snapshot, with the settings that let a new snapshot replace it", async () => {
            parameters({ aurora_current_snapshot_id: SHARED_SNAPSHOT, documentdb_current_snapshot_id: COPY });
            const outputs = await resolved(await runProgram({ ...NETWORK, instanceCount: "2" }));

            const replaceable = {
                deletionProtection: false,
                skipFinalSnapshot: true,
                kmsKeyId: KEY_ARN,
                storageEncrypted: true,
                manageMasterUserPassword: true,
                applyImmediately: true,
                dbSubnetGroupName: "acceptance-databases",
                vpcSecurityGroupIds: ["sg-0123456789abcdef0"],
            };
            const aurora = one(AURORA_CLUSTER);
            expect(aurora.inputs).to.deep.include({ ...replaceable, snapshotIdentifier: SHARED_SNAPSHOT, engine: "aurora-postgresql" });
            expect(aurora.inputs).to.not.have.property("clusterIdentifier");
            expect(aurora.inputs).to.not.have.property("finalSnapshotIdentifier");
            const documentDb = one(DOCUMENTDB_CLUSTER);
            expect(documentDb.inputs).to.deep.include({ ...replaceable, snapshotIdentifier: COPY, engine: "docdb" });

            const auroraInstances = mocks.ofType(AURORA_INSTANCE);
            expect(auroraInstances.map((instance) => instance.name)).to.deep.equal(["aurora-1", "aurora-2"]);
            for (const instance of auroraInstances) {
                expect(instance.inputs).to.include({ clusterIdentifier: "aurora-1a2b3c4", engine: "aurora-postgresql", instanceClass: "db.r6g.large", dbSubnetGroupName: "acceptance-databases", applyImmediately: true });
                expect(instance.inputs).to.not.have.property("identifier");
            }
            const documentDbInstances = mocks.ofType(DOCUMENTDB_INSTANCE);
            expect(documentDbInstances.map((instance) => instance.name)).to.deep.equal(["documentdb-1", "documentdb-2"]);
            for (const instance of documentDbInstances) {
                expect(instance.inputs).to.include({ clusterIdentifier: "documentdb-1a2b3c4", engine: "docdb", instanceClass: "db.r6g.large", applyImmediately: true });
            }

            expect(outputs.aurora).to.deep.equal({
                restoredFrom: SHARED_SNAPSHOT,
                clusterIdentifier: "aurora-1a2b3c4",
                endpoint: `aurora-1a2b3c4.cluster-c1a2b3c4d5e6.${REGION}.rds.amazonaws.com`,
                readerEndpoint: `aurora-1a2b3c4.cluster-ro-c1a2b3c4d5e6.${REGION}.rds.amazonaws.com`,
                masterUserSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT_ID}:secret:rds!cluster-aurora-1a2b3c4-AbCdEf`,
            });
            expect(outputs.documentDb.restoredFrom).to.equal(COPY);
            expect(outputs.documentDb.endpoint).to.equal(`documentdb-1a2b3c4.cluster-c1a2b3c4d5e6.${REGION}.docdb.amazonaws.com`);
        });

        it("creates empty clusters, with one instance each, while current is none", async () => {
            parameters({ aurora_current_snapshot_id: "none", documentdb_current_snapshot_id: "none" });
            const outputs = await resolved(await runProgram(NETWORK));
            for (const type of [AURORA_CLUSTER, DOCUMENTDB_CLUSTER]) {
                const cluster = one(type);
                expect(cluster.inputs, type).to.not.have.property("snapshotIdentifier");
                expect(cluster.inputs, type).to.include({ masterUsername: "dbadmin", manageMasterUserPassword: true, kmsKeyId: KEY_ARN });
            }
            expect(mocks.ofType(AURORA_INSTANCE)).to.have.length(1);
            expect(mocks.ofType(DOCUMENTDB_INSTANCE)).to.have.length(1);
            expect(outputs.aurora.restoredFrom).to.equal("none (an empty cluster)");
            expect(outputs.documentDb.restoredFrom).to.equal("none (an empty cluster)");
        });

        it("keeps the cluster identifiers it is given", async () => {
            parameters({ aurora_current_snapshot_id: SHARED_SNAPSHOT, documentdb_current_snapshot_id: COPY });
            const outputs = await resolved(await runProgram({ ...NETWORK, auroraClusterIdentifier: "acceptance-orders", documentDbClusterIdentifier: "acceptance-catalog" }));
            expect(one(AURORA_CLUSTER).inputs.clusterIdentifier).to.equal("acceptance-orders");
            expect(one(AURORA_INSTANCE).inputs).to.include({ clusterIdentifier: "acceptance-orders", identifier: "acceptance-orders-1" });
            expect(one(DOCUMENTDB_CLUSTER).inputs.clusterIdentifier).to.equal("acceptance-catalog");
            expect(one(DOCUMENTDB_INSTANCE).inputs).to.include({ clusterIdentifier: "acceptance-catalog", identifier: "acceptance-catalog-1" });
            expect(outputs.aurora.endpoint).to.equal(`acceptance-orders.cluster-c1a2b3c4d5e6.${REGION}.rds.amazonaws.com`);
        });

        it("reads the parameters under the refresh stack's parameterPrefix", async () => {
            const reads = parameters({ "/acceptance/aurora_current_snapshot_id": SHARED_SNAPSHOT, "/acceptance/documentdb_current_snapshot_id": COPY });
            await resolved(await runProgram({ ...NETWORK, parameterPrefix: "/acceptance/" }));
            expect([...reads.names].sort()).to.deep.equal(["/acceptance/aurora_current_snapshot_id", "/acceptance/documentdb_current_snapshot_id"]);
            expect(one(AURORA_CLUSTER).inputs.snapshotIdentifier).to.equal(SHARED_SNAPSHOT);
        });

        it("reads the parameters the refresh stack names in its outputs", async () => {
            mocks.stackOutputs["acme/snapshot-refresh/acceptance"] = {
                parameterNames: {
                    aurora: { latest: "/team-a/aurora_latest_snapshot_id", current: "/team-a/aurora_current_snapshot_id" },
                    documentdb: { latest: "/team-a/documentdb_latest_snapshot_id", current: "/team-a/documentdb_current_snapshot_id" },
                },
            };
            const reads = parameters({ "/team-a/aurora_current_snapshot_id": SHARED_SNAPSHOT, "/team-a/documentdb_current_snapshot_id": COPY });
            await resolved(await runProgram({ ...NETWORK, refreshStack: "acme/snapshot-refresh/acceptance" }));
            expect([...reads.names].sort()).to.deep.equal(["/team-a/aurora_current_snapshot_id", "/team-a/documentdb_current_snapshot_id"]);
            expect(one(DOCUMENTDB_CLUSTER).inputs.snapshotIdentifier).to.equal(COPY);
        });

        it("fails when the refresh stack does not refresh an engine, saying which", async () => {
            mocks.stackOutputs["acme/snapshot-refresh/acceptance"] = {
                parameterNames: { aurora: { latest: "aurora_latest_snapshot_id", current: "aurora_current_snapshot_id" } },
            };
            parameters({ aurora_current_snapshot_id: SHARED_SNAPSHOT });
            const outputs = await runProgram({ ...NETWORK, refreshStack: "acme/snapshot-refresh/acceptance" });
            const error = await deploymentFailure(() => [outputs.documentDb.restoredFrom]);
            // As `pulumi up` reports it: against the cluster that could not be given its snapshot.
            expect((error as Error).message).to.contain(
                "The refresh stack acme/snapshot-refresh/acceptance does not refresh documentdb (its output parameterNames has no documentdb.current): " +
                    `add documentdb to its engines, or set ${pulumi.getProject()}:refreshStack to the stack that refreshes it.`,
            );
        });

        it("refuses both refreshStack and parameterPrefix, before creating anything", async () => {
            parameters({});
            let thrown: unknown;
            try {
                await runProgram({ ...NETWORK, refreshStack: "acme/snapshot-refresh/acceptance", parameterPrefix: "/acceptance/" });
            } catch (error) {
                thrown = error;
            }
            expect((thrown as Error).message).to.contain(`Set either ${pulumi.getProject()}:refreshStack or ${pulumi.getProject()}:parameterPrefix, not both`);
            await mocks.settle();
            expect(mocks.resources).to.deep.equal([]);
        });
    });

    describe("the clusters' resource options", () => {
        /** The options each resource was registered with, by logical name. */
        let options: Map<string, pulumi.CustomResourceOptions>;
        const recordOptions: pulumi.ResourceTransformation = ({ name, opts }) => {
            // Clusters and instances are custom resources: their options are CustomResourceOptions.
            options.set(name, opts as pulumi.CustomResourceOptions);
            return undefined;
        };
        beforeEach(() => {
            options = new Map();
        });

        const args = (clusterIdentifier?: string) => ({
            snapshot: SHARED_SNAPSHOT,
            kmsKeyArn: KEY_ARN,
            dbSubnetGroupName: "acceptance-databases",
            vpcSecurityGroupIds: ["sg-0123456789abcdef0"],
            instanceClass: "db.r6g.large",
            instanceCount: 2,
            clusterIdentifier,
        });
        const build = {
            aurora: (clusterIdentifier?: string, opts: pulumi.CustomResourceOptions = {}) => clusters.auroraFromSnapshot("aurora", args(clusterIdentifier), { ...opts, transformations: [recordOptions] }),
            documentdb: (clusterIdentifier?: string, opts: pulumi.CustomResourceOptions = {}) => clusters.documentDbFromSnapshot("documentdb", args(clusterIdentifier), { ...opts, transformations: [recordOptions] }),
        };

        for (const engine of ["aurora", "documentdb"] as const) {
            describe(engine, () => {
                it("replaces a cluster with generated identifiers by creating the new one first, and never over its master user", async () => {
                    const { cluster, instances } = build[engine]();
                    await Promise.all([cluster.id, ...instances.map((instance) => instance.id)].map(valueOf));
                    expect(options.get(engine)?.ignoreChanges).to.deep.equal(["masterUsername"]);
                    expect(options.get(engine)?.deleteBeforeReplace).to.equal(undefined);
                    for (const instance of [`${engine}-1`, `${engine}-2`]) {
                        expect(options.get(instance)?.deleteBeforeReplace, instance).to.equal(undefined);
                    }
                });

                it("deletes a cluster and its instances first when their identifiers are kept", async () => {
                    const { cluster, instances } = build[engine]("acceptance-db");
                    await Promise.all([cluster.id, ...instances.map((instance) => instance.id)].map(valueOf));
                    expect(options.get(engine)).to.include({ deleteBeforeReplace: true });
                    expect(options.get(engine)?.ignoreChanges).to.deep.equal(["masterUsername"]);
                    for (const instance of [`${engine}-1`, `${engine}-2`]) {
                        expect(options.get(instance), instance).to.include({ deleteBeforeReplace: true });
                    }
                    await mocks.settle();
                    expect(mocks.resources.map((resource) => resource.inputs.identifier ?? resource.inputs.clusterIdentifier)).to.deep.equal(["acceptance-db", "acceptance-db-1", "acceptance-db-2"]);
                });

                it("keeps the caller's options", async () => {
                    const { cluster } = build[engine](undefined, { ignoreChanges: ["tags"], protect: false });
                    await valueOf(cluster.id);
                    expect(options.get(engine)?.ignoreChanges).to.have.members(["tags", "masterUsername"]);
                    expect(options.get(`${engine}-1`)?.ignoreChanges).to.deep.equal(["tags"]);
                });
            });
        }

        it("refuses a cluster without instances", () => {
            expect(() => clusters.auroraFromSnapshot("aurora", { ...args(), instanceCount: 0 })).to.throw("aurora: instanceCount must be a whole number of at least 1 (got 0)");
            expect(mocks.resources).to.deep.equal([]);
        });
    });
});
