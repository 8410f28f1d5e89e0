import { expect } from "chai";
import { planShare } from "../../../handlers/share/dry-run";
import { ClusterSharePlan, ShareDryRunSummary, ShareRun, shareSnapshots } from "../../../handlers/share/share-snapshots";
import { ShareSettings } from "../../../handlers/share/settings";
import { rejectionOf, SnapshotRecord } from "../support";
import {
    ACCEPTANCE_ACCOUNT,
    automatedSnapshot,
    CATALOG,
    checkRun,
    expectedCopyIdentifier,
    expectedFreshIdentifier,
    firstRun,
    freshSnapshotOf,
    identifierOf,
    manualSnapshot,
    mockProductionAccount,
    ORDERS,
    ProductionAccount,
    ProductionSnapshots,
    REMOVED_ACCOUNT,
    SHARE_KEY_ARN,
    shareApis,
    shareCopyOf,
    shareSettings,
    STAGING_ACCOUNT,
    throttling,
} from "./support";

const TARGETS = [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT];
const TARGET_LIST = TARGETS.join(", ");

/** Orders' automated snapshots of four days; the last is the cycle's source. */
const [day3, day4, day5, day6] = ["03", "04", "05", "06"].map((day) => automatedSnapshot({ cluster: "orders", takenAt: `2024-05-${day}T03:00:00Z` }));
const [copy3, copy4, copy5, copy6] = [day3, day4, day5, day6].map((source) => shareCopyOf(source, "aurora"));
const automated = { orders: [[day6, day5, day4, day3]] };
const copy6Id = identifierOf(copy6);

describe("planShare: the share function's dry run", () => {
    let account: ProductionAccount | undefined;
    afterEach(() => account?.restore());

    function serve(snapshots: ProductionSnapshots): ProductionAccount {
        account = mockProductionAccount(snapshots);
        return account;
    }
    const plan = (settings: ShareSettings = shareSettings(), run: ShareRun = firstRun()) => planShare(settings, run, shareApis());
    const planOf = (summary: ShareDryRunSummary, cluster = "orders"): ClusterSharePlan => {
        const found = summary.clusters.find((candidate) => candidate.cluster === cluster);
        if (found === undefined) throw new Error(`no plan for ${cluster} in ${JSON.stringify(summary)}`);
        return found;
    };
    const sharedWithTargets = (...copies: SnapshotRecord[]) => Object.fromEntries(copies.map((copy) => [identifierOf(copy), [...TARGETS]]));

    /** What the real cycle then does on the same account: its first run, and a check once the cycle's copy is available. */
    async function realCycle(settings: ShareSettings, before: ProductionSnapshots, afterCopy: ProductionSnapshots): Promise<{ deleted: string[]; unshared: string[] }> {
        account?.restore();
        const first = serve(before);
        const firstSummary = await shareSnapshots(settings, firstRun(), shareApis());
        const firstChanges = first.changes();
        account?.restore();
        const check = serve(afterCopy);
        await shareSnapshots(settings, checkRun(firstSummary), shareApis());
        const changes = [...firstChanges, ...check.changes()];
        return {
            deleted: changes.filter((call) => call.command === "DeleteDBClusterSnapshot").map((call) => call.input.DBClusterSnapshotIdentifier ?? ""),
            unshared: changes.filter((call) => (call.input.ValuesToRemove ?? []).length > 0).map((call) => call.input.DBClusterSnapshotIdentifier ?? ""),
        };
    }

    describe("the copy it would make", () => {
        it("picks the newest available automated snapshot taken by the cycle's start, says why, and names the copy and key, changing nothing", async () => {
            const aws = serve({
                automated: {
                    orders: [[
                        automatedSnapshot({ takenAt: "2024-05-06T04:30:00Z" }),
                        automatedSnapshot({ takenAt: "2024-05-06T03:30:00Z", status: "creating" }),
                        day5,
                        day6,
                    ]],
                },
                manual: [[]],
            });

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(summary.outcome).to.equal("dry-run");
            expect(summary).to.not.have.property("nextCheckAt");
            expect(planOf(summary)).to.deep.equal({
                engine: "aurora",
                cluster: "orders",
                outcome: "would-share",
                reason: `${identifierOf(day6)} (taken 2024-05-06T03:00:00.000Z) is the newest available automated snapshot of orders taken by the cycle's start (2024-05-06T04:00:00.000Z)`,
                source: { identifier: identifierOf(day6), arn: day6.DBClusterSnapshotArn, createdAt: "2024-05-06T03:00:00.000Z", encrypted: true },
                copy: copy6Id,
                wouldCopy: { from: identifierOf(day6), to: copy6Id, kmsKeyArn: SHARE_KEY_ARN },
                sharingChanges: [{ snapshot: copy6Id, added: TARGETS, removed: [] }],
                beyondKeepShared: [],
                wouldDelete: [],
                wouldDo: [
                    `Would copy ${identifierOf(day6)} to ${copy6Id} under the share key ${SHARE_KEY_ARN}.`,
                    `Would share ${copy6Id} with exactly ${TARGET_LIST} once the copy is available.`,
                ],
            });
        });

        it("would copy an unencrypted DocumentDB source without a key", async () => {
            const catalogSource = automatedSnapshot({ cluster: "catalog", engine: "documentdb", takenAt: "2024-05-06T02:30:00Z", encrypted: false });
            const catalogCopyId = expectedCopyIdentifier("documentdb", catalogSource);
            const aws = serve({ automated: { catalog: [[catalogSource]] }, manual: [[]] });

            const summary = await plan(shareSettings({ clusters: [CATALOG] }));

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary, "catalog").wouldCopy).to.deep.equal({ from: identifierOf(catalogSource), to: catalogCopyId });
            expect(planOf(summary, "catalog").wouldDo[0]).to.equal(
                `Would copy ${identifierOf(catalogSource)} to ${catalogCopyId} unencrypted, as its source is (AWS cannot encrypt a cluster snapshot while copying it).`,
            );
        });

        it("would start no second copy while the cycle's copy is copying, and never reports waiting", async () => {
            const aws = serve({ automated, manual: [[shareCopyOf(day6, "aurora", "copying")]] });

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(summary.outcome).to.equal("dry-run");
            expect(planOf(summary)).to.deep.include({ outcome: "would-share", copy: copy6Id });
            expect(planOf(summary)).to.not.have.property("wouldCopy");
            expect(planOf(summary).wouldDo).to.deep.equal([
                `Would wait for copy ${copy6Id}, which is copying.`,
                `Would share ${copy6Id} with exactly ${TARGET_LIST} once the copy is available.`,
            ]);
        });

        it("would take a fresh snapshot with source: fresh, and delete it once its copy is available", async () => {
            const aws = serve({ manual: [[]] });
            const freshId = expectedFreshIdentifier("orders");

            const summary = await plan(shareSettings({ source: "fresh" }));

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary)).to.deep.include({ outcome: "would-share", wouldTakeSnapshot: freshId, wouldDelete: [freshId] });
            expect(planOf(summary)).to.not.have.property("copy");
            expect(planOf(summary).wouldDo).to.deep.equal([
                `Would take fresh snapshot ${freshId} of orders.`,
                `Would copy it under the share key once it is available, and share the copy with exactly ${TARGET_LIST} once that is available.`,
                `Would delete fresh snapshot ${freshId} once its copy is available.`,
            ]);
        });

        it("would copy an available fresh snapshot, and delete an earlier one whose copy is done", async () => {
            const fresh = freshSnapshotOf(ORDERS);
            const earlier = freshSnapshotOf(ORDERS, "available", new Date("2024-05-05T04:00:00Z"));
            const aws = serve({ manual: [[fresh, earlier, shareCopyOf(earlier, "aurora")]], sharedWith: sharedWithTargets(shareCopyOf(earlier, "aurora")) });

            const summary = await plan(shareSettings({ source: "fresh" }));

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary).wouldCopy).to.deep.equal({ from: identifierOf(fresh), to: expectedCopyIdentifier("aurora", fresh), kmsKeyArn: SHARE_KEY_ARN });
            expect(planOf(summary).wouldDelete).to.have.members([identifierOf(fresh), identifierOf(earlier)]);
            expect(planOf(summary).wouldDo).to.include(`Would delete fresh snapshot ${identifierOf(earlier)}, whose copy is done.`);
        });
    });

    describe("the sharing it would change", () => {
        it("adds the missing targets and removes a stray account and public access from the cycle's copy, without sending either", async () => {
            const aws = serve({ automated, manual: [[copy6]], sharedWith: { [copy6Id]: [ACCEPTANCE_ACCOUNT, REMOVED_ACCOUNT, "all"] } });

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary).sharingChanges).to.deep.equal([{ snapshot: copy6Id, added: [STAGING_ACCOUNT], removed: [REMOVED_ACCOUNT, "all"] }]);
            expect(planOf(summary).wouldDo).to.deep.equal([`Would share ${copy6Id} with ${STAGING_ACCOUNT}, and stop sharing it with ${REMOVED_ACCOUNT}, all.`]);
            expect(planOf(summary)).to.not.have.property("wouldCopy");
        });

        it("says a copy already shared with exactly the targets stays as it is", async () => {
            serve({ automated, manual: [[copy6]], sharedWith: sharedWithTargets(copy6) });

            const summary = await plan();

            expect(planOf(summary).sharingChanges).to.deep.equal([]);
            expect(planOf(summary).wouldDo).to.deep.equal([`Would leave ${copy6Id} shared with exactly ${TARGET_LIST}, as it is.`]);
        });

        it("takes a removed target account off the kept copies and off those it would delete", async () => {
            const withRemoved = [...TARGETS, REMOVED_ACCOUNT];
            const aws = serve({
                automated,
                manual: [[copy6, copy5, copy4]],
                sharedWith: { [copy6Id]: [...TARGETS], [identifierOf(copy5)]: withRemoved, [identifierOf(copy4)]: withRemoved },
            });

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary).sharingChanges).to.deep.equal([{ snapshot: identifierOf(copy5), added: [], removed: [REMOVED_ACCOUNT] }]);
            expect(planOf(summary).beyondKeepShared).to.deep.equal([{ snapshot: identifierOf(copy4), unshareFrom: withRemoved }]);
            expect(planOf(summary).wouldDo).to.deep.equal([
                `Would leave ${copy6Id} shared with exactly ${TARGET_LIST}, as it is.`,
                `Would stop sharing ${identifierOf(copy5)} with ${REMOVED_ACCOUNT}: it is among the newest keepShared (2).`,
                `Would stop sharing ${identifierOf(copy4)} with ${withRemoved.join(", ")}, and delete it: it is beyond keepShared (2).`,
            ]);
        });
    });

    describe("what retention would unshare and delete", () => {
        it("names the copies beyond keepShared, as the run then unshares and deletes them", async () => {
            const snapshots = { automated, manual: [[copy6, copy5, copy4, copy3]], sharedWith: sharedWithTargets(copy5, copy4, copy3) };
            const aws = serve(snapshots);

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary).beyondKeepShared).to.deep.equal([
                { snapshot: identifierOf(copy4), unshareFrom: TARGETS },
                { snapshot: identifierOf(copy3), unshareFrom: TARGETS },
            ]);
            const real = await realCycle(shareSettings(), snapshots, { automated, manual: [[copy6, copy5]], sharedWith: sharedWithTargets(copy6, copy5) });
            expect(real.unshared).to.deep.equal(planOf(summary).beyondKeepShared.map((copy) => copy.snapshot));
            expect(real.deleted).to.deep.equal(planOf(summary).beyondKeepShared.map((copy) => copy.snapshot));
        });

        it("at keepShared, names the copy the cycle's new copy pushes beyond, deleted once that copy is shared", async () => {
            const before = { automated, manual: [[copy5, copy4]], sharedWith: sharedWithTargets(copy5, copy4) };
            const aws = serve(before);

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(planOf(summary).beyondKeepShared).to.deep.equal([{ snapshot: identifierOf(copy4), unshareFrom: TARGETS }]);
            expect(planOf(summary).wouldDo).to.deep.equal([
                `Would copy ${identifierOf(day6)} to ${copy6Id} under the share key ${SHARE_KEY_ARN}.`,
                `Would share ${copy6Id} with exactly ${TARGET_LIST} once the copy is available.`,
                `Once ${copy6Id} is shared, would stop sharing ${identifierOf(copy4)} with ${TARGET_LIST}, and delete it: it is beyond keepShared (2).`,
            ]);
            const real = await realCycle(shareSettings(), before, { automated, manual: [[copy6, copy5, copy4]], sharedWith: sharedWithTargets(copy5, copy4) });
            expect(real.deleted).to.deep.equal([identifierOf(copy4)]);
        });

        it("at keepShared with the cycle's copy available, deletes nothing", async () => {
            serve({ automated, manual: [[copy6, copy5]], sharedWith: sharedWithTargets(copy6, copy5) });

            const summary = await plan();

            expect(planOf(summary).beyondKeepShared).to.deep.equal([]);
            expect(planOf(summary).wouldDelete).to.deep.equal([]);
        });

        it("names failed copies it would delete, the cycle's own failing the cluster", async () => {
            const failedCycleCopy = shareCopyOf(day6, "aurora", "failed");
            const failedOlder = shareCopyOf(day4, "aurora", "failed");
            const aws = serve({ automated, manual: [[failedCycleCopy, copy5, failedOlder]], sharedWith: sharedWithTargets(copy5) });

            const summary = await plan();

            expect(aws.changes()).to.deep.equal([]);
            expect(summary.outcome).to.equal("dry-run");
            expect(planOf(summary)).to.deep.include({
                outcome: "would-fail",
                reason: `copy ${copy6Id} of ${identifierOf(day6)} ended failed; the next cycle copies its own data again`,
                wouldDelete: [copy6Id, identifierOf(failedOlder)],
            });
        });
    });

    it("reports a cluster a run would not share, without failing", async () => {
        const aws = serve({ automated: { orders: [[automatedSnapshot({ takenAt: "2024-05-06T05:00:00Z" })]] }, manual: [[copy5]], sharedWith: sharedWithTargets(copy5) });

        const summary = await plan();

        expect(aws.changes()).to.deep.equal([]);
        expect(planOf(summary).outcome).to.equal("would-fail");
        expect(planOf(summary).reason).to.match(/^orders has no available automated snapshot taken by the cycle's start/);
        expect(planOf(summary).wouldDo).to.deep.equal([`Would share nothing of orders: ${planOf(summary).reason}.`]);
    });

    it("warns of the copies of a cluster no longer configured, which a run would unshare and keep", async () => {
        const billing = automatedSnapshot({ cluster: "billing", takenAt: "2024-05-05T01:00:00Z" });
        const billingCopy = shareCopyOf(billing, "aurora");
        const aws = serve({ automated, manual: [[copy6, billingCopy]], sharedWith: { ...sharedWithTargets(copy6), [identifierOf(billingCopy)]: [ACCEPTANCE_ACCOUNT] } });

        const summary = await plan();

        expect(aws.changes()).to.deep.equal([]);
        expect(summary.warnings).to.deep.equal([
            `aurora/billing is no longer in clusters: a run would stop sharing its copies ${identifierOf(billingCopy)} (shared with ${ACCEPTANCE_ACCOUNT}), and keep them; ` +
            "delete them when nothing needs them",
        ]);
    });

    it("reports each cluster, in the configuration's order", async () => {
        const catalogSource = automatedSnapshot({ cluster: "catalog", engine: "documentdb", takenAt: "2024-05-06T02:30:00Z" });
        serve({ automated: { ...automated, catalog: [[catalogSource]] }, manual: [[]] });

        const summary = await plan(shareSettings({ clusters: [CATALOG, ORDERS] }));

        expect(summary.clusters.map((cluster) => [cluster.engine, cluster.cluster, cluster.outcome])).to.deep.equal([
            ["documentdb", "catalog", "would-share"],
            ["aurora", "orders", "would-share"],
        ]);
    });

    it("still reports what a run would do while paused, and says it is paused", async () => {
        const aws = serve({ automated, manual: [[]] });

        const summary = await plan(shareSettings(), firstRun({ pause: { paused: true, reason: "paused indefinitely by /p; to resume: resume" } }));

        expect(aws.changes()).to.deep.equal([]);
        expect(summary.paused).to.equal("paused indefinitely by /p; to resume: resume");
        expect(planOf(summary).wouldCopy?.to).to.equal(copy6Id);
    });

    it("fails with TransientAwsError when AWS does not answer, having changed nothing", async () => {
        const aws = serve({ automated, manual: [[copy6]] });
        aws.failWhen("DescribeDBClusterSnapshotAttributes", () => true, throttling);

        const error = await rejectionOf(plan());

        expect(error.name).to.equal("TransientAwsError");
        expect(error.message).to.match(/^the dry run changed nothing, and could not read all it needs: AWS throttled/);
        expect(aws.changes()).to.deep.equal([]);
    });

    it("never changes snapshots that look like its own but are not", async () => {
        const lookAlike = manualSnapshot("snapshot-share-aurora-20240401t030000-abcdef12-old", { status: "failed" });
        const aws = serve({ automated, manual: [[copy6, lookAlike]] });

        const summary = await plan(shareSettings({ keepShared: 1 }));

        expect(aws.changes()).to.deep.equal([]);
        expect(planOf(summary).wouldDelete).to.deep.equal([]);
    });
});
