import { expect } from "chai";
import { SHARE_FUNCTION_LABELS } from "../../../handlers/share/lambda";
import { parseShareRequest } from "../../../handlers/share/run-request";
import { ClusterShareReport, ShareRunSummary } from "../../../handlers/share/share-snapshots";

const CYCLE = { name: "share-2024-05-06", startedAt: "2024-05-06T04:00:00.123Z" };
const ACCEPTED_FORMS =
    'It accepts {} (run now), {"dryRun": true} (report what a run would do, changing nothing); from its state machine, ' +
    '{"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}, "request": <the execution\'s input, one of the forms above>}, ' +
    'and on a check also "previous", the result of the cycle\'s previous run.';
const RESTORES_NOTHING = "production restores nothing: restores happen in the acceptance account, whose db-restore-from-snapshot takes " +
    '{"restore": {...}} (start that account\'s refresh cycle with it)';
const PREVIOUS_FROM_MACHINE = "previous comes only from the share cycle's state machine, with the cycle it belongs to";

const waitingReport: ClusterShareReport = {
    engine: "aurora",
    cluster: "orders",
    outcome: "waiting",
    reason: "copy snapshot-share-aurora-20240506t030000-0a1b2c3d of rds:orders-2024-05-06-03-00 is copying",
    source: {
        identifier: "rds:orders-2024-05-06-03-00",
        arn: "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:rds:orders-2024-05-06-03-00",
        createdAt: "2024-05-06T03:00:00.000Z",
        encrypted: true,
    },
    copy: "snapshot-share-aurora-20240506t030000-0a1b2c3d",
};
const failedReport: ClusterShareReport = { engine: "documentdb", cluster: "catalog", outcome: "failed", reason: "catalog is not a DB cluster of this account and Region" };

/** The previous run's result as the state machine hands it over: the whole summary, through JSON. */
const previousSummary: ShareRunSummary = {
    cycle: CYCLE.name,
    outcome: "waiting",
    clusters: [waitingReport, failedReport],
    sharingChanges: [],
    deleted: [],
    warnings: [],
    nextCheckAt: "2024-05-06T04:11:00.000Z",
};

function parse(event: unknown) {
    return parseShareRequest(SHARE_FUNCTION_LABELS.share, event);
}

/** The InvalidRequestError `event` is refused with. */
function refusal(event: unknown): Error {
    try {
        parse(event);
    } catch (error) {
        if (error instanceof Error) return error;
        throw error;
    }
    throw new Error(`expected ${JSON.stringify(event)} to be refused`);
}

describe("parseShareRequest", () => {
    describe("accepts", () => {
        it("{} given directly, as a run now, outside any cycle", () => {
            expect(parse({})).to.deep.equal({ cycle: undefined, dryRun: false });
        });

        it('{"dryRun": true} given directly, as a dry run now', () => {
            expect(parse({ dryRun: true })).to.deep.equal({ cycle: undefined, dryRun: true });
        });

        it('{"dryRun": false} given directly, as a run', () => {
            expect(parse({ dryRun: false }).dryRun).to.equal(false);
        });

        it("{} as the state machine passes it, with its cycle, as the cycle's first run", () => {
            const request = parse({ cycle: CYCLE, request: {} });

            expect(request).to.deep.equal({ cycle: { name: CYCLE.name, startedAt: new Date(CYCLE.startedAt) }, dryRun: false });
        });

        it('{"dryRun": true} as the state machine passes it, as a dry run of the cycle', () => {
            const request = parse({ cycle: CYCLE, request: { dryRun: true } });

            expect(request).to.deep.equal({ cycle: { name: CYCLE.name, startedAt: new Date(CYCLE.startedAt) }, dryRun: true });
        });

        it("a cycle without request, as a run the state machine passes no input to", () => {
            expect(parse({ cycle: CYCLE })).to.deep.equal({ cycle: { name: CYCLE.name, startedAt: new Date(CYCLE.startedAt) }, dryRun: false });
        });

        it("a cycle with the previous run's summary, as a check, taking its cluster reports", () => {
            const request = parse(JSON.parse(JSON.stringify({ cycle: CYCLE, request: {}, previous: previousSummary })));

            expect(request.cycle).to.deep.equal({ name: CYCLE.name, startedAt: new Date(CYCLE.startedAt) });
            expect(request.dryRun).to.equal(false);
            expect(request.previous).to.deep.equal([waitingReport, failedReport]);
        });

        it("an empty list of previous cluster reports", () => {
            expect(parse({ cycle: CYCLE, request: {}, previous: { clusters: [] } }).previous).to.deep.equal([]);
        });
    });

    describe("refuses, with InvalidRequestError naming the accepted forms", () => {
        const restore = { aurora: "snapshot-share-aurora-20240506t030000-0a1b2c3d" };
        const cases: { what: string; event: unknown; problem: string }[] = [
            { what: "a restore given directly, which production never does", event: { restore }, problem: RESTORES_NOTHING },
            { what: "a restore as the state machine passes it", event: { cycle: CYCLE, request: { restore } }, problem: RESTORES_NOTHING },
            { what: "a dry run of a restore", event: { dryRun: true, restore }, problem: RESTORES_NOTHING },
            { what: "a dryRun that is not a boolean", event: { dryRun: "yes" }, problem: 'dryRun is "yes", not true or false' },
            { what: "a dryRun that is not a boolean, as the state machine passes it", event: { cycle: CYCLE, request: { dryRun: 1 } }, problem: "dryRun is 1, not true or false" },
            { what: "an unknown field given directly", event: { clusters: ["orders"] }, problem: '"clusters" is not a field it knows' },
            { what: "a misspelt dryRun", event: { dryrun: true }, problem: '"dryrun" is not a field it knows' },
            {
                what: "an unknown field in the execution's input",
                event: { cycle: CYCLE, request: { force: true } },
                problem: 'the execution\'s input has "force", which is not a field it knows',
            },
            { what: "an execution's input that is not an object", event: { cycle: CYCLE, request: "now" }, problem: "request, the execution's input, is not a JSON object" },
            { what: "previous given directly", event: { previous: previousSummary }, problem: PREVIOUS_FROM_MACHINE },
            { what: "previous in the execution's input", event: { cycle: CYCLE, request: { previous: previousSummary } }, problem: PREVIOUS_FROM_MACHINE },
            { what: "previous without its cycle", event: { request: {}, previous: previousSummary }, problem: "previous is only given with the cycle it belongs to" },
            {
                what: "previous with a dry run, which the state machine never checks again",
                event: { cycle: CYCLE, request: { dryRun: true }, previous: previousSummary },
                problem: "a dry run is never checked again, so it is never given previous",
            },
            { what: "an unknown field beside the cycle", event: { cycle: CYCLE, request: {}, clusters: ["orders"] }, problem: '"clusters" is not a field it knows' },
            { what: "a misspelt previous", event: { cycle: CYCLE, request: {}, previuos: previousSummary }, problem: '"previuos" is not a field it knows' },
            { what: "previous that is not a summary", event: { cycle: CYCLE, previous: [waitingReport] }, problem: "previous.clusters is not a list" },
            { what: "previous that is null", event: { cycle: CYCLE, previous: null }, problem: "previous.clusters is not a list" },
            {
                what: "a report of an unknown engine",
                event: { cycle: CYCLE, previous: { clusters: [waitingReport, { ...failedReport, engine: "postgres" }] } },
                problem: "previous.clusters[1] has no known engine",
            },
            {
                what: "a report without its cluster",
                event: { cycle: CYCLE, previous: { clusters: [{ engine: "aurora", outcome: "shared", reason: "shared" }] } },
                problem: "previous.clusters[0] lacks its cluster or reason",
            },
            {
                what: "a report without its reason",
                event: { cycle: CYCLE, previous: { clusters: [{ engine: "aurora", cluster: "orders", outcome: "shared" }] } },
                problem: "previous.clusters[0] lacks its cluster or reason",
            },
            {
                what: "a report of an unknown outcome",
                event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, outcome: "done" }] } },
                problem: "previous.clusters[0] has no known outcome",
            },
            {
                what: "a dry run's report, which no check is ever handed",
                event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, outcome: "would-share" }] } },
                problem: "previous.clusters[0] has no known outcome",
            },
            {
                what: "a report whose copy is not a string",
                event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, copy: 42 }] } },
                problem: "previous.clusters[0] names its copy with something other than a string",
            },
            {
                what: "a report whose source ARN is not an ARN",
                event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, source: { ...waitingReport.source, arn: "rds:orders-2024-05-06-03-00" } }] } },
                problem: "previous.clusters[0] has a source that is not a snapshot's identifier, ARN, creation time and encryption",
            },
            {
                what: "a report whose source time is not a time",
                event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, source: { ...waitingReport.source, createdAt: "yesterday" } }] } },
                problem: "previous.clusters[0] has a source that is not a snapshot's identifier, ARN, creation time and encryption",
            },
            {
                what: "a report whose source does not say whether it is encrypted",
                event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, source: { ...waitingReport.source, encrypted: "yes" } }] } },
                problem: "previous.clusters[0] has a source that is not a snapshot's identifier, ARN, creation time and encryption",
            },
            { what: "a source that is a string", event: { cycle: CYCLE, previous: { clusters: [{ ...waitingReport, source: "rds:orders" }] } }, problem: "previous.clusters[0] has a source that is not" },
            { what: "a cycle without a start", event: { cycle: { name: CYCLE.name }, request: {}, previous: previousSummary }, problem: "cycle.startedAt is not an ISO 8601 time" },
            { what: "an event that is not an object", event: "share now", problem: "the event is not a JSON object" },
            { what: "an array", event: [], problem: "the event is not a JSON object" },
        ];
        for (const { what, event, problem } of cases) {
            it(what, () => {
                const error = refusal(event);

                expect(error.name).to.equal("InvalidRequestError");
                expect(error.message).to.include(`db-share-latest-snapshots cannot run ${JSON.stringify(event)}: ${problem}`);
                expect(error.message.endsWith(ACCEPTED_FORMS), error.message).to.equal(true);
            });
        }
    });
});
