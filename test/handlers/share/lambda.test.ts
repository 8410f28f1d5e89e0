import { SSMServiceException } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { SETTINGS_ENVIRONMENT_VARIABLE } from "../../../handlers/settings";
import { createShareHandler, handleShareEvent } from "../../../handlers/share/lambda";
import { ShareSettings } from "../../../handlers/share/settings";
import { ShareSummary } from "../../../handlers/share/share-snapshots";
import { LogRecord, recordingLogger } from "../support";
import {
    ACCEPTANCE_ACCOUNT,
    automatedSnapshot,
    CATALOG,
    expectedCopyIdentifier,
    identifierOf,
    machineEvent,
    mockPauseParameter,
    mockProductionAccount,
    ORDERS,
    PauseParameterMock,
    ProductionAccount,
    ProductionSnapshots,
    SHARE_CYCLE,
    shareClients,
    shareCopyOf,
    shareSettings,
    STAGING_ACCOUNT,
    throttling,
} from "./support";

const TARGETS = [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT];
const PAUSE_PARAMETER = "/snapshot-refresh/snapshot-share/paused-until";
const RESUME = `aws ssm put-parameter --overwrite --name ${PAUSE_PARAMETER} --value none`;
/** The invocation: a minute after the cycle's start, 2024-05-06T04:00Z. */
const NOW = new Date("2024-05-06T04:01:00Z");

const ordersSource = automatedSnapshot({ cluster: "orders", takenAt: "2024-05-06T03:00:00Z" });
const catalogSource = automatedSnapshot({ cluster: "catalog", engine: "documentdb", takenAt: "2024-05-06T02:30:00Z" });
const ordersCopyId = expectedCopyIdentifier("aurora", ordersSource);
const catalogCopyId = expectedCopyIdentifier("documentdb", catalogSource);
const bothClusters = shareSettings({ clusters: [ORDERS, CATALOG] });
/** Both clusters' copies available and unshared: a run shares both. */
const readyToShare: ProductionSnapshots = {
    automated: { orders: [[ordersSource]], catalog: [[catalogSource]] },
    manual: [[shareCopyOf(ordersSource, "aurora"), shareCopyOf(catalogSource, "documentdb")]],
};

describe("handleShareEvent: one run of db-share-latest-snapshots", () => {
    let account: ProductionAccount | undefined;
    let pause: PauseParameterMock | undefined;
    afterEach(() => {
        account?.restore();
        pause?.restore();
    });

    function serve(snapshots: ProductionSnapshots, pauseValue: Parameters<typeof mockPauseParameter>[0] = "none"): ProductionAccount {
        account = mockProductionAccount(snapshots);
        pause = mockPauseParameter(pauseValue);
        return account;
    }

    /** Runs the function on `event` and returns what it returned or threw, with its one summary line. */
    async function invoke(event: unknown, settings: ShareSettings = bothClusters): Promise<{ summary?: ShareSummary; error?: Error; line: LogRecord }> {
        const logger = recordingLogger();
        const result = handleShareEvent(settings, event, { now: NOW, requestId: "request-1" }, shareClients(), logger.log);
        try {
            const summary = await result;
            return { summary, line: logger.only("run summary") };
        } catch (error) {
            if (!(error instanceof Error)) throw error;
            expect(logger.records, "one line, the summary").to.have.length(1);
            return { error, line: logger.only("run summary") };
        }
    }

    describe("the forms it accepts", () => {
        it("{} given directly: shares now, as a run by hand named after its request", async () => {
            const aws = serve(readyToShare);

            const { summary } = await invoke({});

            expect(summary).to.deep.include({ cycle: "manual-request-1", outcome: "shared" });
            expect(aws.sharing.get(ordersCopyId)).to.have.members(TARGETS);
        });

        it("{} as the state machine passes it: the cycle's run, with its window and next check", async () => {
            serve({ automated: { orders: [[ordersSource]], catalog: [[catalogSource]] }, manual: [[]] });

            const { summary } = await invoke(machineEvent({}));

            expect(summary).to.deep.include({ cycle: SHARE_CYCLE, outcome: "waiting", nextCheckAt: "2024-05-06T04:11:00.000Z" });
        });

        it("a check as the state machine passes it, with request and previous: what the previous run decided stands", async () => {
            serve(readyToShare);
            const previous: ShareSummary = {
                cycle: SHARE_CYCLE,
                outcome: "waiting",
                clusters: [
                    { engine: "aurora", cluster: "orders", outcome: "waiting", reason: "copying" },
                    { engine: "documentdb", cluster: "catalog", outcome: "failed", reason: "copy ended failed" },
                ],
                sharingChanges: [],
                deleted: [],
                warnings: [],
                nextCheckAt: "2024-05-06T04:11:00.000Z",
            };

            const { error, line } = await invoke(machineEvent({}, previous));

            expect(error?.name).to.equal("ShareFailedError");
            expect(line.clusters).to.deep.nested.include({ "orders.outcome": "shared", "catalog.outcome": "failed", "catalog.reason": "copy ended failed" });
        });

        for (const [form, event] of [["given directly", { dryRun: true }], ["as the state machine passes it", machineEvent({ dryRun: true })]] as const) {
            it(`{"dryRun": true} ${form}: changes nothing and reports what it would do`, async () => {
                const aws = serve({ automated: readyToShare.automated, manual: [[]] });

                const { summary } = await invoke(event);

                expect(aws.changes()).to.deep.equal([]);
                expect(summary?.outcome).to.equal("dry-run");
                expect(summary?.clusters.map((plan) => plan.outcome)).to.deep.equal(["would-share", "would-share"]);
                expect(summary).to.not.have.property("nextCheckAt");
            });
        }

        const refused: [string, unknown, string][] = [
            ["a restore given directly", { restore: { aurora: "snap-1" } }, "production restores nothing"],
            ["a restore as the state machine passes it", machineEvent({ restore: { documentdb: "snap-1" } }), "production restores nothing"],
            ["a misspelt dryRun", { dryrun: true }, '"dryrun" is not a field it knows'],
            ["previous given directly", { previous: { clusters: [] } }, "previous comes only from the share cycle's state machine"],
        ];
        for (const [what, event, problem] of refused) {
            it(`refuses ${what} before calling AWS, and says so in the summary line`, async () => {
                const aws = serve(readyToShare);

                const { error, line } = await invoke(event);

                expect(error?.name).to.equal("InvalidRequestError");
                expect(error?.message).to.include(problem).and.to.include('It accepts {} (run now), {"dryRun": true}');
                expect(aws.calls).to.deep.equal([]);
                expect(pause?.reads).to.deep.equal([]);
                expect(line).to.deep.include({ level: "ERROR", outcome: "failed", error: { name: "InvalidRequestError", message: error?.message } });
            });
        }
    });

    describe("paused", () => {
        it("indefinitely by its parameter: reads and changes nothing, and says how to resume", async () => {
            const aws = serve(readyToShare, "indefinitely");

            const { summary, line } = await invoke({});

            expect(aws.calls).to.deep.equal([]);
            expect(pause?.reads).to.deep.equal([PAUSE_PARAMETER]);
            expect(summary).to.deep.equal({
                cycle: "manual-request-1",
                outcome: "paused",
                paused: `paused indefinitely by ${PAUSE_PARAMETER}; to resume: ${RESUME}`,
                clusters: [],
                sharingChanges: [],
                deleted: [],
                warnings: [],
            });
            expect(line).to.deep.include({ level: "INFO", outcome: "paused" });
        });

        it("until a time to come: changes nothing, naming the end", async () => {
            const aws = serve(readyToShare, "2024-05-07T06:00:00Z");

            const { summary } = await invoke(machineEvent({}));

            expect(aws.changes()).to.deep.equal([]);
            expect(summary).to.deep.include({
                outcome: "paused",
                paused: `paused until 2024-05-07T06:00:00.000Z by ${PAUSE_PARAMETER}; to resume now: ${RESUME}`,
            });
        });

        it("until a time that has passed: shares, and says the pause ended", async () => {
            const aws = serve(readyToShare, "2024-05-06T04:00:00Z");

            const { summary } = await invoke(machineEvent({}));

            expect(summary).to.deep.include({ outcome: "shared", pauseEnded: `the pause by ${PAUSE_PARAMETER} ended at 2024-05-06T04:00:00.000Z` });
            expect(summary).to.not.have.property("paused");
            expect(aws.sharing.get(catalogCopyId)).to.have.members(TARGETS);
        });

        it("by a value that is not a time: stays paused rather than end a freeze, naming the value", async () => {
            const aws = serve(readyToShare, "next monday");

            const { summary } = await invoke({});

            expect(aws.calls).to.deep.equal([]);
            expect(summary?.outcome).to.equal("paused");
            expect(summary?.paused).to.equal(
                `paused: ${PAUSE_PARAMETER} is "next monday", which is not none, indefinitely or a time such as 2027-01-04T06:00:00Z; to resume: ${RESUME}`,
            );
        });

        it("by the stack configuration: changes nothing without reading the parameter, and says to resume with pulumi up", async () => {
            const aws = serve(readyToShare, "none");

            const { summary } = await invoke({}, shareSettings({ clusters: [ORDERS, CATALOG], paused: true }));

            expect(aws.calls).to.deep.equal([]);
            expect(pause?.reads).to.deep.equal([]);
            expect(summary?.paused).to.equal(
                "paused by the stack configuration (snapshot-refresh:paused is true); to resume, pulumi config set snapshot-refresh:paused false and pulumi up",
            );
        });

        it("a dry run still reports what a run would do, and says it is paused", async () => {
            const aws = serve({ automated: readyToShare.automated, manual: [[]] }, "indefinitely");

            const { summary, line } = await invoke(machineEvent({ dryRun: true }));

            expect(aws.changes()).to.deep.equal([]);
            expect(summary).to.deep.include({ outcome: "dry-run", paused: `paused indefinitely by ${PAUSE_PARAMETER}; to resume: ${RESUME}` });
            expect(line.clusters).to.deep.nested.include({ "orders.copy": ordersCopyId, "catalog.copy": catalogCopyId });
        });

        it("not at all when the parameter does not exist (a stack deployed before pausing existed)", async () => {
            serve(readyToShare, undefined);

            const { summary } = await invoke({});

            expect(summary?.outcome).to.equal("shared");
            expect(summary).to.not.have.property("paused");
        });

        it("unknown when the parameter cannot be read: the run fails and changes nothing", async () => {
            const denied = () => new SSMServiceException({ name: "AccessDeniedException", $fault: "client", message: "not authorized to perform: ssm:GetParameter", $metadata: { httpStatusCode: 400 } });
            const aws = serve(readyToShare, denied);

            const { error, line } = await invoke({});

            expect(aws.calls).to.deep.equal([]);
            expect(error?.name).to.equal("ShareFailedError");
            expect(error?.message).to.equal(
                `nothing was copied, shared or deleted: the pause parameter ${PAUSE_PARAMETER} could not be read (ssm:GetParameter): ` +
                "AccessDeniedException: not authorized to perform: ssm:GetParameter. pulumi up allows the share function's role to read it: run it for this stack",
            );
            expect(line).to.deep.include({ level: "ERROR", outcome: "failed" });
        });

        it("unknown when SSM does not answer: the run fails with TransientAwsError, for the state machine to retry", async () => {
            serve(readyToShare, () => new SSMServiceException({ name: "ThrottlingException", $fault: "client", message: "Rate exceeded", $metadata: { httpStatusCode: 400 } }));

            const error = (await invoke(machineEvent({}))).error;

            expect(error?.name).to.equal("TransientAwsError");
            expect(account?.calls).to.deep.equal([]);
        });
    });

    describe("the summary line, written once per run", () => {
        it("on success: at info, the outcome, and each cluster keyed by its identifier with its source and copy", async () => {
            serve(readyToShare);

            const { line } = await invoke(machineEvent({}));

            expect(line).to.deep.include({ level: "INFO", event: "run summary", cycle: SHARE_CYCLE, outcome: "shared", dryRun: false });
            expect(Object.keys(line.clusters as object)).to.deep.equal(["orders", "catalog"]);
            expect(line.clusters).to.deep.nested.include({
                "orders.copy": ordersCopyId,
                "orders.source.identifier": identifierOf(ordersSource),
                "catalog.copy": catalogCopyId,
                "catalog.outcome": "shared",
            });
            expect(line.sharingChanges).to.deep.equal([
                { snapshot: ordersCopyId, added: TARGETS, removed: [] },
                { snapshot: catalogCopyId, added: TARGETS, removed: [] },
            ]);
        });

        it("on failure: at error, with the error and what the run did before failing, keyed by cluster", async () => {
            serve({ ...readyToShare, manual: [[shareCopyOf(ordersSource, "aurora", "failed"), shareCopyOf(catalogSource, "documentdb")]] });

            const { error, line } = await invoke(machineEvent({}));

            expect(error?.name).to.equal("ShareFailedError");
            expect(line).to.deep.include({ level: "ERROR", cycle: SHARE_CYCLE, outcome: "failed", deleted: [ordersCopyId] });
            expect(line.error).to.deep.equal({ name: "ShareFailedError", message: error?.message });
            expect(line.clusters).to.deep.nested.include({ "orders.outcome": "failed", "catalog.outcome": "shared", "catalog.copy": catalogCopyId });
        });

        it("when the listing fails: at error, with the cycle and nothing done", async () => {
            const aws = serve(readyToShare);
            aws.failWhen("DescribeDBClusterSnapshots", () => true, throttling);

            const { error, line } = await invoke(machineEvent({}));

            expect(error?.name).to.equal("TransientAwsError");
            expect(line).to.deep.include({ level: "ERROR", cycle: SHARE_CYCLE, outcome: "failed", clusters: {}, deleted: [], sharingChanges: [] });
        });

        it("of a dry run: the plans keyed by cluster, with what each would do", async () => {
            serve({ automated: readyToShare.automated, manual: [[]] });

            const { line } = await invoke({ dryRun: true });

            expect(line).to.deep.include({ level: "INFO", outcome: "dry-run", dryRun: true });
            expect((line.clusters as Record<string, { wouldDo: string[] }>).orders.wouldDo).to.have.length(2);
            expect(line.clusters).to.deep.nested.include({ "orders.wouldCopy.to": ordersCopyId, "catalog.wouldCopy.to": catalogCopyId });
        });
    });

    describe("as Lambda runs it", () => {
        const context = { invokedFunctionArn: "arn:aws:lambda:eu-west-1:111111111111:function:share", functionName: "share", awsRequestId: "request-3" };
        let savedSettings: string | undefined;
        let lines: { level: string; entry: Record<string, unknown> }[];
        const consoleMethods = { info: console.info, warn: console.warn, error: console.error };
        beforeEach(() => {
            savedSettings = process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            lines = [];
            for (const level of ["info", "warn", "error"] as const) console[level] = (entry: Record<string, unknown>) => lines.push({ level, entry });
        });
        afterEach(() => {
            Object.assign(console, consoleMethods);
            if (savedSettings === undefined) delete process.env[SETTINGS_ENVIRONMENT_VARIABLE];
            else process.env[SETTINGS_ENVIRONMENT_VARIABLE] = savedSettings;
        });

        it("reads the pause parameter its settings name, and writes its summary line with the instance", async () => {
            serve(readyToShare, "indefinitely");
            process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify(bothClusters);

            const summary = await createShareHandler()({}, context);

            expect(summary.outcome).to.equal("paused");
            expect(pause?.reads).to.deep.equal([PAUSE_PARAMETER]);
            expect(lines.map((line) => [line.level, line.entry.event, line.entry.instance, line.entry.outcome])).to.deep.equal([["info", "run summary", "snapshot-share", "paused"]]);
        });

        it("still writes its summary line when its settings are unusable", async () => {
            serve(readyToShare);
            process.env[SETTINGS_ENVIRONMENT_VARIABLE] = JSON.stringify({ ...bothClusters, paused: "no" });

            const error = await createShareHandler()({}, context).then(() => undefined, (failure: Error) => failure);

            expect(error?.message).to.include("paused is not true or false");
            expect(account?.calls).to.deep.equal([]);
            expect(lines.map((line) => [line.level, line.entry.event, line.entry.outcome])).to.deep.equal([["error", "run summary", "failed"]]);
        });
    });
});
