import { expect } from "chai";
import { ShareRun, shareSnapshots } from "../../../handlers/share/share-snapshots";
import { ShareSettings } from "../../../handlers/share/settings";
import { SnapshotRecord } from "../support";
import {
    ACCEPTANCE_ACCOUNT,
    automatedSnapshot,
    CATALOG,
    checkRun,
    firstRun,
    identifierOf,
    manualSnapshot,
    mockProductionAccount,
    ORDERS,
    ProductionAccount,
    ProductionSnapshots,
    REMOVED_ACCOUNT,
    shareApis,
    shareCopyOf,
    shareSettings,
    STAGING_ACCOUNT,
    throttling,
} from "./support";

const TARGETS = [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT];

/** Orders' automated snapshots of four days; the last is the cycle's source. */
const [day3, day4, day5, day6] = ["03", "04", "05", "06"].map((day) => automatedSnapshot({ cluster: "orders", takenAt: `2024-05-${day}T03:00:00Z` }));
const [copy3, copy4, copy5, copy6] = [day3, day4, day5, day6].map((source) => shareCopyOf(source, "aurora"));
const automated = { orders: [[day6, day5, day4, day3]] };

describe("shareSnapshots: keeping the newest keepShared copies shared", () => {
    let account: ProductionAccount | undefined;
    afterEach(() => account?.restore());

    function serve(snapshots: ProductionSnapshots): ProductionAccount {
        account = mockProductionAccount(snapshots);
        return account;
    }
    const share = (settings: ShareSettings = shareSettings(), run: ShareRun = firstRun()) => shareSnapshots(settings, run, shareApis());
    const sharedWithTargets = (...copies: SnapshotRecord[]) => Object.fromEntries(copies.map((copy) => [identifierOf(copy), [...TARGETS]]));

    describe("beyond keepShared", () => {
        it("unshares, then deletes, each copy beyond keepShared once the cycle's copy is shared", async () => {
            const aws = serve({ automated, manual: [[copy3, copy6, copy4, copy5]], sharedWith: sharedWithTargets(copy3, copy4, copy5) });

            const summary = await share();

            const callsOnOldest = aws.calls
                .filter((call) => call.input.DBClusterSnapshotIdentifier === identifierOf(copy3))
                .map((call) => [call.command, call.input.ValuesToAdd, call.input.ValuesToRemove]);
            expect(callsOnOldest).to.deep.equal([
                ["DescribeDBClusterSnapshotAttributes", undefined, undefined],
                ["ModifyDBClusterSnapshotAttribute", undefined, TARGETS],
                ["DeleteDBClusterSnapshot", undefined, undefined],
            ]);
            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([identifierOf(copy4), identifierOf(copy3)]);
            expect(summary.deleted).to.deep.equal([identifierOf(copy4), identifierOf(copy3)]);
            expect(aws.sharing.get(identifierOf(copy6))).to.have.members(TARGETS);
            expect(aws.sharing.get(identifierOf(copy5))).to.have.members(TARGETS);
        });

        it("on a check, shares every kept copy before deleting the ones beyond keepShared", async () => {
            // A run by hand after the cycle started copied the 7th's data, but did not share it.
            const day7 = automatedSnapshot({ cluster: "orders", takenAt: "2024-05-07T03:00:00Z" });
            const copy7 = shareCopyOf(day7, "aurora");
            serve({ automated, manual: [[copy6, copy5, copy4]], sharedWith: sharedWithTargets(copy5, copy4) });
            const first = await share(shareSettings({ keepShared: 2 }));
            account?.restore();
            const aws = serve({ automated, manual: [[copy7, copy6, copy5, copy4]], sharedWith: sharedWithTargets(copy6, copy5, copy4) });

            await share(shareSettings({ keepShared: 2 }), checkRun(first));

            expect(aws.sharing.get(identifierOf(copy7))).to.have.members(TARGETS);
            const changes = aws.changes().map((call) => `${call.command} ${call.input.DBClusterSnapshotIdentifier}`);
            expect(changes.indexOf(`ModifyDBClusterSnapshotAttribute ${identifierOf(copy7)}`)).to.be.lessThan(changes.indexOf(`DeleteDBClusterSnapshot ${identifierOf(copy5)}`));
            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.have.members([identifierOf(copy5), identifierOf(copy4)]);
        });

        it("keeps the cycle's copy when a run by hand already shared copies of newer data", async () => {
            // A run by hand at 05:00 on the 7th copied the 7th's snapshot; the scheduled cycle started before it.
            const day7 = automatedSnapshot({ cluster: "orders", takenAt: "2024-05-07T03:00:00Z" });
            const copy7 = shareCopyOf(day7, "aurora");
            const aws = serve({ automated, manual: [[copy7, copy6, copy5]], sharedWith: sharedWithTargets(copy7, copy5) });

            const summary = await share(shareSettings({ keepShared: 1 }));

            expect(summary.clusters[0]).to.deep.include({ outcome: "shared", copy: identifierOf(copy6) });
            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([identifierOf(copy5)]);
            expect(aws.sharing.get(identifierOf(copy6))).to.have.members(TARGETS);
            expect(aws.sharing.get(identifierOf(copy7))).to.have.members(TARGETS);
        });

        it("shares the cycle's copy before it deletes anything", async () => {
            const aws = serve({ automated, manual: [[copy6, copy5, copy4]], sharedWith: sharedWithTargets(copy5, copy4) });

            await share();

            const order = aws.changes().map((call) => `${call.command} ${call.input.DBClusterSnapshotIdentifier}`);
            expect(order).to.deep.equal([
                `ModifyDBClusterSnapshotAttribute ${identifierOf(copy6)}`,
                `ModifyDBClusterSnapshotAttribute ${identifierOf(copy4)}`,
                `DeleteDBClusterSnapshot ${identifierOf(copy4)}`,
            ]);
        });

        it("with keepShared 1, keeps only the newest shared copy and deletes the one it replaces", async () => {
            const aws = serve({ automated, manual: [[copy5, copy6]], sharedWith: sharedWithTargets(copy5) });

            await share(shareSettings({ keepShared: 1 }));

            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.deep.equal([identifierOf(copy5)]);
            expect(aws.sharing.get(identifierOf(copy6))).to.have.members(TARGETS);
        });

        it("deletes nothing while the cycle's copy is available but its sharing failed", async () => {
            const aws = serve({ automated, manual: [[copy6, copy5, copy4, copy3]], sharedWith: sharedWithTargets(copy5, copy4, copy3) });
            aws.failWhen("ModifyDBClusterSnapshotAttribute", (request) => request.DBClusterSnapshotIdentifier === identifierOf(copy6), throttling);

            const summary = await share();

            expect(summary.clusters[0].outcome).to.equal("waiting");
            expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
            expect(aws.sharing.get(identifierOf(copy5))).to.have.members(TARGETS);
        });

        it("deletes nothing while a check finds the cycle's copy available but still cannot share it", async () => {
            serve({ automated, manual: [[shareCopyOf(day6, "aurora", "copying"), copy5, copy4]], sharedWith: sharedWithTargets(copy5, copy4) });
            const first = await share();
            account?.restore();
            const aws = serve({ automated, manual: [[copy6, copy5, copy4]], sharedWith: sharedWithTargets(copy5, copy4) });
            aws.failWhen("ModifyDBClusterSnapshotAttribute", (request) => request.DBClusterSnapshotIdentifier === identifierOf(copy6), throttling);

            const summary = await share(shareSettings(), checkRun(first));

            expect(summary.clusters[0].outcome).to.equal("waiting");
            expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
        });

        it("keeps every shared copy while the cycle's copy is still copying: a copy in progress is not a kept copy", async () => {
            const aws = serve({
                automated,
                manual: [[shareCopyOf(day6, "aurora", "copying"), copy5, copy4]],
                sharedWith: sharedWithTargets(copy5, copy4),
            });

            const summary = await share();

            expect(summary.outcome).to.equal("waiting");
            expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute")).to.deep.equal([]);
        });

        it("still keeps the newest keepShared shared copies, and trims older ones, when the cycle's copy failed", async () => {
            const aws = serve({ automated, manual: [[shareCopyOf(day6, "aurora", "failed"), copy5, copy4, copy3]], sharedWith: sharedWithTargets(copy5, copy4, copy3) });

            await share().catch(() => undefined);

            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.include(identifierOf(copy3));
            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.not.include(identifierOf(copy5));
            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.not.include(identifierOf(copy4));
        });

        it("warns, and still reports everything shared, when a copy beyond keepShared cannot be deleted", async () => {
            const aws = serve({ automated, manual: [[copy6, copy5, copy4]], sharedWith: sharedWithTargets(copy6, copy5, copy4) });
            aws.failWhen("DeleteDBClusterSnapshot", () => true, throttling);

            const summary = await share();

            expect(summary.outcome).to.equal("shared");
            expect(summary.deleted).to.deep.equal([]);
            expect(summary.warnings).to.deep.equal([
                `could not unshare and delete ${identifierOf(copy4)}, beyond keepShared: Throttling: Rate exceeded; the next run tries again`,
            ]);
        });

        it("keeps each cluster's own newest copies: one cluster's copies never count for another", async () => {
            const catalogDays = ["04", "05", "06"].map((day) => automatedSnapshot({ cluster: "catalog", engine: "documentdb", takenAt: `2024-05-${day}T02:00:00Z` }));
            const catalogCopies = catalogDays.map((source) => shareCopyOf(source, "documentdb"));
            const aws = serve({
                automated: { orders: [[day6, day5]], catalog: [catalogDays] },
                manual: [[copy6, copy5, ...catalogCopies]],
                sharedWith: sharedWithTargets(copy5, catalogCopies[0], catalogCopies[1]),
            });

            await share(shareSettings({ clusters: [ORDERS, CATALOG] }));

            expect(aws.callsOf("DeleteDBClusterSnapshot").map((call) => [call.client, call.input.DBClusterSnapshotIdentifier])).to.deep.equal([
                ["docdb", identifierOf(catalogCopies[0])],
            ]);
        });
    });

    describe("an account removed from targetAccountIds", () => {
        const fromOldTargets = () => ({ [identifierOf(copy5)]: [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT, REMOVED_ACCOUNT] });

        it("loses access to the kept older copy at the cycle's first run", async () => {
            const aws = serve({ automated, manual: [[copy6, copy5]], sharedWith: fromOldTargets() });

            const summary = await share();

            expect(aws.callsOf("ModifyDBClusterSnapshotAttribute").filter((call) => call.input.DBClusterSnapshotIdentifier === identifierOf(copy5)).map((call) => call.input))
                .to.deep.equal([{ DBClusterSnapshotIdentifier: identifierOf(copy5), AttributeName: "restore", ValuesToRemove: [REMOVED_ACCOUNT] }]);
            expect(aws.sharing.get(identifierOf(copy5))).to.have.members(TARGETS);
            expect(aws.callsOf("DeleteDBClusterSnapshot")).to.deep.equal([]);
            expect(summary.sharingChanges).to.deep.include({ snapshot: identifierOf(copy5), added: [], removed: [REMOVED_ACCOUNT] });
        });

        it("loses access even while the cycle's copy is still copying", async () => {
            const aws = serve({ automated, manual: [[shareCopyOf(day6, "aurora", "copying"), copy5]], sharedWith: fromOldTargets() });

            await share();

            expect(aws.sharing.get(identifierOf(copy5))).to.have.members(TARGETS);
        });

        it("is not looked for again by a check: a check reads the sharing of the cycle's copy only", async () => {
            serve({ automated, manual: [[shareCopyOf(day6, "aurora", "copying"), copy5]], sharedWith: sharedWithTargets(copy5) });
            const first = await share();
            account?.restore();
            const aws = serve({ automated, manual: [[copy6, copy5]], sharedWith: fromOldTargets() });

            const summary = await share(shareSettings(), checkRun(first));

            expect(summary.clusters[0].outcome).to.equal("shared");
            expect(aws.identifiersOf("DescribeDBClusterSnapshotAttributes")).to.deep.equal([identifierOf(copy6)]);
            expect(aws.identifiersOf("ModifyDBClusterSnapshotAttribute")).to.deep.equal([identifierOf(copy6)]);
        });

        it("stops sharing a cluster taken out of the configuration: its copies are unshared, kept, and named in a warning", async () => {
            const billingDays = ["04", "05", "06"].map((day) => automatedSnapshot({ cluster: "billing", takenAt: `2024-05-${day}T01:00:00Z` }));
            const billingCopies = billingDays.map((source) => shareCopyOf(source, "aurora"));
            const aws = serve({
                automated,
                manual: [[copy6, ...billingCopies]],
                sharedWith: { ...sharedWithTargets(...billingCopies.slice(1)), [identifierOf(billingCopies[2])]: [ACCEPTANCE_ACCOUNT, REMOVED_ACCOUNT] },
            });

            const summary = await share();

            for (const copy of billingCopies) expect(aws.sharing.get(identifierOf(copy)) ?? [], identifierOf(copy)).to.deep.equal([]);
            expect(aws.identifiersOf("DeleteDBClusterSnapshot"), "left for an operator").to.deep.equal([]);
            expect(summary.warnings).to.deep.equal([
                `aurora/billing is no longer in clusters: its copies ${identifierOf(billingCopies[2])}, ${identifierOf(billingCopies[1])} are no longer shared, and are kept; delete them when nothing needs them`,
            ]);
        });
    });

    describe("snapshots that are not the instance's", () => {
        it("skips copies another instance tagged, even under the same prefix (a refresh stack's copies in this account)", async () => {
            const tagged = (record: SnapshotRecord, instance: string): SnapshotRecord => ({ ...record, TagList: [{ Key: "snapshot-refresh:instance", Value: instance }] });
            const aws = serve({ automated, manual: [[tagged(copy6, "snapshot-share"), tagged(copy5, "snapshot-refresh"), tagged(copy4, "snapshot-refresh"), tagged(copy3, "snapshot-refresh")]] });

            await share(shareSettings({ keepShared: 1 }));

            expect(aws.changes().map((call) => call.input.DBClusterSnapshotIdentifier)).to.deep.equal([identifierOf(copy6)]);
        });

        it("are never shared, unshared or deleted, whatever they look like", async () => {
            const lookAlikes = [
                manualSnapshot("snapshot-share-aurora-20240401t030000-abcdef12-old"),
                manualSnapshot("old-snapshot-share-aurora-20240401t030000-abcdef12"),
                // Another instance's prefix that starts with this one's.
                manualSnapshot("snapshot-share-eu-aurora-20240401t030000-abcdef12"),
                manualSnapshot("snapshot-sharing-aurora-20240401t030000-abcdef12"),
                manualSnapshot("snapshot-share-postgres-20240401t030000-abcdef12"),
                manualSnapshot("snapshot-share-aurora-2024-04-01-abcdef12"),
                manualSnapshot("snapshot-share-aurora-20240401t030000-abcdef1"),
                // Failed look-alikes: the cleanup of failed copies must not take them for its own.
                manualSnapshot("snapshot-share-aurora-20240401t030000-abcdef12x", { status: "failed" }),
                manualSnapshot("snapshot-share-fresh-2024-04-01-abcdef12", { status: "failed" }),
                manualSnapshot("snapshot-share-fresh-20240401t030000-abcdef12-keep"),
                manualSnapshot("orders-before-migration"),
                manualSnapshot("rds:orders-2024-05-06-03-00-copy"),
            ];
            const aws = serve({
                automated,
                manual: [lookAlikes.slice(0, 6), [copy6, copy5, copy4, copy3], lookAlikes.slice(6)],
                sharedWith: Object.fromEntries(lookAlikes.map((snapshot) => [identifierOf(snapshot), [REMOVED_ACCOUNT]])),
            });

            await share(shareSettings({ keepShared: 1 }));

            const named = aws.calls.filter((call) => call.command !== "DescribeDBClusterSnapshots").map((call) => call.input.DBClusterSnapshotIdentifier);
            const ownCopies = [copy6, copy5, copy4, copy3].map(identifierOf);
            expect(named.filter((identifier) => !ownCopies.includes(identifier ?? ""))).to.deep.equal([]);
            // Retention still ran: the check above would pass vacuously if nothing had been touched.
            expect(aws.identifiersOf("DeleteDBClusterSnapshot")).to.have.members([copy5, copy4, copy3].map(identifierOf));
            for (const snapshot of lookAlikes) expect(aws.sharing.get(identifierOf(snapshot))).to.deep.equal([REMOVED_ACCOUNT]);
        });

        it("never deletes or shares the automated snapshots themselves", async () => {
            const aws = serve({ automated, manual: [[copy6, copy5, copy4]] });

            await share();

            const automatedIdentifiers = [day3, day4, day5, day6].flatMap((snapshot) => [identifierOf(snapshot), snapshot.DBClusterSnapshotArn]);
            const touched = aws.changes().concat(aws.callsOf("DescribeDBClusterSnapshotAttributes")).map((call) => call.input.DBClusterSnapshotIdentifier);
            expect(touched.filter((identifier) => automatedIdentifiers.includes(identifier))).to.deep.equal([]);
            expect(touched).to.include(identifierOf(copy4));
        });
    });
});
