import { DBClusterSnapshotAlreadyExistsFault, KMSKeyNotAccessibleFault, SnapshotQuotaExceededFault } from "@aws-sdk/client-rds";
import { expect } from "chai";
import { ClusterShareReport, ShareRun, ShareRunSummary, shareSnapshots } from "../../../handlers/share/share-snapshots";
import { ShareSettings } from "../../../handlers/share/settings";
import { INSTANCE_TAG, MANAGED_BY_TAG, SOURCE_ARN_TAG } from "../../../handlers/snapshots";
import { rejectionOf } from "../support";
import {
    ACCEPTANCE_ACCOUNT,
    accessDenied,
    arnOf,
    automatedSnapshot,
    CATALOG,
    checkRun,
    expectedCopyIdentifier,
    firstRun,
    identifierOf,
    minutesAfter,
    mockProductionAccount,
    ORDERS,
    ProductionAccount,
    ProductionSnapshots,
    REMOVED_ACCOUNT,
    reportsOfLine,
    SHARE_CYCLE_START,
    SHARE_INSTANCE,
    SHARE_KEY_ARN,
    SHARE_WINDOW_END,
    shareApis,
    shareCopyOf,
    shareSettings,
    STAGING_ACCOUNT,
    summarized,
    throttling,
} from "./support";

const TARGETS = [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT];

/** The newest automated snapshot of each cluster by the cycle's start (04:00). */
const ordersSource = automatedSnapshot({ cluster: "orders", takenAt: "2024-05-06T03:00:00Z" });
const catalogSource = automatedSnapshot({ cluster: "catalog", engine: "documentdb", takenAt: "2024-05-06T02:30:00Z", encrypted: false });
const ordersCopyId = expectedCopyIdentifier("aurora", ordersSource);
const catalogCopyId = expectedCopyIdentifier("documentdb", catalogSource);

describe("shareSnapshots", () => {
    let account: ProductionAccount | undefined;
    afterEach(() => account?.restore());

    function serve(snapshots: ProductionSnapshots): ProductionAccount {
        account = mockProductionAccount(snapshots);
        return account;
    }
    const share = (settings: ShareSettings, run: ShareRun = firstRun()) => shareSnapshots(settings, run, shareApis());
    const reportOf = (summary: Pick<ShareRunSummary, "clusters">, cluster: string): ClusterShareReport => {
        const report = summary.clusters.find((candidate) => candidate.cluster === cluster);
        if (report === undefined) throw new Error(`no report for ${cluster} in ${JSON.stringify(summary)}`);
        return report;
    };

    describe("finding the cycle's source snapshot", () => {
        it("copies the newest available automated snapshot taken by the cycle's start, read across every page in any order", async () => {
            const newest = automatedSnapshot({ takenAt: "2024-05-05T03:00:00Z" });
            const aws = serve({
                automated: {
                    orders: [
                        [automatedSnapshot({ takenAt: "2024-05-03T03:00:00Z" })],
                        [automatedSnapshot({ takenAt: "2024-05-01T03:00:00Z" }), newest],
                        [
                            // Taken after the cycle started: the next cycle's data.
                            automatedSnapshot({ takenAt: "2024-05-06T04:30:00Z" }),
                            // Newer than `newest` but never usable, or not yet.
                            automatedSnapshot({ takenAt: "2024-05-06T03:00:00Z", status: "creating" }),
                            automatedSnapshot({ takenAt: "2024-05-05T23:00:00Z", status: "failed" }),
                            automatedSnapshot({ takenAt: "2024-05-02T03:00:00Z" }),
                        ],
                    ],
                },
            });

            const summary = await share(shareSettings());

            const automatedListing = aws.callsOf("DescribeDBClusterSnapshots").filter((call) => call.input.SnapshotType === "automated");
            expect(automatedListing.map((call) => [call.input.DBClusterIdentifier, call.input.Marker])).to.deep.equal([
                ["orders", undefined],
                ["orders", "page-1"],
                ["orders", "page-2"],
            ]);
            expect(aws.callsOf("CopyDBClusterSnapshot").map((call) => call.input.SourceDBClusterSnapshotIdentifier)).to.deep.equal([arnOf(newest)]);
            expect(reportOf(summary, "orders").source).to.deep.equal({
                identifier: identifierOf(newest),
                arn: arnOf(newest),
                createdAt: "2024-05-05T03:00:00.000Z",
                encrypted: true,
            });
        });

        it("takes a snapshot taken exactly at the cycle's start", async () => {
            const atStart = automatedSnapshot({ takenAt: SHARE_CYCLE_START.toISOString() });
            const aws = serve({ automated: { orders: [[automatedSnapshot({ takenAt: "2024-05-05T04:00:00Z" }), atStart]] } });

            await share(shareSettings());

            expect(aws.callsOf("CopyDBClusterSnapshot").map((call) => call.input.SourceDBClusterSnapshotIdentifier)).to.deep.equal([arnOf(atStart)]);
        });

        it("fails a cluster configured under the wrong engine, naming the engine list it belongs in", async () => {
            const aws = serve({
                automated: { orders: [[automatedSnapshot({ takenAt: "2024-05-05T03:00:00Z", engine: "documentdb" })]] },
            });

            const error = await rejectionOf(share(shareSettings()));

            expect(error.name).to.equal("ShareFailedError");
            expect(error.message).to.include("aurora cluster orders: orders is a docdb cluster, not aurora: list it under documentdb in snapshot-refresh:clusters");
            expect(aws.changes()).to.deep.equal([]);
        });

        it("says there is no engine to list it under for a cluster of an engine snapshot-refresh does not share", async () => {
            serve({ automated: { orders: [[automatedSnapshot({ takenAt: "2024-05-05T03:00:00Z", engineValue: "mysql" })]] } });

            const error = await rejectionOf(share(shareSettings()));

            expect(error.message).to.include("orders is a mysql cluster, not aurora: snapshot-refresh shares only Aurora and DocumentDB clusters");
        });

        it("fails a cluster with no usable automated snapshot by the cycle's start, saying what to check", async () => {
            serve({ automated: { orders: [[automatedSnapshot({ takenAt: "2024-05-06T05:00:00Z" })]] } });

            const error = await rejectionOf(share(shareSettings()));

            expect(error.name).to.equal("ShareFailedError");
            expect(error.message).to.include(
                "orders has no available automated snapshot taken by the cycle's start (2024-05-06T04:00:00.000Z): " +
                "check that it is a aurora cluster of this account and Region (snapshot-refresh:clusters) and that its automated backups are on",
            );
        });
    });

    describe("copying under the share key", () => {
        it("starts one copy of an encrypted source, named after it, under the share key and tagged, through the engine's own client", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] } });

            const summary = await share(shareSettings());

            expect(aws.callsOf("CopyDBClusterSnapshot")).to.deep.equal([
                {
                    client: "rds",
                    command: "CopyDBClusterSnapshot",
                    input: {
                        SourceDBClusterSnapshotIdentifier: arnOf(ordersSource),
                        TargetDBClusterSnapshotIdentifier: ordersCopyId,
                        KmsKeyId: SHARE_KEY_ARN,
                        Tags: [
                            { Key: MANAGED_BY_TAG, Value: "snapshot-refresh" },
                            { Key: SOURCE_ARN_TAG, Value: arnOf(ordersSource) },
                            { Key: INSTANCE_TAG, Value: SHARE_INSTANCE },
                        ],
                    },
                },
            ]);
            expect(aws.callsOf("CopyDBClusterSnapshot")[0].input.TargetDBClusterSnapshotIdentifier).to.match(/^snapshot-share-aurora-20240506t030000-[0-9a-f]{8}$/);
            expect(summary.outcome).to.equal("waiting");
            expect(summary.nextCheckAt).to.equal(minutesAfter(firstRun().now, 10).toISOString());
            expect(reportOf(summary, "orders")).to.include({ outcome: "waiting", copy: ordersCopyId });
        });

        it("copies an unencrypted source without a key, through the DocumentDB client for a DocumentDB cluster", async () => {
            const aws = serve({ automated: { catalog: [[catalogSource]] } });

            await share(shareSettings({ clusters: [CATALOG] }));

            const copies = aws.callsOf("CopyDBClusterSnapshot");
            expect(copies.map((call) => [call.client, call.input.TargetDBClusterSnapshotIdentifier])).to.deep.equal([["docdb", catalogCopyId]]);
            expect(copies[0].input.KmsKeyId).to.equal(undefined);
            expect(aws.callsOf("DescribeDBClusterSnapshots").filter((call) => call.input.SnapshotType === "manual").map((call) => call.client))
                .to.deep.equal(["rds"]);
        });

        it("starts no second copy when a rerun finds the copy still copying, and waits for it", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] }, manual: [[shareCopyOf(ordersSource, "aurora", "copying")]] });

            const summary = await share(shareSettings());

            expect(aws.changes()).to.deep.equal([]);
            expect(reportOf(summary, "orders")).to.deep.include({ outcome: "waiting", copy: ordersCopyId, reason: `copy ${ordersCopyId} of ${identifierOf(ordersSource)} is copying` });
            expect(summary.nextCheckAt).to.equal("2024-05-06T04:11:00.000Z");
        });

        it("counts a copy that already exists (started by a concurrent run) as started", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] } });
            aws.failWhen("CopyDBClusterSnapshot", () => true, () => new DBClusterSnapshotAlreadyExistsFault({ message: "already exists", $metadata: {} }));

            const summary = await share(shareSettings());

            expect(aws.callsOf("CopyDBClusterSnapshot")).to.have.length(1);
            expect(summary.outcome).to.equal("waiting");
            expect(reportOf(summary, "orders")).to.include({ outcome: "waiting", copy: ordersCopyId });
        });

        it("fails the cluster naming the share key when a KMS key is not usable", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] } });
            aws.failWhen("CopyDBClusterSnapshot", () => true, () => new KMSKeyNotAccessibleFault({ message: "key disabled", $metadata: {} }));

            const error = await rejectionOf(share(shareSettings()));

            expect(error.name).to.equal("ShareFailedError");
            expect(error.message).to.include(`The share key ${SHARE_KEY_ARN} must be enabled`);
            expect(error.message).to.include("KMSKeyNotAccessibleFault: key disabled");
        });
    });

    describe("sharing with exactly the target accounts", () => {
        it("neither reads nor changes any sharing while the copy is copying", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] }, manual: [[shareCopyOf(ordersSource, "aurora", "copying")]] });

            await share(shareSettings());

            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute")).to.deep.equal([]);
            expect(aws.identifiersOf("DescribeDBClusterSnapshotAttributes")).to.not.include(ordersCopyId);
        });

        it("adds the missing targets and removes a stray account and public access, in one request", async () => {
            const aws = serve({
                automated: { orders: [[ordersSource]] },
                manual: [[shareCopyOf(ordersSource, "aurora")]],
                sharedWith: { [ordersCopyId]: [ACCEPTANCE_ACCOUNT, REMOVED_ACCOUNT, "all"] },
            });

            const summary = await share(shareSettings());

            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute").map((call) => [call.client, call.input])).to.deep.equal([
                ["rds", { DBClusterSnapshotIdentifier: ordersCopyId, AttributeName: "restore", ValuesToAdd: [STAGING_ACCOUNT], ValuesToRemove: [REMOVED_ACCOUNT, "all"] }],
            ]);
            expect(aws.sharing.get(ordersCopyId)).to.have.members(TARGETS);
            expect(summary.sharingChanges).to.deep.equal([{ snapshot: ordersCopyId, added: [STAGING_ACCOUNT], removed: [REMOVED_ACCOUNT, "all"] }]);
            expect(summary.outcome).to.equal("shared");
            expect(summary).to.not.have.property("nextCheckAt");
            expect(reportOf(summary, "orders")).to.deep.include({ outcome: "shared", copy: ordersCopyId });
            expect(reportOf(summary, "orders").reason).to.include(`shared with ${ACCEPTANCE_ACCOUNT}, ${STAGING_ACCOUNT}`);
        });

        it("shares with twenty target accounts in one request", async () => {
            const twenty = Array.from({ length: 20 }, (_, index) => String(500000000000 + index));
            const aws = serve({ automated: { orders: [[ordersSource]] }, manual: [[shareCopyOf(ordersSource, "aurora")]] });

            await share(shareSettings({ targetAccountIds: twenty }));

            const requests = aws.callsOf("ModifyDBClusterSnapshotAttribute");
            expect(requests).to.have.length(1);
            expect(requests[0].input.ValuesToAdd).to.deep.equal(twenty);
            expect(requests[0].input).to.not.have.property("ValuesToRemove");
        });

        it("sends no request when the copy is already shared with exactly the targets", async () => {
            const aws = serve({
                automated: { orders: [[ordersSource]] },
                manual: [[shareCopyOf(ordersSource, "aurora")]],
                sharedWith: { [ordersCopyId]: [STAGING_ACCOUNT, ACCEPTANCE_ACCOUNT] },
            });

            const summary = await share(shareSettings());

            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute")).to.deep.equal([]);
            expect(summary.sharingChanges).to.deep.equal([]);
            expect(reportOf(summary, "orders").outcome).to.equal("shared");
        });

        it("shares a DocumentDB copy through the DocumentDB client", async () => {
            const aws = serve({ automated: { catalog: [[catalogSource]] }, manual: [[shareCopyOf(catalogSource, "documentdb")]] });

            await share(shareSettings({ clusters: [CATALOG] }));

            expect(aws.callsOf("DescribeDBClusterSnapshotAttributes").map((call) => call.client)).to.deep.equal(["docdb"]);
            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute").map((call) => [call.client, call.input.DBClusterSnapshotIdentifier])).to.deep.equal([["docdb", catalogCopyId]]);
        });
    });

    describe("a failed copy", () => {
        const failedOrdersCopy = shareCopyOf(ordersSource, "aurora", "failed");

        it("is deleted once and reported, the other cluster is still shared, and the run fails naming the cluster", async () => {
            const aws = serve({
                automated: { orders: [[ordersSource]], catalog: [[catalogSource]] },
                manual: [[failedOrdersCopy, shareCopyOf(catalogSource, "documentdb")]],
            });

            const { error, line } = await summarized(() => share(shareSettings({ clusters: [ORDERS, CATALOG] })));

            expect(error?.name).to.equal("ShareFailedError");
            expect(error?.message).to.equal(
                `share cycle share-2024-05-06 did not share aurora cluster orders: copy ${ordersCopyId} of ${identifierOf(ordersSource)} ended failed; ` +
                "it was deleted, and the next cycle copies its own data again",
            );
            expect(aws.callsOf("DeleteDBClusterSnapshot").map((call) => [call.client, call.input.DBClusterSnapshotIdentifier])).to.deep.equal([["rds", ordersCopyId]]);
            expect(aws.callsOf("CopyDBClusterSnapshot")).to.deep.equal([]);
            expect(aws.sharing.get(catalogCopyId)).to.have.members(TARGETS);
            expect(reportsOfLine(line).map((report) => [report.cluster, report.outcome])).to.deep.equal([["orders", "failed"], ["catalog", "shared"]]);
            expect(line.deleted).to.deep.equal([ordersCopyId]);
        });

        it("is not copied again by a later check of the cycle that was handed the failure", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] }, manual: [[failedOrdersCopy]] });
            const first = await summarized(() => share(shareSettings()));
            expect(first.error?.name).to.equal("ShareFailedError");
            aws.restore();
            // The failed copy is gone now; a check must not take that as "not copied yet".
            const later = serve({ automated: { orders: [[ordersSource]] }, manual: [[]] });

            const check = await summarized(() => share(shareSettings(), checkRun(reportsOfLine(first.line))));

            expect(check.error?.name).to.equal("ShareFailedError");
            expect(later.changes()).to.deep.equal([]);
            expect(later.callsOf("DescribeDBClusterSnapshots").filter((call) => call.input.SnapshotType === "automated")).to.deep.equal([]);
            expect(reportsOfLine(check.line)).to.deep.equal(reportsOfLine(first.line));
        });

        it("is deleted by a later check of the cycle when deleting it failed, as the warning promises", async () => {
            const catalogCopying = shareCopyOf(catalogSource, "documentdb", "copying");
            const snapshots = { automated: { orders: [[ordersSource]], catalog: [[catalogSource]] }, manual: [[failedOrdersCopy, catalogCopying]] };
            const aws = serve(snapshots);
            aws.failWhen("DeleteDBClusterSnapshot", () => true, throttling);
            const first = await share(shareSettings({ clusters: [ORDERS, CATALOG] }));
            expect(first.warnings).to.deep.equal([
                `could not delete a failed copy, ${ordersCopyId}: Throttling: Rate exceeded; the next run tries again`,
            ]);
            aws.restore();
            const later = serve(snapshots);

            await share(shareSettings({ clusters: [ORDERS, CATALOG] }), checkRun(first));

            expect(later.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([ordersCopyId]);
        });

        it("is deleted when an earlier cycle left it, without failing this cycle", async () => {
            const olderSource = automatedSnapshot({ takenAt: "2024-05-05T03:00:00Z" });
            const leftOver = shareCopyOf(olderSource, "aurora", "failed");
            const aws = serve({ automated: { orders: [[ordersSource, olderSource]] }, manual: [[leftOver, shareCopyOf(ordersSource, "aurora")]] });

            const summary = await share(shareSettings());

            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([identifierOf(leftOver)]);
            expect(summary.outcome).to.equal("shared");
        });
    });

    describe("throttling and quotas", () => {
        it("lets a throttled cluster wait for the next check while another cluster is shared", async () => {
            const aws = serve({
                automated: { orders: [[ordersSource]], catalog: [[catalogSource]] },
                manual: [[shareCopyOf(catalogSource, "documentdb")]],
            });
            aws.failWhen("DescribeDBClusterSnapshots", (request) => request.DBClusterIdentifier === "orders", throttling);
            const now = new Date("2024-05-06T05:00:00Z");

            const summary = await share(shareSettings({ clusters: [ORDERS, CATALOG] }), firstRun({ now }));

            expect(summary.outcome).to.equal("waiting");
            expect(summary.nextCheckAt).to.equal("2024-05-06T05:10:00.000Z");
            expect(reportOf(summary, "orders").outcome).to.equal("waiting");
            expect(reportOf(summary, "orders").reason).to.match(/^AWS throttled or could not answer \(Throttling: Rate exceeded\)/);
            expect(reportOf(summary, "catalog").outcome).to.equal("shared");
            expect(aws.sharing.get(catalogCopyId)).to.have.members(TARGETS);
            expect(aws.callsOf("CopyDBClusterSnapshot")).to.deep.equal([]);
        });

        it("lets a cluster whose sharing request is throttled wait, reporting the source and copy it found, and tries once per run", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] }, manual: [[shareCopyOf(ordersSource, "aurora")]] });
            aws.failWhen("ModifyDBClusterSnapshotAttribute", () => true, throttling);

            const summary = await share(shareSettings());

            expect(reportOf(summary, "orders")).to.deep.include({ outcome: "waiting", copy: ordersCopyId });
            expect(reportOf(summary, "orders").source?.arn).to.equal(arnOf(ordersSource));
            // The retention step must know this copy is the cycle's, not a kept older copy to share again.
            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute")).to.have.length(1);
            expect(summary.warnings).to.deep.equal([]);
        });

        it("never schedules the next check after the window ends", async () => {
            serve({ automated: { orders: [[ordersSource]] } });

            const summary = await share(shareSettings(), firstRun({ now: minutesAfter(SHARE_WINDOW_END, -4) }));

            expect(summary.nextCheckAt).to.equal(SHARE_WINDOW_END.toISOString());
        });

        it("fails with TransientAwsError and changes nothing when the account's manual snapshots cannot be listed", async () => {
            const aws = serve({ automated: { orders: [[ordersSource]] }, manual: [[shareCopyOf(ordersSource, "aurora")]] });
            aws.failWhen("DescribeDBClusterSnapshots", (request) => request.SnapshotType === "manual", throttling);

            const error = await rejectionOf(share(shareSettings()));

            expect(error.name).to.equal("TransientAwsError");
            expect(error.message).to.match(/^nothing was copied, shared or deleted: the account's manual snapshots could not be listed: AWS throttled or could not answer \(Throttling: Rate exceeded\)/);
            expect(aws.changes()).to.deep.equal([]);
            expect(aws.callsOf("DescribeDBClusterSnapshotAttributes")).to.deep.equal([]);
        });

        it("fails with ShareFailedError, naming the permission, when the listing is refused", async () => {
            const aws = serve({});
            aws.failWhen("DescribeDBClusterSnapshots", () => true, () => accessDenied("rds:DescribeDBClusterSnapshots"));

            const error = await rejectionOf(share(shareSettings()));

            expect(error.name).to.equal("ShareFailedError");
            expect(error.message).to.equal(
                "nothing was copied, shared or deleted: the account's manual snapshots could not be listed (rds:DescribeDBClusterSnapshots): " +
                "AccessDenied: not authorized to perform: rds:DescribeDBClusterSnapshots",
            );
        });

        describe("at the snapshot quota", () => {
            const atQuota = () => new SnapshotQuotaExceededFault({ message: "Cannot create more than 100 manual snapshots", $metadata: {} });

            it("waits, explaining the quota, while the window lasts", async () => {
                const aws = serve({ automated: { orders: [[ordersSource]] } });
                aws.failWhen("CopyDBClusterSnapshot", () => true, atQuota);

                const summary = await share(shareSettings());

                expect(summary.outcome).to.equal("waiting");
                expect(reportOf(summary, "orders").outcome).to.equal("waiting");
                expect(reportOf(summary, "orders").reason).to.match(
                    /^cannot copy rds:orders-2024-05-06-03-00 yet: the account is at a snapshot quota \(100 manual cluster snapshots per Region by default/,
                );
                expect(reportOf(summary, "orders").reason).to.include("AWS said: SnapshotQuotaExceededFault: Cannot create more than 100 manual snapshots");
            });

            it("fails, with the quota explanation, once the window is over", async () => {
                const aws = serve({ automated: { orders: [[ordersSource]] } });
                aws.failWhen("CopyDBClusterSnapshot", () => true, atQuota);

                const { error, line } = await summarized(() => share(shareSettings(), firstRun({ now: SHARE_WINDOW_END })));

                expect(error?.name).to.equal("ShareFailedError");
                expect(error?.message).to.include("the account is at a snapshot quota");
                expect(error?.message).to.include("raise the quota in Service Quotas");
                expect(error?.message).to.include("and the cycle's window ended at 2024-05-06T08:00:00.000Z");
                expect(reportOf({ clusters: reportsOfLine(line) }, "orders").outcome).to.equal("failed");
            });
        });

        it("reports a copy in progress without deciding anything on a run by hand, which no one checks again", async () => {
            serve({ automated: { orders: [[ordersSource]] }, manual: [[shareCopyOf(ordersSource, "aurora", "copying")]] });

            const summary = await share(shareSettings(), firstRun({ cycleName: "manual-request-1", waitUntil: undefined, now: new Date("2024-05-06T12:00:00Z") }));

            expect(summary.outcome).to.equal("waiting");
            expect(summary).to.not.have.property("nextCheckAt");
            expect(reportOf(summary, "orders").outcome).to.equal("waiting");
        });
    });
});
