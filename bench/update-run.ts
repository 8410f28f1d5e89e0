import { CopyDBClusterSnapshotCommand, DeleteDBClusterSnapshotCommand, DescribeDBClusterSnapshotsCommand } from "@aws-sdk/client-docdb";
import { GetParametersCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { performance } from "node:perf_hooks";
import { EngineName } from "../handlers/engines";
import { updateLatestSnapshots, UpdateSummary } from "../handlers/refresh/update-latest";
import {
    arnOf,
    copyOf,
    DescribeSnapshotsRequest,
    mockAws,
    PARAMETER,
    recordingLogger,
    refreshSettings,
    serveAuroraSnapshots,
    serveParameters,
    sharedSnapshot,
    SnapshotRecord,
    updateDependencies,
} from "../test/handlers/support";

export const SHARED_PER_ENGINE = 10_000;
/** The largest page DescribeDBClusterSnapshots returns, and the one the handlers ask for. */
const PAGE_SIZE = 100;
/** Copies of DocumentDB snapshots from earlier cycles, already in the account. */
const EXISTING_COPIES = 5;

export interface CallCount {
    /** `<service> <command>`, with the describe calls split by what they list. */
    call: string;
    count: number;
    /** What a run that makes only unavoidable calls needs: every page of the shared listing, and the writes. */
    minimum: number;
    why: string;
}

export interface UpdateRunFigures {
    sharedPerEngine: number;
    existingCopies: number;
    wallMs: number;
    calls: CallCount[];
    summary: UpdateSummary;
}

/**
 * One run of the real `updateLatestSnapshots`, over the real SDK adapters and clients (their `send` stubbed by
 * aws-sdk-client-mock), against 10,000 shared snapshots per engine. Aurora restores from the shared snapshot;
 * DocumentDB copies, already holds five copies of older snapshots, keeps two, and `current` names a third.
 */
export async function measureUpdateRun(): Promise<UpdateRunFigures> {
    const aurora = sharedListing("aurora");
    const documentDb = sharedListing("documentdb");
    const byAge = (records: SnapshotRecord[]) => [...records].sort((a, b) => a.SnapshotCreateTime!.getTime() - b.SnapshotCreateTime!.getTime());
    const documentDbByAge = byAge(documentDb.flat());
    const copies = documentDbByAge.slice(-1 - EXISTING_COPIES, -1).reverse().map((source) => copyOf(source, "documentdb"));

    const aws = mockAws();
    try {
        // The RDS endpoint lists both engines' snapshots together, 100 a page at most: one listing of 20,000.
        const listingRequests = serveAuroraSnapshots(aws, { shared: paged([...aurora.flat(), ...documentDb.flat()]), manual: [copies] });
        aws.docdb.on(CopyDBClusterSnapshotCommand).callsFake((input: { TargetDBClusterSnapshotIdentifier?: string }) => ({
            DBClusterSnapshot: { DBClusterSnapshotIdentifier: input.TargetDBClusterSnapshotIdentifier, Status: "copying" },
        }));
        aws.docdb.on(DeleteDBClusterSnapshotCommand).resolves({});
        serveParameters(aws, {
            [PARAMETER.documentDbLatest]: arnOf(copies[1]),
            [PARAMETER.documentDbCurrent]: arnOf(copies[3]),
        });
        const log = recordingLogger();

        const started = performance.now();
        const summary = await updateLatestSnapshots(refreshSettings(), updateDependencies(log.log));
        const wallMs = performance.now() - started;

        const shared = (requests: DescribeSnapshotsRequest[]) => requests.filter((request) => request.SnapshotType === "shared").length;
        const manual = (requests: DescribeSnapshotsRequest[]) => requests.filter((request) => request.SnapshotType !== "shared").length;
        const pagesPerEngine = Math.ceil(SHARED_PER_ENGINE / PAGE_SIZE);
        const documentDbReport = summary.engines.find((engine) => engine.engine === "documentdb")!;
        const calls: CallCount[] = [
            {
                call: "rds DescribeDBClusterSnapshots (shared)", count: shared(listingRequests), minimum: 2 * pagesPerEngine,
                why: `one listing for both engines: 2 x ${SHARED_PER_ENGINE} shared / ${PAGE_SIZE} a page (ceil(N/100) per engine)`,
            },
            {
                call: "rds DescribeDBClusterSnapshots (manual)", count: manual(listingRequests), minimum: 0,
                why: "lists this account's copies once for every engine: which exist, which are in progress, which to delete",
            },
            { call: "docdb DescribeDBClusterSnapshots", count: aws.docdb.commandCalls(DescribeDBClusterSnapshotsCommand).length, minimum: 0, why: "the DocumentDB client only copies and deletes" },
            {
                call: "ssm GetParameters", count: aws.ssm.commandCalls(GetParametersCommand).length, minimum: 0,
                why: "reads latest, current and the pause (5 names, one call): write only on change, never delete what current names",
            },
            { call: "ssm PutParameter", count: aws.ssm.commandCalls(PutParameterCommand).length, minimum: writesNeeded(summary), why: "one per engine whose latest changed" },
            {
                call: "docdb CopyDBClusterSnapshot", count: aws.docdb.commandCalls(CopyDBClusterSnapshotCommand).length,
                minimum: documentDbReport.copy?.outcome === "started" ? 1 : 0, why: "the newest shared snapshot had no copy yet",
            },
            {
                call: "docdb DeleteDBClusterSnapshot", count: aws.docdb.commandCalls(DeleteDBClusterSnapshotCommand).length,
                minimum: documentDbReport.deletedCopies.length, why: "copies beyond keepCopies that latest and current do not name",
            },
        ];
        const counted = calls.reduce((total, call) => total + call.count, 0);
        const everyCall = [aws.rds, aws.docdb, aws.ssm, aws.codePipeline].reduce((total, stub) => total + stub.calls().length, 0);
        if (counted !== everyCall) throw new Error(`the table counts ${counted} calls, the clients received ${everyCall}`);
        return { sharedPerEngine: SHARED_PER_ENGINE, existingCopies: EXISTING_COPIES, wallMs, calls, summary };
    } finally {
        aws.restore();
    }
}

function paged(records: SnapshotRecord[]): SnapshotRecord[][] {
    const pages: SnapshotRecord[][] = [];
    for (let index = 0; index < records.length; index += PAGE_SIZE) pages.push(records.slice(index, index + PAGE_SIZE));
    return pages;
}

/** 10,000 snapshots of one engine, 100 a page, listed in an order that is not their age (the handlers must not rely on it). */
function sharedListing(engine: EngineName): SnapshotRecord[][] {
    const start = Date.UTC(2020, 0, 1, 3);
    const records = Array.from({ length: SHARED_PER_ENGINE }, (_, index) =>
        sharedSnapshot({
            name: `${engine}-${String(index).padStart(5, "0")}`,
            engine,
            cluster: engine === "aurora" ? "orders" : "catalog",
            createdAt: new Date(start + index * 3_600_000).toISOString(),
        }));
    // A fixed permutation (a multiplier coprime with 10,000), so every run lists the same way.
    return paged(records.map((_, index) => records[(index * 7_919 + 3_701) % SHARED_PER_ENGINE]));
}

function writesNeeded(summary: UpdateSummary): number {
    return summary.engines.filter((engine) => engine.latestAfter !== undefined && engine.latestAfter !== engine.latestBefore).length;
}

