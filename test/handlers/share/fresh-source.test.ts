import { DBClusterNotFoundFault, DBClusterSnapshotAlreadyExistsFault, SnapshotQuotaExceededFault } from "@aws-sdk/client-rds";
import { expect } from "chai";
import { ShareRun, shareSnapshots } from "../../../handlers/share/share-snapshots";
import { ShareSettings } from "../../../handlers/share/settings";
import { INSTANCE_TAG, MANAGED_BY_TAG } from "../../../handlers/snapshots";
import { rejectionOf } from "../support";
import {
    ACCEPTANCE_ACCOUNT,
    arnOf,
    CATALOG,
    checkRun,
    expectedCopyIdentifier,
    expectedFreshIdentifier,
    firstRun,
    freshSnapshotOf,
    identifierOf,
    mockProductionAccount,
    ORDERS,
    ProductionAccount,
    ProductionSnapshots,
    SHARE_INSTANCE,
    SHARE_KEY_ARN,
    shareApis,
    shareCopyOf,
    shareSettings,
    STAGING_ACCOUNT,
} from "./support";

const FRESH = shareSettings({ source: "fresh" });
const freshId = expectedFreshIdentifier("orders");
const freshAvailable = freshSnapshotOf(ORDERS);
const copyId = expectedCopyIdentifier("aurora", freshAvailable);

describe("shareSnapshots with source: fresh", () => {
    let account: ProductionAccount | undefined;
    afterEach(() => account?.restore());

    function serve(snapshots: ProductionSnapshots): ProductionAccount {
        account = mockProductionAccount(snapshots);
        return account;
    }
    const share = (settings: ShareSettings = FRESH, run: ShareRun = firstRun()) => shareSnapshots(settings, run, shareApis());

    it("takes one fresh snapshot of the cluster, named after the cycle and tagged, and waits for it", async () => {
        const aws = serve({ manual: [[]] });

        const summary = await share();

        expect(aws.callsOf("CreateDBClusterSnapshot")).to.deep.equal([
            {
                client: "rds",
                command: "CreateDBClusterSnapshot",
                input: {
                    DBClusterIdentifier: "orders",
                    DBClusterSnapshotIdentifier: freshId,
                    Tags: [{ Key: MANAGED_BY_TAG, Value: "snapshot-refresh" }, { Key: INSTANCE_TAG, Value: SHARE_INSTANCE }],
                },
            },
        ]);
        expect(aws.callsOf("CreateDBClusterSnapshot")[0].input.DBClusterSnapshotIdentifier).to.match(/^snapshot-share-fresh-20240506t040000-[0-9a-f]{8}$/);
        expect(aws.changes()).to.have.length(1);
        expect(aws.callsOf("DescribeDBClusterSnapshots").map((call) => call.input.SnapshotType)).to.deep.equal(["manual"]);
        expect(summary.outcome).to.equal("waiting");
        expect(summary.clusters[0]).to.include({ outcome: "waiting", reason: `taking fresh snapshot ${freshId} of orders` });
    });

    it("takes a DocumentDB cluster's fresh snapshot through the DocumentDB client", async () => {
        const aws = serve({ manual: [[]] });

        await share(shareSettings({ source: "fresh", clusters: [CATALOG] }));

        expect(aws.callsOf("CreateDBClusterSnapshot").map((call) => [call.client, call.input.DBClusterSnapshotIdentifier])).to.deep.equal([
            ["docdb", expectedFreshIdentifier("catalog")],
        ]);
    });

    it("takes no second snapshot while the fresh one is being created, and keeps it", async () => {
        const aws = serve({ manual: [[freshSnapshotOf(ORDERS, "creating")]] });

        const summary = await share();

        expect(aws.changes()).to.deep.equal([]);
        expect(summary.clusters[0]).to.include({ outcome: "waiting", reason: `fresh snapshot ${freshId} of orders is creating` });
    });

    it("counts a fresh snapshot that already exists (taken by a concurrent run) as being taken", async () => {
        const aws = serve({ manual: [[]] });
        aws.failWhen("CreateDBClusterSnapshot", () => true, () => new DBClusterSnapshotAlreadyExistsFault({ message: "already exists", $metadata: {} }));

        const summary = await share();

        expect(summary.clusters[0].outcome).to.equal("waiting");
    });

    it("copies the fresh snapshot under the share key once it is available, and keeps it while the copy runs", async () => {
        const aws = serve({ manual: [[freshAvailable]] });

        const summary = await share();

        expect(aws.changes().map((call) => [call.command, call.input.SourceDBClusterSnapshotIdentifier, call.input.TargetDBClusterSnapshotIdentifier, call.input.KmsKeyId]))
            .to.deep.equal([["CopyDBClusterSnapshot", arnOf(freshAvailable), copyId, SHARE_KEY_ARN]]);
        expect(aws.callsOf("CopyDBClusterSnapshot")[0].input.TargetDBClusterSnapshotIdentifier).to.match(/^snapshot-share-aurora-20240506t042000-[0-9a-f]{8}$/);
        expect(summary.clusters[0]).to.deep.include({
            outcome: "waiting",
            copy: copyId,
            source: { identifier: freshId, arn: arnOf(freshAvailable), createdAt: "2024-05-06T04:20:00.000Z", encrypted: true },
        });
    });

    describe("run by hand, with no cycle to name a snapshot after", () => {
        const byHand = (at: string): ShareRun => ({ cycleName: "manual-r1", cycleStartedAt: new Date(at), now: new Date(at), pause: { paused: false } });

        it("carries on with the newest fresh snapshot not yet copied instead of taking another, and deletes none", async () => {
            const earlierByHand = freshSnapshotOf(ORDERS, "available", new Date("2024-05-06T12:00:00Z"));
            const aws = serve({ manual: [[earlierByHand]] });

            const summary = await share(FRESH, byHand("2024-05-06T12:30:00Z"));

            expect(aws.callsOf("CreateDBClusterSnapshot")).to.deep.equal([]);
            expect(aws.callsOf("CopyDBClusterSnapshot").map((call) => call.input.SourceDBClusterSnapshotIdentifier)).to.deep.equal([arnOf(earlierByHand)]);
            expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
            expect(summary.outcome).to.equal("waiting");
        });

        it("leaves a running cycle's fresh snapshot alone while its copy has not started", async () => {
            const aws = serve({ manual: [[freshAvailable]] });

            await share(FRESH, byHand("2024-05-06T04:25:00Z"));

            expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
        });
    });

    it("deletes a fresh snapshot its cycle never copied once a newer one of the cluster is copied", async () => {
        const leftOver = freshSnapshotOf(ORDERS, "available", new Date("2024-04-22T04:00:00Z"));
        const aws = serve({ manual: [[leftOver, freshAvailable, shareCopyOf(freshAvailable, "aurora")]] });

        const summary = await share();

        expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.have.members([identifierOf(leftOver), freshId]);
        expect(summary.clusters[0].outcome).to.equal("shared");
    });

    it("keeps the fresh snapshot while a check finds its copy still copying", async () => {
        serve({ manual: [[freshAvailable]] });
        const first = await share();
        account?.restore();
        const aws = serve({ manual: [[freshAvailable, shareCopyOf(freshAvailable, "aurora", "copying")]] });

        const summary = await share(FRESH, checkRun(first));

        expect(aws.changes()).to.deep.equal([]);
        expect(summary.clusters[0]).to.include({ outcome: "waiting", copy: copyId });
    });

    it("deletes the fresh snapshot once its copy is shared, not before", async () => {
        const aws = serve({ manual: [[freshAvailable, shareCopyOf(freshAvailable, "aurora")]] });

        const summary = await share();

        expect(aws.changes().map((call) => [call.command, call.input.DBClusterSnapshotIdentifier])).to.deep.equal([
            ["ModifyDBClusterSnapshotAttribute", copyId],
            ["DeleteDBClusterSnapshot", freshId],
        ]);
        expect(aws.sharing.get(copyId)).to.have.members([ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT]);
        expect(summary.deleted).to.deep.equal([freshId]);
        expect(summary.clusters[0].outcome).to.equal("shared");
    });

    it("does not delete again a fresh snapshot that a check finds still being deleted", async () => {
        const catalogFresh = freshSnapshotOf(CATALOG, "creating");
        const settings = shareSettings({ source: "fresh", clusters: [ORDERS, CATALOG] });
        serve({ manual: [[freshAvailable, shareCopyOf(freshAvailable, "aurora"), catalogFresh]] });
        const first = await share(settings);
        expect(first.deleted).to.deep.equal([freshId]);
        account?.restore();
        const aws = serve({ manual: [[freshSnapshotOf(ORDERS, "deleting"), shareCopyOf(freshAvailable, "aurora"), catalogFresh]] });

        const summary = await share(settings, checkRun(first));

        expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
        expect(summary.warnings).to.deep.equal([]);
    });

    it("deletes an earlier cycle's fresh snapshot whose copy is done", async () => {
        const earlierFresh = freshSnapshotOf(ORDERS, "available", new Date("2024-05-05T04:00:00Z"));
        const aws = serve({ manual: [[earlierFresh, shareCopyOf(earlierFresh, "aurora")]] });

        await share();

        expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([identifierOf(earlierFresh)]);
        expect(aws.identifiersOf("CreateDBClusterSnapshot")).to.deep.equal([freshId]);
    });

    it("fails a cluster that does not exist, telling to correct snapshot-refresh:clusters", async () => {
        const aws = serve({ manual: [[]] });
        aws.failWhen("CreateDBClusterSnapshot", () => true, () => new DBClusterNotFoundFault({ message: "DBCluster orders not found.", $metadata: {} }));

        const error = await rejectionOf(share());

        expect(error.name).to.equal("ShareFailedError");
        expect(error.message).to.equal(
            "share cycle share-2024-05-06 did not share aurora cluster orders: orders is not a DB cluster of this account and Region: correct snapshot-refresh:clusters",
        );
    });

    it("waits, explaining the quota, when the fresh snapshot cannot be taken at the snapshot quota", async () => {
        const aws = serve({ manual: [[]] });
        aws.failWhen("CreateDBClusterSnapshot", () => true, () => new SnapshotQuotaExceededFault({ message: "Cannot create more than 100 manual snapshots", $metadata: {} }));

        const summary = await share();

        expect(summary.clusters[0].outcome).to.equal("waiting");
        expect(summary.clusters[0].reason).to.match(/^cannot snapshot orders yet: the account is at a snapshot quota/);
    });

    it("deletes a failed fresh snapshot once, and fails the cluster saying the next cycle takes another", async () => {
        const aws = serve({ manual: [[freshSnapshotOf(ORDERS, "failed")]] });

        const error = await rejectionOf(share());

        expect(error.message).to.include(`fresh snapshot ${freshId} of orders ended failed; it was deleted, and the next cycle takes another`);
        expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([freshId]);
        expect(aws.callsOf("CopyDBClusterSnapshot")).to.deep.equal([]);
    });
});
