/**
 * Both stacks for a year (see two-accounts.ts for the scenario): production's SnapshotShare copies and shares its
 * automated backups every Saturday night, acceptance's SnapshotRefresh restores every other Sunday from what
 * production shared, each side's schedule, starter, state machine and functions exactly as deployed, against one
 * stateful fake of both accounts.
 */
import { expect } from "chai";
import { EngineName } from "../../handlers/engines";
import { ACCEPTANCE_ACCOUNT, ACCEPTANCE_KMS_KEY_ARN, awsManagedRdsKeyArn, PRODUCTION_ACCOUNT, TEST_ACCOUNT } from "./accounts";
import { worldReport } from "./ledger";
import { SimulatedWorld } from "./simulation";
import { existedAt, restoreAttributeAt, StoredSnapshot } from "./snapshot-store";
import {
    FAILED_COPY_SHARE_CYCLE,
    FIRST_SHARE_CYCLE_WITHOUT_TEST,
    RERUN_SHARE_CYCLE,
    PEOPLES_SNAPSHOTS,
    TARGET_REMOVED_AT,
    THROTTLED_SHARE_CYCLE,
    twoAccountYear,
} from "./two-accounts";
import { CYCLE_COUNT } from "./year";

const MINUTE = 60_000;
const CLUSTER_OF: Record<EngineName, string> = { aurora: "orders", documentdb: "catalog" };

describe("a simulated year of both stacks: production shares every other Saturday night, acceptance restores the Sunday after", function () {
    this.timeout(120_000);
    let world: SimulatedWorld;

    before(async () => {
        world = await twoAccountYear();
        await world.run();
    });

    afterEach(function () {
        if (this.currentTest?.state !== "failed" || world === undefined) return;
        console.log(worldReport(world));
    });

    const share = () => world.share!;
    const execution = (name: string) => share().executions().find((candidate) => candidate.name === name)!;
    const snapshotByArn = (arn: string): StoredSnapshot | undefined => world.aws.store.everything().find((snapshot) => snapshot.arn === arn);
    /** The production automated snapshot whose data a restored value holds, following copies back to their source. */
    function automatedSourceOf(arn: string): StoredSnapshot | undefined {
        let snapshot = snapshotByArn(arn);
        while (snapshot?.sourceArn !== undefined) snapshot = snapshotByArn(snapshot.sourceArn);
        return snapshot;
    }
    const restoredValue = (number: number, engine: EngineName) =>
        world.cycle(number).executions[0]?.restores[world.deployment.parameterNames[engine].current];

    it("keeps every invariant of both sides, after every run and for every cycle", () => {
        expect(world.violations.map((violation) => `${violation.at}: ${violation.what}`)).to.deep.equal([]);
    });

    it("runs one share cycle every other Saturday, named after its date, all successful but the one whose copy failed (and its rerun succeeded)", () => {
        const scheduled = share().executions().filter((candidate) => candidate.name !== RERUN_SHARE_CYCLE);
        expect(scheduled).to.have.length(26);
        expect(scheduled.every((candidate) => /^share-2026-\d\d-\d\d$/.test(candidate.name) && new Date(`${candidate.name.slice(6)}T12:00:00Z`).getUTCDay() === 6)).to.equal(true);
        expect(share().executions().filter((candidate) => candidate.status !== "SUCCEEDED").map((candidate) => candidate.name)).to.deep.equal([FAILED_COPY_SHARE_CYCLE]);
    });

    describe("every acceptance cycle restores the newest production data of the night before it", () => {
        for (let number = 1; number <= CYCLE_COUNT; number++) {
            it(`cycle ${number}`, () => {
                const cycle = world.cycle(number);
                expect(cycle.outcome).to.equal("restored");
                for (const engine of ["aurora", "documentdb"] as const) {
                    const newest = world.production.newestAutomatedAt(CLUSTER_OF[engine], cycle.cycleStart.getTime());
                    expect(automatedSourceOf(restoredValue(number, engine))?.arn, engine).to.equal(newest!.arn);
                }
            });
        }
    });

    it("restores Aurora straight from production's copy and DocumentDB from acceptance's copy of it, each under the right key", () => {
        const shareKey = share().deployment.outputs.kmsKeyArn;
        for (let number = 1; number <= CYCLE_COUNT; number++) {
            const aurora = snapshotByArn(restoredValue(number, "aurora"))!;
            expect([aurora.account, aurora.kmsKeyId, aurora.identifier.startsWith("snapshot-refresh-share-aurora-")]).to.deep.equal([PRODUCTION_ACCOUNT, shareKey, true]);
            const documentDb = snapshotByArn(restoredValue(number, "documentdb"))!;
            expect([documentDb.account, documentDb.kmsKeyId]).to.deep.equal([ACCEPTANCE_ACCOUNT, ACCEPTANCE_KMS_KEY_ARN]);
            expect(snapshotByArn(documentDb.sourceArn!)!.kmsKeyId, "copied from production's copy under the share key").to.equal(shareKey);
        }
        // orders is encrypted with production's aws/rds key, which cannot be shared: only the copy makes it shareable.
        expect(world.production.newestAutomatedAt("orders", Date.parse("2026-12-31T00:00:00Z"))!.kmsKeyId).to.equal(awsManagedRdsKeyArn(PRODUCTION_ACCOUNT));
    });

    it("restores 40 minutes after each acceptance cycle starts: the time DocumentDB's copy takes", () => {
        const minutes = world.cycles.map((cycle) => (cycle.executions[0].startTime.getTime() - cycle.cycleStart.getTime()) / MINUTE);
        expect(new Set(minutes)).to.deep.equal(new Set([40]));
    });

    it("a share copy that failed (Saturday 03-14) fails that cycle naming the cluster and is deleted; the operator's rerun copies the same snapshot again in time", () => {
        const failed = execution(FAILED_COPY_SHARE_CYCLE);
        expect(failed.error).to.equal("ShareFailedError");
        expect(failed.cause).to.match(/did not share aurora cluster orders: copy snapshot-refresh-share-aurora-20260314t200000-\S+ of rds:orders-2026-03-14-20-00 ended failed; it was deleted/);
        const copies = share().ownSnapshots().filter((snapshot) => snapshot.identifier.startsWith("snapshot-refresh-share-aurora-20260314t200000-"));
        expect(copies.map((copy) => copy.outcome), "the failed copy, then the rerun's under the same name").to.deep.equal(["failed", "available"]);
        expect(copies[0].deletedAt!.getTime()).to.be.at.most(failed.stopDate!.getTime());
        const catalogCopy = share().ownSnapshots().find((snapshot) => snapshot.identifier.startsWith("snapshot-refresh-share-documentdb-20260314t200000-"))!;
        expect(restoreAttributeAt(catalogCopy, failed.stopDate!.getTime()), "catalog was shared all the same").to.include(ACCEPTANCE_ACCOUNT);
        const rerun = execution(RERUN_SHARE_CYCLE);
        expect(rerun.status).to.equal("SUCCEEDED");
        expect(copies[1].sourceArn).to.equal(copies[0].sourceArn);
        expect(copies[1].startedAt.getTime()).to.equal(rerun.startDate.getTime());
        // Sunday 03-15's refresh (cycle 6) restored the rerun's copy: see "every acceptance cycle ...".
        expect(restoredValue(6, "aurora")).to.equal(copies[1].arn);
    });

    it("sharing throttled (Saturday 05-09): the checks wait, and share once AWS answers again, before Sunday's refresh", () => {
        const throttled = world.aws.faults.throttled.filter((call) => call.command === "ModifyDBClusterSnapshotAttribute");
        expect(throttled.length).to.be.greaterThan(0);
        const cycle = execution(THROTTLED_SHARE_CYCLE);
        expect(cycle.status).to.equal("SUCCEEDED");
        const copies = share().ownSnapshots().filter((snapshot) => snapshot.identifier.includes("-20260509t200000-"));
        expect(copies).to.have.length(2);
        for (const copy of copies) {
            const sharedAt = copy.shares.find((entry) => entry.account === ACCEPTANCE_ACCOUNT)!.at;
            expect(sharedAt.toISOString(), copy.identifier).to.equal("2026-05-09T22:10:00.000Z");
        }
        expect(world.cycle(10).outcome).to.equal("restored");
    });

    it("the test account, removed from targetAccountIds on Wednesday 07-01, keeps its access until the next share cycle's first run, and never has it again", () => {
        const next = execution(FIRST_SHARE_CYCLE_WITHOUT_TEST);
        const startMs = next.startDate.getTime();
        expect(share().sharesWith(TEST_ACCOUNT, TARGET_REMOVED_AT.getTime()).length, "shared until then").to.equal(4);
        expect(share().sharesWith(TEST_ACCOUNT, startMs - MINUTE).length).to.equal(4);
        expect(share().sharesWith(TEST_ACCOUNT, startMs + MINUTE)).to.deep.equal([]);
        const laterShares = share().ownSnapshots().flatMap((snapshot) => snapshot.shares)
            .filter((entry) => entry.account === TEST_ACCOUNT && entry.at.getTime() >= TARGET_REMOVED_AT.getTime());
        expect(laterShares).to.deep.equal([]);
        expect(world.cycle(14).outcome, "acceptance notices nothing").to.equal("restored");
    });

    it("ends the year with exactly keepShared copies per cluster in production, each shared with exactly the remaining target", () => {
        const endMs = Date.parse("2027-01-01T00:00:00Z");
        const kept = share().ownSnapshots().filter((snapshot) => existedAt(snapshot, endMs));
        expect(kept.map((snapshot) => snapshot.identifier.replace(/-[0-9a-f]{8}$/, "")).sort()).to.deep.equal([
            "snapshot-refresh-share-aurora-20261205t200000",
            "snapshot-refresh-share-aurora-20261219t200000",
            "snapshot-refresh-share-documentdb-20261205t200000",
            "snapshot-refresh-share-documentdb-20261219t200000",
        ]);
        for (const snapshot of kept) expect(restoreAttributeAt(snapshot, endMs), snapshot.identifier).to.deep.equal([ACCEPTANCE_ACCOUNT]);
    });

    it("never shares or deletes a snapshot it did not make: automated ones, and production's own, even one named like its copies", () => {
        const changing = world.aws.calls.filter((call) => call.caller === share().deployment.functions.share.caller.label &&
            ["ModifyDBClusterSnapshotAttribute", "DeleteDBClusterSnapshot"].includes(call.command));
        expect(changing.length).to.be.greaterThan(0);
        const namedForeign = changing.filter((call) => (call.request ?? "").includes("rds:") || PEOPLES_SNAPSHOTS.some((identifier) => (call.request ?? "").includes(identifier)));
        expect(namedForeign).to.deep.equal([]);
        for (const identifier of PEOPLES_SNAPSHOTS) {
            const snapshot = world.aws.store.own(PRODUCTION_ACCOUNT, identifier);
            expect(snapshot, identifier).to.not.equal(undefined);
            expect(snapshot!.shares, identifier).to.deep.equal([]);
        }
    });
});
