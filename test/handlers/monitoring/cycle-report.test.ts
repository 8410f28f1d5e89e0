/**
 * The one message each ended execution sends, read by someone who opens no logs: from the execution's output
 * (the functions' own summaries, typed as they return them) or from how and where it failed.
 */
import { expect } from "chai";
import { cycleMessage, formatDuration } from "../../../handlers/monitoring/cycle-report";
import { pauseCommands, pauseState } from "../../../handlers/pause";
import { RestoreSummary } from "../../../handlers/refresh/restore";
import { UpdateSummary } from "../../../handlers/refresh/update-latest";
import { ShareDryRunSummary, ShareRunSummary } from "../../../handlers/share/share-snapshots";
import { ERROR_GUIDE } from "../../../handlers/troubleshooting";
import { SOURCE_ACCOUNT, TARGET_ACCOUNT } from "../support";
import { consoleLink, endedExecution, lambdaCause, REFRESH_MONITOR, SHARE_MONITOR } from "./support";

const CYCLE = "cycle-2026-12-06";
const CYCLE_START = new Date("2026-12-06T01:00:00Z");
const AURORA_SHARED = "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:production-share-aurora-20261205t200400-1a2b3c4d";
const DOCUMENTDB_SHARED = "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:production-share-documentdb-20261205t201000-9c8b7a6d";
const DOCUMENTDB_COPY = "arn:aws:rds:eu-west-1:222222222222:cluster-snapshot:acceptance-documentdb-20261205t201000-5e6f7a8b";
const PIPELINE_EXECUTION = "0f1e2d3c-1111-2222-3333-444455556666";

function minutesAfter(time: Date, minutes: number): Date {
    return new Date(time.getTime() + minutes * 60_000);
}

const UPDATED: UpdateSummary = {
    outcome: "updated",
    engines: [
        { engine: "aurora", newestShared: AURORA_SHARED, latestBefore: "none", latestAfter: AURORA_SHARED, deletedCopies: [], warnings: [] },
        { engine: "documentdb", newestShared: DOCUMENTDB_SHARED, latestAfter: DOCUMENTDB_COPY, deletedCopies: [], warnings: [] },
    ],
};

const RESTORED: RestoreSummary = {
    outcome: "restored",
    cycle: CYCLE,
    pipelineName: "acceptance-main",
    executionId: PIPELINE_EXECUTION,
    engines: [
        { engine: "aurora", currentBefore: "none", restoredFrom: AURORA_SHARED, takenAt: "2026-12-05T20:04:00.000Z" },
        { engine: "documentdb", currentBefore: "none", restoredFrom: DOCUMENTDB_COPY, takenAt: "2026-12-05T20:10:00.000Z" },
    ],
};

describe("the message of an ended cycle", () => {
    describe("on the refresh side", () => {
        it("says what each engine restored, when production took it, and which pipeline execution it started", () => {
            const end = endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START, stopDate: new Date("2026-12-06T01:42:10Z") }, { update: UPDATED, restore: RESTORED });
            expect(cycleMessage(REFRESH_MONITOR, end)).to.deep.equal({
                subject: `Restored: refresh cycle ${CYCLE} of acceptance`,
                body: [
                    `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} restored the databases' snapshots and started the main pipeline (started 2026-12-06 01:00 UTC, took 42 min).`,
                    `aurora: restored ${AURORA_SHARED}, which production took 2026-12-05 20:04 UTC (4 h 56 min before the cycle started).`,
                    `documentdb: restored ${DOCUMENTDB_COPY}, which production took 2026-12-05 20:10 UTC (4 h 50 min before the cycle started).`,
                    `Main pipeline acceptance-main: execution ${PIPELINE_EXECUTION}.`,
                    consoleLink(REFRESH_MONITOR, CYCLE),
                ].join("\n"),
            });
        });

        it("warns of what the restore and the update could not clean up, and of an update that failed while the restore went on", () => {
            const update = { Error: "EnginesFailedError", Cause: lambdaCause("EnginesFailedError", "documentdb: the copy could not start: SnapshotQuotaExceeded") };
            const restored: RestoreSummary = { ...RESTORED, engines: [{ ...RESTORED.engines[0], warning: "latest named a snapshot that no longer exists; restored the newest shared one" }] };
            const end = endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START, stopDate: minutesAfter(CYCLE_START, 3) }, { update, restore: restored });
            const body = cycleMessage(REFRESH_MONITOR, end).body.split("\n");
            expect(body.filter((line) => line.startsWith("Warning: "))).to.deep.equal([
                "Warning: the update failed and the restore went on without it: EnginesFailedError: documentdb: the copy could not start: SnapshotQuotaExceeded",
                "Warning: aurora: latest named a snapshot that no longer exists; restored the newest shared one",
            ]);
            const withCleanup: UpdateSummary = { ...UPDATED, engines: [{ ...UPDATED.engines[0], warnings: ["could not delete copy acceptance-aurora-old: AccessDenied"] }] };
            const cleanup = endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START }, { update: withCleanup, restore: RESTORED });
            expect(cycleMessage(REFRESH_MONITOR, cleanup).body.split("\n").filter((line) => line.startsWith("Warning: "))).to.deep.equal([
                "Warning: aurora: could not delete copy acceptance-aurora-old: AccessDenied",
            ]);
        });

        it("says a paused cycle changed nothing, why, and how to resume", () => {
            const pause = pauseState(false, "2027-01-04T06:00:00Z", "acceptance", CYCLE_START);
            if (!pause.paused) throw new Error("the fixture's pause has ended");
            const paused: RestoreSummary = { outcome: "paused", cycle: CYCLE, pipelineName: "acceptance-main", paused: pause.reason, engines: [{ engine: "aurora", currentBefore: AURORA_SHARED }] };
            const end = endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START, stopDate: minutesAfter(CYCLE_START, 1) }, { update: UPDATED, restore: paused });
            expect(cycleMessage(REFRESH_MONITOR, end)).to.deep.equal({
                subject: `Paused: refresh cycle ${CYCLE} of acceptance`,
                body: [
                    `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} changed nothing: the instance is paused (started 2026-12-06 01:00 UTC, took 1 min).`,
                    `Paused: paused until 2027-01-04T06:00:00.000Z by /snapshot-refresh/acceptance/paused-until; to resume now: ${pauseCommands("acceptance").resume}`,
                    consoleLink(REFRESH_MONITOR, CYCLE),
                ].join("\n"),
            });
        });

        it("lists what a dry run would do, the update's part first, then each engine's restore, then the pipeline", () => {
            const name = "manual-20261210T093000Z";
            const start = new Date("2026-12-10T09:30:00Z");
            const update: UpdateSummary = {
                outcome: "dry-run",
                engines: [
                    { engine: "aurora", newestShared: AURORA_SHARED, deletedCopies: [], warnings: [], wouldDo: [`Would pick ${AURORA_SHARED}: the newest shared snapshot.`, "Would leave aurora_latest_snapshot_id as it is."] },
                    { engine: "documentdb", deletedCopies: [], warnings: [], wouldDo: ["Would start no copy: the copy is available."] },
                ],
            };
            const restore: RestoreSummary = {
                outcome: "dry-run",
                cycle: name,
                pipelineName: "acceptance-main",
                wouldStartPipeline: "acceptance-main",
                wouldDo: ["Would start pipeline acceptance-main once, which restores from the aurora_current_snapshot_id and documentdb_current_snapshot_id values above."],
                engines: [
                    { engine: "aurora", wouldRestoreFrom: AURORA_SHARED, takenAt: "2026-12-05T20:04:00.000Z", wouldDo: [`Would restore from ${AURORA_SHARED}, taken 2026-12-05T20:04:00.000Z: the newest shared snapshot.`] },
                    { engine: "documentdb", wouldRestoreFrom: DOCUMENTDB_COPY, wouldDo: ["Would leave documentdb_current_snapshot_id as it is: it already names it."] },
                ],
            };
            const end = endedExecution(REFRESH_MONITOR, { name, startDate: start, stopDate: minutesAfter(start, 1) }, { dryRun: true, update, restore });
            expect(cycleMessage(REFRESH_MONITOR, end)).to.deep.equal({
                subject: `Dry run: refresh cycle ${name} of acceptance`,
                body: [
                    `Refresh cycle ${name} of acceptance in account ${TARGET_ACCOUNT} was a dry run (started 2026-12-10 09:30 UTC, took 1 min).`,
                    "Nothing was changed. It would:",
                    `- aurora: Would pick ${AURORA_SHARED}: the newest shared snapshot.`,
                    "- aurora: Would leave aurora_latest_snapshot_id as it is.",
                    "- documentdb: Would start no copy: the copy is available.",
                    `- aurora: Would restore from ${AURORA_SHARED}, taken 2026-12-05T20:04:00.000Z: the newest shared snapshot.`,
                    "- documentdb: Would leave documentdb_current_snapshot_id as it is: it already names it.",
                    "- Would start pipeline acceptance-main once, which restores from the aurora_current_snapshot_id and documentdb_current_snapshot_id values above.",
                    consoleLink(REFRESH_MONITOR, name),
                ].join("\n"),
            });
        });

        it("says where a failed cycle stopped, the function's own message, what that changed and what to do", () => {
            const cause = lambdaCause("CopyNotReadyError", "documentdb: copy acceptance-documentdb-x is still creating (63%) at the end of the maintenance window");
            const end = endedExecution(REFRESH_MONITOR, {
                name: CYCLE, startDate: CYCLE_START, stopDate: minutesAfter(CYCLE_START, 241), status: "FAILED", error: "CopyNotReadyError", cause, failedState: "RestoreFromSnapshot",
            });
            expect(cycleMessage(REFRESH_MONITOR, end)).to.deep.equal({
                subject: `FAILED: refresh cycle ${CYCLE} of acceptance`,
                body: [
                    `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} FAILED (started 2026-12-06 01:00 UTC, took 4 h 1 min), at step RestoreFromSnapshot.`,
                    "Error: CopyNotReadyError: documentdb: copy acceptance-documentdb-x is still creating (63%) at the end of the maintenance window",
                    `What changed: ${ERROR_GUIDE.CopyNotReadyError.changed}`,
                    `What to do: ${ERROR_GUIDE.CopyNotReadyError.action}`,
                    consoleLink(REFRESH_MONITOR, CYCLE),
                ].join("\n"),
            });
        });

        it("reads the message of an input the cycle refused out of the caught error's cause", () => {
            const message = 'db-update-latest-snapshot-id cannot run {"dryrun":true}: the execution\'s input has "dryrun", which is not a field it knows.';
            const end = endedExecution(REFRESH_MONITOR, {
                name: "manual-1", startDate: CYCLE_START, status: "FAILED", error: "InvalidRequestError", cause: lambdaCause("InvalidRequestError", message), failedState: "RequestRefused",
            });
            const body = cycleMessage(REFRESH_MONITOR, end).body.split("\n");
            expect(body.slice(0, 4)).to.deep.equal([
                `Refresh cycle manual-1 of acceptance in account ${TARGET_ACCOUNT} FAILED (started 2026-12-06 01:00 UTC), at step RequestRefused.`,
                `Error: InvalidRequestError: ${message}`,
                `What changed: ${ERROR_GUIDE.InvalidRequestError.changed}`,
                `What to do: ${ERROR_GUIDE.InvalidRequestError.action}`,
            ]);
        });

        it("takes a cause that is not Lambda's JSON as the message, and gives the general advice for an error it does not know", () => {
            const end = endedExecution(REFRESH_MONITOR, {
                name: CYCLE, startDate: CYCLE_START, status: "FAILED", error: "Lambda.Unknown", cause: "The cause could not be determined because Lambda did not return an error type.",
            });
            expect(cycleMessage(REFRESH_MONITOR, end).body.split("\n").slice(0, 4)).to.deep.equal([
                `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} FAILED (started 2026-12-06 01:00 UTC).`,
                "Error: Lambda.Unknown: The cause could not be determined because Lambda did not return an error type.",
                `What changed: ${ERROR_GUIDE["States.TaskFailed"].changed}`,
                `What to do: ${ERROR_GUIDE["States.TaskFailed"].action}`,
            ]);
        });

        it("says a timed-out cycle timed out, in the step it was waiting in", () => {
            const end = endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START, stopDate: minutesAfter(CYCLE_START, 360), status: "TIMED_OUT", failedState: "WaitForCopies" });
            expect(cycleMessage(REFRESH_MONITOR, end)).to.deep.equal({
                subject: `TIMED OUT: refresh cycle ${CYCLE} of acceptance`,
                body: [
                    `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} TIMED OUT (started 2026-12-06 01:00 UTC, took 6 h), at step WaitForCopies.`,
                    "Error: States.Timeout: no message",
                    `What changed: ${ERROR_GUIDE["States.Timeout"].changed}`,
                    `What to do: ${ERROR_GUIDE["States.Timeout"].action}`,
                    consoleLink(REFRESH_MONITOR, CYCLE),
                ].join("\n"),
            });
        });

        it("says an aborted cycle was aborted, with the reason given to StopExecution", () => {
            const end = endedExecution(REFRESH_MONITOR, {
                name: CYCLE, startDate: CYCLE_START, stopDate: minutesAfter(CYCLE_START, 12), status: "ABORTED", error: "ReleaseFreeze", cause: "stopped by alice for the release", failedState: "WaitForCopies",
            });
            expect(cycleMessage(REFRESH_MONITOR, end)).to.deep.equal({
                subject: `WAS ABORTED: refresh cycle ${CYCLE} of acceptance`,
                body: [
                    `Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} WAS ABORTED (started 2026-12-06 01:00 UTC, took 12 min), at step WaitForCopies.`,
                    "Error: Aborted: stopped by alice for the release",
                    `What changed: ${ERROR_GUIDE.Aborted.changed}`,
                    `What to do: ${ERROR_GUIDE.Aborted.action}`,
                    consoleLink(REFRESH_MONITOR, CYCLE),
                ].join("\n"),
            });
        });

        it("says no more than that it succeeded when the output is not a summary it can read", () => {
            for (const output of [undefined, "not JSON", JSON.stringify({ restore: "done" })]) {
                const end = { ...endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START }), output };
                expect(cycleMessage(REFRESH_MONITOR, end), String(output)).to.deep.equal({
                    subject: `Succeeded: refresh cycle ${CYCLE} of acceptance`,
                    body: [`Refresh cycle ${CYCLE} of acceptance in account ${TARGET_ACCOUNT} succeeded (started 2026-12-06 01:00 UTC).`, consoleLink(REFRESH_MONITOR, CYCLE)].join("\n"),
                });
            }
        });
    });

    describe("on the share side", () => {
        const name = "share-2026-12-05";
        const start = new Date("2026-12-05T22:00:00Z");
        const copy = "production-share-aurora-20261205t200400-1a2b3c4d";

        it("says what each cluster shared and when production took it, or why it was not", () => {
            const shared: ShareRunSummary = {
                cycle: name,
                outcome: "shared",
                clusters: [
                    {
                        engine: "aurora",
                        cluster: "orders",
                        outcome: "shared",
                        reason: "shared with exactly 222222222222",
                        source: { identifier: "rds:orders-2026-12-05-20-04", arn: "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:rds:orders-2026-12-05-20-04", createdAt: "2026-12-05T20:04:00.000Z", encrypted: true },
                        copy,
                    },
                    { engine: "documentdb", cluster: "catalog", outcome: "waiting", reason: "its automated snapshot is still creating" },
                ],
                sharingChanges: [],
                deleted: [],
                warnings: ["could not delete production-share-aurora-20261121t200400-00000000: InvalidDBClusterSnapshotStateFault"],
            };
            const end = endedExecution(SHARE_MONITOR, { name, startDate: start, stopDate: minutesAfter(start, 55) }, { share: shared });
            expect(cycleMessage(SHARE_MONITOR, end)).to.deep.equal({
                subject: `Shared: share cycle ${name} of production`,
                body: [
                    `Share cycle ${name} of production in account ${SOURCE_ACCOUNT} shared the newest snapshots (started 2026-12-05 22:00 UTC, took 55 min).`,
                    `aurora orders: shared ${copy}, which production took 2026-12-05 20:04 UTC (1 h 56 min before the cycle started).`,
                    "documentdb catalog: waiting: its automated snapshot is still creating.",
                    "Warning: could not delete production-share-aurora-20261121t200400-00000000: InvalidDBClusterSnapshotStateFault",
                    consoleLink(SHARE_MONITOR, name),
                ].join("\n"),
            });
        });

        it("lists what a dry run would do for each cluster", () => {
            const dryRun: ShareDryRunSummary = {
                cycle: name,
                outcome: "dry-run",
                clusters: [{
                    engine: "aurora",
                    cluster: "orders",
                    outcome: "would-share",
                    reason: "the newest automated snapshot",
                    copy,
                    sharingChanges: [],
                    beyondKeepShared: [],
                    wouldDelete: [],
                    wouldDo: [`Would copy rds:orders-2026-12-05-20-04 to ${copy} under the share key.`, `Would share ${copy} with exactly 222222222222 once the copy is available.`],
                }],
                warnings: [],
            };
            const end = endedExecution(SHARE_MONITOR, { name, startDate: start, stopDate: minutesAfter(start, 1) }, { dryRun: true, share: dryRun });
            expect(cycleMessage(SHARE_MONITOR, end)).to.deep.equal({
                subject: `Dry run: share cycle ${name} of production`,
                body: [
                    `Share cycle ${name} of production in account ${SOURCE_ACCOUNT} was a dry run (started 2026-12-05 22:00 UTC, took 1 min).`,
                    "Nothing was changed. It would:",
                    `- aurora orders: Would copy rds:orders-2026-12-05-20-04 to ${copy} under the share key.`,
                    `- aurora orders: Would share ${copy} with exactly 222222222222 once the copy is available.`,
                    consoleLink(SHARE_MONITOR, name),
                ].join("\n"),
            });
        });

        it("gives the share function's failure with the share guide's advice", () => {
            const cause = lambdaCause("ShareFailedError", "share cycle share-2026-12-05 did not share aurora cluster orders: KMSKeyNotAccessibleFault");
            const end = endedExecution(SHARE_MONITOR, { name, startDate: start, stopDate: minutesAfter(start, 130), status: "FAILED", error: "ShareFailedError", cause, failedState: "CheckCopies" });
            expect(cycleMessage(SHARE_MONITOR, end)).to.deep.equal({
                subject: `FAILED: share cycle ${name} of production`,
                body: [
                    `Share cycle ${name} of production in account ${SOURCE_ACCOUNT} FAILED (started 2026-12-05 22:00 UTC, took 2 h 10 min), at step CheckCopies.`,
                    "Error: ShareFailedError: share cycle share-2026-12-05 did not share aurora cluster orders: KMSKeyNotAccessibleFault",
                    `What changed: ${ERROR_GUIDE.ShareFailedError.changed}`,
                    `What to do: ${ERROR_GUIDE.ShareFailedError.action}`,
                    consoleLink(SHARE_MONITOR, name),
                ].join("\n"),
            });
        });
    });

    it("keeps every subject within SNS's 100 characters, printable, whatever the instance is called", () => {
        const settings = { ...REFRESH_MONITOR, instanceName: `acceptance-refresh-for-the-payments-team-europe-west-and-north\tblue-green-${"x".repeat(40)}` };
        for (const status of ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]) {
            const end = endedExecution(settings, { name: "manual-20261210T093000Z", startDate: CYCLE_START, status }, { restore: RESTORED });
            const { subject } = cycleMessage(settings, end);
            expect(subject.length, subject).to.equal(100);
            expect(subject, subject).to.match(/^[\x20-\x7E]+\.\.\.$/);
        }
        const short = cycleMessage(REFRESH_MONITOR, endedExecution(REFRESH_MONITOR, { name: CYCLE, startDate: CYCLE_START }, { restore: RESTORED })).subject;
        expect(short, "a subject that fits is left whole").to.equal(`Restored: refresh cycle ${CYCLE} of acceptance`);
    });

    it("gives durations to the minute: minutes, then hours and minutes, then days and hours", () => {
        const cases: [number, string][] = [[0, "0 min"], [29_999, "0 min"], [42 * 60_000 + 10_000, "42 min"], [60 * 60_000, "1 h"], [241 * 60_000, "4 h 1 min"], [47 * 3_600_000 + 59 * 60_000, "47 h 59 min"], [48 * 3_600_000, "2 d"], [(14 * 24 + 5) * 3_600_000, "14 d 5 h"], [-60_000, "0 min"]];
        expect(cases.map(([ms]) => formatDuration(ms))).to.deep.equal(cases.map(([, text]) => text));
    });
});
