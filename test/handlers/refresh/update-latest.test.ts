import { CopyDBClusterSnapshotCommand as CopyDocDbSnapshot, DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot, SnapshotQuotaExceededFault } from "@aws-sdk/client-docdb";
import { CopyDBClusterSnapshotCommand as CopyRdsSnapshot, DescribeDBClusterSnapshotsCommand as DescribeRdsSnapshots, RDSServiceException } from "@aws-sdk/client-rds";
import { PutParameterCommand, SSMServiceException } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { RefreshSettings } from "../../../handlers/refresh/settings";
import { INSTANCE_TAG, MANAGED_BY_TAG, SOURCE_ARN_TAG } from "../../../handlers/snapshots";
import { updateLatestSnapshots } from "../../../handlers/refresh/update-latest";
import {
    arnOf,
    auroraSettings,
    AwsMocks,
    copyIdentifierOf,
    copyOf,
    documentDbSettings,
    escapeRegExp,
    identifierOf,
    KMS_KEY_ARN,
    mockAws,
    ownSnapshot,
    PARAMETER,
    parameterWrites,
    RecordingLogger,
    recordingLogger,
    refreshSettings,
    rejectionOf,
    serveAuroraSnapshots,
    serveDocumentDbSnapshots,
    serveParameters,
    sharedSnapshot,
    SnapshotRecord,
    snapshotArn,
    SOURCE_ACCOUNT,
    STRANGER_ACCOUNT,
    summarized,
    summaryLine,
    TARGET_ACCOUNT,
    updateDependencies,
} from "../support";

const AURORA_ONLY = refreshSettings({ engines: [auroraSettings()] });
const DOCUMENTDB_ONLY = refreshSettings({ engines: [documentDbSettings()] });

const olderDocumentDb = sharedSnapshot({ name: "catalog-weekly", engine: "documentdb", createdAt: "2024-05-01T03:00:00Z", cluster: "catalog" });
const newestDocumentDb = sharedSnapshot({ name: "catalog-daily", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z", cluster: "catalog" });

describe("updateLatestSnapshots", () => {
    let aws: AwsMocks;
    let logger: RecordingLogger;
    beforeEach(() => {
        aws = mockAws();
        logger = recordingLogger();
    });
    afterEach(() => aws.restore());

    /** A run as the handler makes it, under its one summary line. */
    const run = (settings: RefreshSettings) => summarized(logger.log, () => updateLatestSnapshots(settings, updateDependencies(logger.log)));
    const loggedEngine = (engine: string) => summaryLine(logger).engines?.[engine] ?? {};
    const copyInputs = () => aws.docdb.commandCalls(CopyDocDbSnapshot).map((call) => call.args[0].input);
    const deletedIdentifiers = () => aws.docdb.commandCalls(DeleteDocDbSnapshot).map((call) => call.args[0].input.DBClusterSnapshotIdentifier);

    describe("choosing the newest shared snapshot", () => {
        it("takes the latest creation time across every page, whatever the list order and names say", async () => {
            const newest = sharedSnapshot({ name: "orders-2024-05-01", createdAt: "2024-05-04T03:00:00Z" });
            const describeRequests = serveAuroraSnapshots(aws, {
                shared: [
                    [sharedSnapshot({ name: "orders-zz-latest", createdAt: "2024-05-02T03:00:00Z" })],
                    [sharedSnapshot({ name: "orders-2024-04-30", createdAt: "2024-04-30T03:00:00Z" }), newest],
                    [sharedSnapshot({ name: "orders-2024-05-09", createdAt: "2024-05-03T03:00:00Z" })],
                ],
            });
            serveParameters(aws);

            const summary = await run(AURORA_ONLY);

            expect(describeRequests.map((request) => [request.SnapshotType, request.Marker])).to.deep.equal([
                ["shared", undefined],
                ["shared", "page-1"],
                ["shared", "page-2"],
            ]);
            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(newest)]]);
            expect(summary.engines).to.deep.equal([
                { engine: "aurora", newestShared: arnOf(newest), latestBefore: undefined, latestAfter: arnOf(newest), deletedCopies: [], warnings: [] },
            ]);
        });

        it("writes latest as a plain String parameter, overwriting", async () => {
            const newest = sharedSnapshot({ name: "orders-daily", createdAt: "2024-05-04T03:00:00Z" });
            serveAuroraSnapshots(aws, { shared: [[newest]] });
            serveParameters(aws);

            await run(AURORA_ONLY);

            expect(aws.ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input)).to.deep.equal([
                { Name: PARAMETER.auroraLatest, Value: arnOf(newest), Type: "String", Overwrite: true },
            ]);
        });

        it("never takes a snapshot still being created or one that can never be restored", async () => {
            const usable = sharedSnapshot({ name: "orders-usable", createdAt: "2024-05-01T03:00:00Z" });
            serveAuroraSnapshots(aws, {
                shared: [[
                    sharedSnapshot({ name: "orders-creating", status: "creating" }),
                    sharedSnapshot({ name: "orders-failed", status: "failed", createdAt: "2024-05-04T03:00:00Z" }),
                    sharedSnapshot({ name: "orders-incompatible", status: "incompatible-restore", createdAt: "2024-05-03T03:00:00Z" }),
                    usable,
                ]],
            });
            serveParameters(aws);

            await run(AURORA_ONLY);

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(usable)]]);
        });

        it("keeps each engine to its own snapshots in the one listing, read once for both", async () => {
            const aurora = sharedSnapshot({ name: "orders-daily", createdAt: "2024-05-02T03:00:00Z", cluster: "orders" });
            const newerOtherCluster = sharedSnapshot({ name: "billing-daily", createdAt: "2024-05-09T03:00:00Z", cluster: "billing" });
            const auroraRequests = serveAuroraSnapshots(aws, { shared: [[aurora, newerOtherCluster]] });
            const documentDbRequests = serveDocumentDbSnapshots(aws, { shared: [[newestDocumentDb, olderDocumentDb]], manual: [[]] });
            serveDocumentDbCopy(newestDocumentDb);
            serveParameters(aws);

            const summary = await run(refreshSettings({ engines: [auroraSettings({ sourceClusters: ["orders"] }), documentDbSettings()] }));

            // Aurora passes over the newer DocumentDB snapshot and the other cluster's; DocumentDB over the newer Aurora one.
            expect(summary.engines.map((report) => report.newestShared)).to.deep.equal([arnOf(aurora), arnOf(newestDocumentDb)]);
            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(aurora)]]);
            expect(copyInputs().map((input) => input.SourceDBClusterSnapshotIdentifier)).to.deep.equal([arnOf(newestDocumentDb)]);
            expect(auroraRequests.map((request) => request.SnapshotType)).to.deep.equal(["shared", "manual"]);
            expect(documentDbRequests, "the DocumentDB client only copies").to.deep.equal([]);
        });

        it("ignores a newer snapshot that another account shares", async () => {
            const fromSource = sharedSnapshot({ name: "orders-daily", createdAt: "2024-05-02T03:00:00Z" });
            serveAuroraSnapshots(aws, {
                shared: [[sharedSnapshot({ name: "orders-daily", account: STRANGER_ACCOUNT, createdAt: "2024-05-08T03:00:00Z" }), fromSource]],
            });
            serveParameters(aws);

            await run(AURORA_ONLY);

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(fromSource)]]);
        });

        it("follows only the configured source clusters", async () => {
            const orders = sharedSnapshot({ name: "orders-daily", cluster: "orders", createdAt: "2024-05-02T03:00:00Z" });
            serveAuroraSnapshots(aws, {
                shared: [[sharedSnapshot({ name: "billing-daily", cluster: "billing", createdAt: "2024-05-03T03:00:00Z" }), orders]],
            });
            serveParameters(aws);

            await run(refreshSettings({ engines: [auroraSettings({ sourceClusters: ["orders"] })] }));

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.auroraLatest, arnOf(orders)]]);
        });

        it("does not write latest when it already names the newest snapshot", async () => {
            const newest = sharedSnapshot({ name: "orders-daily", createdAt: "2024-05-02T03:00:00Z" });
            serveAuroraSnapshots(aws, { shared: [[newest]] });
            serveParameters(aws, { [PARAMETER.auroraLatest]: arnOf(newest) });

            const summary = await run(AURORA_ONLY);

            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(summary.engines[0].latestAfter).to.equal(arnOf(newest));
        });

        it("fails with NothingSharedError and leaves latest alone when the source account shares nothing usable", async () => {
            const latest = snapshotArn(SOURCE_ACCOUNT, "orders-old");
            serveAuroraSnapshots(aws, {
                shared: [[
                    sharedSnapshot({ name: "orders-daily", account: STRANGER_ACCOUNT, createdAt: "2024-05-08T03:00:00Z" }),
                    sharedSnapshot({ name: "orders-creating", status: "creating" }),
                ]],
            });
            serveParameters(aws, { [PARAMETER.auroraLatest]: latest });

            const error = await rejectionOf(run(AURORA_ONLY));

            expect(error.name).to.equal("EnginesFailedError");
            expect(error.message).to.include(`aurora (NothingSharedError: no available aurora snapshot of account ${SOURCE_ACCOUNT}`);
            expect(error.message).to.include(`latest stays ${latest}`);
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
        });
    });

    describe("copying, for engines that restore from a copy", () => {
        it("starts exactly one copy named after the source, by its ARN, tagged, with no key for an unencrypted source", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[olderDocumentDb, newestDocumentDb]], manual: [[]] });
            serveDocumentDbCopy(newestDocumentDb);
            serveParameters(aws);

            const summary = await run(DOCUMENTDB_ONLY);

            expect(copyInputs()).to.deep.equal([
                {
                    SourceDBClusterSnapshotIdentifier: arnOf(newestDocumentDb),
                    TargetDBClusterSnapshotIdentifier: copyIdentifierOf("documentdb", newestDocumentDb),
                    KmsKeyId: undefined,
                    Tags: [
                        { Key: MANAGED_BY_TAG, Value: "snapshot-refresh" },
                        { Key: SOURCE_ARN_TAG, Value: arnOf(newestDocumentDb) },
                        { Key: INSTANCE_TAG, Value: "snapshot-refresh" },
                    ],
                },
            ]);
            expect(summary.engines[0].copy).to.deep.equal({ identifier: copyIdentifierOf("documentdb", newestDocumentDb), outcome: "started" });
            // Nothing is restorable yet: latest keeps pointing where it did.
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
        });

        it("starts no second copy while the first is in progress", async () => {
            const olderCopy = copyOf(olderDocumentDb, "documentdb");
            serveDocumentDbSnapshots(aws, {
                shared: [[olderDocumentDb, newestDocumentDb]],
                manual: [[olderCopy, copyOf(newestDocumentDb, "documentdb", "copying")]],
            });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(olderCopy) });

            const summary = await run(DOCUMENTDB_ONLY);

            expect(copyInputs()).to.deep.equal([]);
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
            expect(summary.engines[0].copy?.outcome).to.equal("in-progress");
            expect(summary.engines[0].latestAfter).to.equal(arnOf(olderCopy));
        });

        it("starts no copy once it is available, and points latest at the copy's ARN", async () => {
            const olderCopy = copyOf(olderDocumentDb, "documentdb");
            const newestCopy = copyOf(newestDocumentDb, "documentdb");
            serveDocumentDbSnapshots(aws, { shared: [[olderDocumentDb, newestDocumentDb]], manual: [[newestCopy, olderCopy]] });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(olderCopy) });

            const summary = await run(DOCUMENTDB_ONLY);

            expect(copyInputs()).to.deep.equal([]);
            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbLatest, snapshotArn(TARGET_ACCOUNT, copyIdentifierOf("documentdb", newestDocumentDb))]]);
            expect(summary.engines[0].copy?.outcome).to.equal("available");
        });

        it("re-encrypts the copy of an encrypted source with the configured key", async () => {
            const encrypted = sharedSnapshot({ name: "catalog-daily", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z", encrypted: true });
            serveDocumentDbSnapshots(aws, { shared: [[encrypted]], manual: [[]] });
            serveDocumentDbCopy(encrypted);
            serveParameters(aws);

            await run(refreshSettings({ engines: [documentDbSettings({ kmsKeyArn: KMS_KEY_ARN })] }));

            expect(copyInputs().map((input) => [input.SourceDBClusterSnapshotIdentifier, input.KmsKeyId])).to.deep.equal([[arnOf(encrypted), KMS_KEY_ARN]]);
        });

        it("does not pass the configured key for an unencrypted source", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[newestDocumentDb]], manual: [[]] });
            serveDocumentDbCopy(newestDocumentDb);
            serveParameters(aws);

            await run(refreshSettings({ engines: [documentDbSettings({ kmsKeyArn: KMS_KEY_ARN })] }));

            expect(copyInputs().map((input) => input.KmsKeyId)).to.deep.equal([undefined]);
        });

        it("refuses to copy an encrypted source when no key is configured, and says which setting is missing", async () => {
            const olderCopy = copyOf(olderDocumentDb, "documentdb");
            const encrypted = sharedSnapshot({ name: "catalog-daily", engine: "documentdb", createdAt: "2024-05-05T03:00:00Z", encrypted: true });
            serveDocumentDbSnapshots(aws, { shared: [[olderDocumentDb, encrypted]], manual: [[olderCopy]] });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(olderCopy) });

            const error = await rejectionOf(run(DOCUMENTDB_ONLY));

            expect(error.name).to.equal("EnginesFailedError");
            const engineError = String(loggedEngine("documentdb").error);
            expect(engineError).to.match(/^EncryptedSourceNeedsKeyError: /);
            expect(engineError).to.include(`${arnOf(encrypted)} is encrypted`);
            expect(engineError).to.include("set kmsKeyArn for the documentdb engine");
            expect(error.message).to.include(engineError);
            expect(copyInputs()).to.deep.equal([]);
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
        });

        it("deletes a failed copy of the newest snapshot and fails the run saying so", async () => {
            const olderCopy = copyOf(olderDocumentDb, "documentdb");
            const failedCopy = copyOf(newestDocumentDb, "documentdb", "failed");
            serveDocumentDbSnapshots(aws, { shared: [[olderDocumentDb, newestDocumentDb]], manual: [[failedCopy, olderCopy]] });
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(olderCopy) });

            const error = await rejectionOf(run(DOCUMENTDB_ONLY));

            expect(deletedIdentifiers()).to.deep.equal([identifierOf(failedCopy)]);
            expect(copyInputs()).to.deep.equal([]);
            expect(error.name).to.equal("EnginesFailedError");
            expect(error.message).to.include(
                `documentdb (CopyFailedError: the copy ${identifierOf(failedCopy)} of ${arnOf(newestDocumentDb)} failed; it was deleted so that the next run copies again`,
            );
            expect(loggedEngine("documentdb").copy).to.deep.equal({ identifier: identifierOf(failedCopy), outcome: "failed-and-deleted" });
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
        });

        it("still records latest and trims when the failed copy cannot be deleted, and says so", async () => {
            const olderCopy = copyOf(olderDocumentDb, "documentdb");
            const failedCopy = copyOf(newestDocumentDb, "documentdb", "failed");
            serveDocumentDbSnapshots(aws, { shared: [[olderDocumentDb, newestDocumentDb]], manual: [[failedCopy, olderCopy]] });
            aws.docdb.on(DeleteDocDbSnapshot).rejects(new Error("Rate exceeded"));
            serveParameters(aws);

            const error = await rejectionOf(run(DOCUMENTDB_ONLY));

            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbLatest, arnOf(olderCopy)]]);
            expect(error.message).to.include(`the copy ${identifierOf(failedCopy)} of ${arnOf(newestDocumentDb)} failed; deleting it failed (Error: Rate exceeded); the next run tries again`);
            expect(copyInputs()).to.deep.equal([]);
        });

        it("explains a snapshot quota fault", async () => {
            serveDocumentDbSnapshots(aws, { shared: [[newestDocumentDb]], manual: [[]] });
            aws.docdb.on(CopyDocDbSnapshot).rejects(new SnapshotQuotaExceededFault({ message: "Cannot create more than 100 manual snapshots", $metadata: { httpStatusCode: 400 } }));
            serveParameters(aws);

            const error = await rejectionOf(run(DOCUMENTDB_ONLY));

            expect(error.name).to.equal("EnginesFailedError");
            expect(loggedEngine("documentdb").error).to.match(
                new RegExp(`^SnapshotQuotaError: cannot copy ${escapeRegExp(arnOf(newestDocumentDb))}: this account has reached a snapshot quota`),
            );
            expect(loggedEngine("documentdb").copy).to.deep.equal({ identifier: copyIdentifierOf("documentdb", newestDocumentDb), outcome: "not-started" });
            expect(error.message).to.include("deletes its own copies beyond keepCopies before it copies; delete other manual snapshots you no longer need");
            expect(aws.ssm.commandCalls(PutParameterCommand)).to.have.length(0);
        });

        describe("a copy that cannot start stops nothing else", () => {
            const sources = [1, 2, 3].map((day) => sharedSnapshot({ name: `catalog-${day}`, engine: "documentdb", createdAt: `2024-05-0${day}T03:00:00Z`, cluster: "catalog" }));
            const [copy1, copy2, copy3] = sources.map((source) => copyOf(source, "documentdb"));

            it("at the snapshot quota, first deletes its own copies beyond keepCopies, then copies into the room it made", async () => {
                // The previous run left three copies: the third finished after it trimmed. The account is full.
                let manualSnapshots = 100;
                serveDocumentDbSnapshots(aws, { shared: [[...sources, newestDocumentDb]], manual: [[copy3, copy2, copy1]] });
                aws.docdb.on(DeleteDocDbSnapshot).callsFake(() => {
                    manualSnapshots -= 1;
                    return {};
                });
                aws.docdb.on(CopyDocDbSnapshot).callsFake(() => {
                    if (manualSnapshots >= 100) throw new SnapshotQuotaExceededFault({ message: "Cannot create more than 100 manual snapshots", $metadata: { httpStatusCode: 400 } });
                    return { DBClusterSnapshot: copyOf(newestDocumentDb, "documentdb", "copying") };
                });
                serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(copy3), [PARAMETER.documentDbCurrent]: arnOf(copy3) });

                const summary = await run(DOCUMENTDB_ONLY);

                expect(deletedIdentifiers()).to.deep.equal([identifierOf(copy1)]);
                expect(summary.engines[0].copy).to.deep.equal({ identifier: copyIdentifierOf("documentdb", newestDocumentDb), outcome: "started" });
                const order = aws.docdb.calls().map((call) => call.args[0].constructor.name).filter((name) => /Copy|Delete/.test(name));
                expect(order).to.deep.equal(["DeleteDBClusterSnapshotCommand", "CopyDBClusterSnapshotCommand"]);
            });

            it("still moves latest to a newer available copy and trims, then fails saying why the copy did not start", async () => {
                serveDocumentDbSnapshots(aws, { shared: [[...sources, newestDocumentDb]], manual: [[copy3, copy2, copy1]] });
                aws.docdb.on(DeleteDocDbSnapshot).resolves({});
                aws.docdb.on(CopyDocDbSnapshot).rejects(new SnapshotQuotaExceededFault({
                    message: "Cannot copy snapshot: there are already 5 snapshot copies in progress", $metadata: { httpStatusCode: 400 },
                }));
                serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(copy2), [PARAMETER.documentDbCurrent]: arnOf(copy2) });

                const error = await rejectionOf(run(DOCUMENTDB_ONLY));

                expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbLatest, arnOf(copy3)]]);
                expect(deletedIdentifiers()).to.deep.equal([identifierOf(copy1)]);
                expect(error.name).to.equal("EnginesFailedError");
                expect(error.message).to.match(/documentdb \(SnapshotQuotaError: cannot copy .*5 snapshot copies in progress/);
            });

            it("fails as TransientAwsError, which the cycle retries, when the copy met throttling", async () => {
                serveDocumentDbSnapshots(aws, { shared: [[...sources, newestDocumentDb]], manual: [[copy3, copy2]] });
                aws.docdb.on(CopyDocDbSnapshot).rejects(new RDSServiceException({ name: "Throttling", $fault: "client", message: "Rate exceeded", $metadata: { httpStatusCode: 400 } }));
                serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(copy2) });

                const error = await rejectionOf(run(DOCUMENTDB_ONLY));

                expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbLatest, arnOf(copy3)]]);
                expect(error.name).to.equal("TransientAwsError");
                expect(error.message).to.match(/^db-update-latest-snapshot-id failed for documentdb: AWS throttled or could not answer \(CopyFailedError: cannot copy .* Throttling: Rate exceeded\)/);
            });
        });

        it("leaves latest on a copy of a cluster no longer followed only until a followed copy is ready, and says so", async () => {
            const catalogV2 = sharedSnapshot({ name: "catalog-v2-1", engine: "documentdb", createdAt: "2024-05-06T03:00:00Z", cluster: "catalog-v2" });
            const catalogCopy = copyOf(newestDocumentDb, "documentdb");
            serveDocumentDbSnapshots(aws, { shared: [[newestDocumentDb, catalogV2]], manual: [[catalogCopy]] });
            serveDocumentDbCopy(catalogV2);
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(catalogCopy), [PARAMETER.documentDbCurrent]: arnOf(catalogCopy) });

            const summary = await run(refreshSettings({ engines: [documentDbSettings({ sourceClusters: ["catalog-v2"] })] }));

            expect(parameterWrites(aws)).to.deep.equal([]);
            expect(summary.engines[0].copy).to.deep.equal({ identifier: copyIdentifierOf("documentdb", catalogV2), outcome: "started" });
            expect(summary.engines[0].warnings).to.deep.equal([
                `latest names ${arnOf(catalogCopy)}, a copy of cluster catalog, which is no longer followed: it moves to a copy of a followed cluster ` +
                "once one is available, and the restore does not use it",
            ]);
        });

        it("records only copies of followed clusters as latest, and trims copies of clusters no longer followed", async () => {
            const catalogV2 = sharedSnapshot({ name: "catalog-v2-1", engine: "documentdb", createdAt: "2024-05-02T03:00:00Z", cluster: "catalog-v2" });
            const catalogV2Copy = copyOf(catalogV2, "documentdb");
            const olderCatalogCopy = copyOf(olderDocumentDb, "documentdb");
            const newestCatalogCopy = copyOf(newestDocumentDb, "documentdb");
            serveDocumentDbSnapshots(aws, { shared: [[olderDocumentDb, newestDocumentDb, catalogV2]], manual: [[newestCatalogCopy, olderCatalogCopy, catalogV2Copy]] });
            aws.docdb.on(DeleteDocDbSnapshot).resolves({});
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(newestCatalogCopy), [PARAMETER.documentDbCurrent]: arnOf(olderCatalogCopy) });

            const summary = await run(refreshSettings({ engines: [documentDbSettings({ sourceClusters: ["catalog-v2"] })] }));

            expect(summary.engines[0].newestShared).to.equal(arnOf(catalogV2));
            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbLatest, arnOf(catalogV2Copy)]]);
            // What current names stays until the pipeline has moved on; the rest of the old cluster goes.
            expect(deletedIdentifiers()).to.deep.equal([identifierOf(newestCatalogCopy)]);
        });

        it("copies for Aurora too when the engine is configured to", async () => {
            const aurora = sharedSnapshot({ name: "orders-daily", createdAt: "2024-05-02T03:00:00Z" });
            serveAuroraSnapshots(aws, { shared: [[aurora]], manual: [[]] });
            aws.rds.on(CopyRdsSnapshot).resolves({
                DBClusterSnapshot: ownSnapshot(copyIdentifierOf("aurora", aurora), { engine: "aurora", status: "copying", sourceArn: arnOf(aurora) }),
            });
            serveParameters(aws);

            await run(refreshSettings({ engines: [auroraSettings({ copy: true })] }));

            expect(aws.rds.commandCalls(CopyRdsSnapshot).map((call) => call.args[0].input.TargetDBClusterSnapshotIdentifier)).to.deep.equal([
                copyIdentifierOf("aurora", aurora),
            ]);
        });
    });

    describe("retention", () => {
        const sources = [1, 2, 3, 4, 5].map((day) =>
            sharedSnapshot({ name: `catalog-day-${day}`, engine: "documentdb", createdAt: `2024-05-0${day}T03:00:00Z` }),
        );
        const copies = sources.map((source) => copyOf(source, "documentdb"));
        const [copy1, copy2, copy3, copy4, copy5] = copies;

        it("keeps the newest keepCopies copies, what current names, and everything it did not make", async () => {
            const inProgressOfOlder = copyOf(sharedSnapshot({ name: "catalog-old", engine: "documentdb", createdAt: "2024-04-20T03:00:00Z" }), "documentdb", "copying");
            const failedOfOlder = copyOf(sharedSnapshot({ name: "catalog-older", engine: "documentdb", createdAt: "2024-04-10T03:00:00Z" }), "documentdb", "failed");
            const someoneElses = [
                ownSnapshot("before-migration", { engine: "documentdb", createdAt: "2024-01-01T00:00:00Z" }),
                ownSnapshot("other-refresh-documentdb-20240401t030000-0123abcd", { engine: "documentdb", createdAt: "2024-04-01T04:00:00Z" }),
                ownSnapshot("snapshot-refresh-documentdb-20240402t030000-0123abcd", {
                    engine: "documentdb",
                    createdAt: "2024-04-02T04:00:00Z",
                    sourceArn: snapshotArn(STRANGER_ACCOUNT, "catalog"),
                }),
            ];
            serveDocumentDbSnapshots(aws, {
                shared: [sources],
                manual: [[copy3, ...someoneElses, copy1], [inProgressOfOlder, copy5, failedOfOlder], [copy2, copy4]],
            });
            aws.docdb.on(DeleteDocDbSnapshot).resolves({});
            serveParameters(aws, {
                [PARAMETER.documentDbLatest]: arnOf(copy4),
                [PARAMETER.documentDbCurrent]: identifierOf(copy1),
            });

            const summary = await run(DOCUMENTDB_ONLY);

            expect(deletedIdentifiers()).to.deep.equal([identifierOf(copy3), identifierOf(copy2), identifierOf(failedOfOlder)]);
            expect(summary.engines[0].deletedCopies).to.deep.equal(deletedIdentifiers());
            expect(parameterWrites(aws)).to.deep.equal([[PARAMETER.documentDbLatest, arnOf(copy5)]]);
        });

        it("keeps what latest and current name even beyond keepCopies", async () => {
            serveDocumentDbSnapshots(aws, { shared: [sources], manual: [copies] });
            aws.docdb.on(DeleteDocDbSnapshot).resolves({});
            serveParameters(aws, {
                [PARAMETER.documentDbLatest]: arnOf(copy5),
                [PARAMETER.documentDbCurrent]: arnOf(copy2),
            });

            await run(refreshSettings({ engines: [documentDbSettings({ keepCopies: 0 })] }));

            expect(deletedIdentifiers()).to.deep.equal([identifierOf(copy4), identifierOf(copy3), identifierOf(copy1)]);
        });

        it("reports a copy it could not delete as a warning and still succeeds", async () => {
            serveDocumentDbSnapshots(aws, { shared: [sources], manual: [[copy5, copy4, copy3]] });
            aws.docdb.on(DeleteDocDbSnapshot).rejects(new Error("Rate exceeded"));
            serveParameters(aws, { [PARAMETER.documentDbLatest]: arnOf(copy5) });

            const summary = await run(refreshSettings({ engines: [documentDbSettings({ keepCopies: 2 })] }));

            expect(summary.engines[0].deletedCopies).to.deep.equal([]);
            expect(summary.engines[0].warnings).to.deep.equal([`could not delete old copy ${identifierOf(copy3)}: Error: Rate exceeded`]);
        });
    });

    describe("engines are independent", () => {
        it("writes DocumentDB's latest although Aurora fails, fails the run naming Aurora, and logs both on its summary line", async () => {
            const aurora = sharedSnapshot({ name: "orders-daily", createdAt: "2024-05-02T03:00:00Z" });
            const newestCopy = copyOf(newestDocumentDb, "documentdb");
            serveAuroraSnapshots(aws, { shared: [[aurora]] });
            serveDocumentDbSnapshots(aws, { shared: [[newestDocumentDb]], manual: [[newestCopy]] });
            const stored = serveParameters(aws);
            const denied = "not authorized to perform: ssm:PutParameter on resource aurora_latest_snapshot_id";
            aws.ssm.on(PutParameterCommand, { Name: PARAMETER.auroraLatest }).rejects(
                new SSMServiceException({ name: "AccessDeniedException", $fault: "client", $metadata: {}, message: denied }),
            );

            const error = await rejectionOf(run(refreshSettings()));

            expect(stored.get(PARAMETER.auroraLatest)).to.equal("none");
            expect(stored.get(PARAMETER.documentDbLatest)).to.equal(arnOf(newestCopy));
            expect(error.name).to.equal("EnginesFailedError");
            expect(error.message).to.equal(`db-update-latest-snapshot-id failed for aurora (AccessDeniedException: ${denied})`);
            const line = summaryLine(logger);
            expect(line).to.deep.include({ level: "ERROR", outcome: "failed", error: { name: "EnginesFailedError", message: error.message } });
            expect(line.engines).to.deep.equal({
                aurora: {
                    engine: "aurora",
                    deletedCopies: [],
                    warnings: [],
                    error: `AccessDeniedException: ${denied}`,
                },
                documentdb: {
                    engine: "documentdb",
                    newestShared: arnOf(newestDocumentDb),
                    copy: { identifier: identifierOf(newestCopy), outcome: "available" },
                    latestAfter: arnOf(newestCopy),
                    deletedCopies: [],
                    warnings: [],
                },
            });
        });

        it("fails every engine, saying why, when the one listing cannot be read, and writes nothing", async () => {
            aws.rds.on(DescribeRdsSnapshots).rejects(
                new RDSServiceException({ name: "AccessDenied", $fault: "client", $metadata: {}, message: "not authorized to perform: rds:DescribeDBClusterSnapshots" }),
            );
            serveParameters(aws);

            const error = await rejectionOf(run(refreshSettings()));

            expect(error.message).to.equal(
                "db-update-latest-snapshot-id failed for aurora (AccessDenied: not authorized to perform: rds:DescribeDBClusterSnapshots); " +
                "documentdb (AccessDenied: not authorized to perform: rds:DescribeDBClusterSnapshots)",
            );
            expect(parameterWrites(aws)).to.deep.equal([]);
        });

    });

    /** CopyDBClusterSnapshot answers as AWS does: the new copy, still copying. */
    function serveDocumentDbCopy(source: SnapshotRecord): void {
        aws.docdb.on(CopyDocDbSnapshot).resolves({
            DBClusterSnapshot: ownSnapshot(copyIdentifierOf("documentdb", source), { engine: "documentdb", status: "copying", sourceArn: arnOf(source) }),
        });
    }
});
