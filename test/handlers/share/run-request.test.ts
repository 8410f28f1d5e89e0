import { expect } from "chai";
import { SHARE_FUNCTION_LABELS } from "../../../handlers/share/lambda";
import { parseShareRequest } from "../../../handlers/share/run-request";
import { ClusterShareReport, ShareSummary } from "../../../handlers/share/share-snapshots";

const CYCLE = { name: "share-2024-05-06", startedAt: "2024-05-06T04:00:00.123Z" };
const ACCEPTED_FORMS =
    'It accepts {} (run now, outside any cycle), {"cycle": {"name": "<execution name>", "startedAt": "<ISO 8601 time>"}} ' +
    'and the same with "previous", the result of the cycle\'s previous run (what the share cycle\'s state machine passes).';

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
const previousSummary: ShareSummary = {
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
        it("{} as a run by hand, outside any cycle", () => {
            const request = parse({});

            expect(request.cycle).to.equal(undefined);
            expect(request.previous).to.equal(undefined);
        });

        it("a cycle, as the cycle's first run", () => {
            const request = parse({ cycle: CYCLE });

            expect(request.cycle).to.deep.equal({ name: CYCLE.name, startedAt: new Date(CYCLE.startedAt) });
            expect(request.previous).to.equal(undefined);
        });

        it("a cycle with the previous run's summary, as a check, taking its cluster reports", () => {
            const request = parse(JSON.parse(JSON.stringify({ cycle: CYCLE, previous: previousSummary })));

            expect(request.cycle).to.deep.equal({ name: CYCLE.name, startedAt: new Date(CYCLE.startedAt) });
            expect(request.previous).to.deep.equal([waitingReport, failedReport]);
        });

        it("an empty list of previous cluster reports", () => {
            expect(parse({ cycle: CYCLE, previous: { clusters: [] } }).previous).to.deep.equal([]);
        });
    });

    describe("refuses, with InvalidRequestError naming the accepted forms", () => {
        const cases: { what: string; event: unknown; problem: string }[] = [
            { what: "an unknown field", event: { cycle: CYCLE, clusters: ["orders"] }, problem: '"clusters" is not a field it knows' },
            { what: "a misspelt previous", event: { cycle: CYCLE, previuos: previousSummary }, problem: '"previuos" is not a field it knows' },
            { what: "previous without its cycle", event: { previous: previousSummary }, problem: "previous is only given with the cycle it belongs to" },
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
            { what: "a cycle without a start", event: { cycle: { name: CYCLE.name }, previous: previousSummary }, problem: "cycle.startedAt is not an ISO 8601 time" },
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
