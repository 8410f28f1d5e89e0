import { createHash } from "node:crypto";
import {
    CodePipelineClient,
    ListPipelineExecutionsCommand,
    ListPipelineExecutionsCommandInput,
    ListPipelineExecutionsCommandOutput,
    PipelineExecutionSummary,
    StartPipelineExecutionCommand,
    TriggerType,
} from "@aws-sdk/client-codepipeline";
import {
    DBClusterSnapshot as DocDbClusterSnapshot,
    DBClusterSnapshotNotFoundFault as DocDbSnapshotNotFound,
    DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots,
    DocDBClient,
} from "@aws-sdk/client-docdb";
import {
    DBClusterSnapshot as RdsClusterSnapshot,
    DBClusterSnapshotNotFoundFault as RdsSnapshotNotFound,
    DescribeDBClusterSnapshotsCommand as DescribeRdsSnapshots,
    RDSClient,
} from "@aws-sdk/client-rds";
import {
    GetParametersCommand,
    GetParametersCommandInput,
    GetParametersCommandOutput,
    PutParameterCommand,
    PutParameterCommandInput,
    PutParameterCommandOutput,
    SSMClient,
} from "@aws-sdk/client-ssm";
import { SFNClient } from "@aws-sdk/client-sfn";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { clusterSnapshotApis, ClusterSnapshotApis } from "../../handlers/cluster-snapshots";
import { EngineName } from "../../handlers/engines";
import { jsonLogger, LogEntry, Logger } from "../../handlers/log";
import { pauseParameterName } from "../../handlers/pause";
import { summaryFields } from "../../handlers/refresh/lambda";
import { ssmParameterStore } from "../../handlers/refresh/parameters";
import { codePipelineApi } from "../../handlers/refresh/pipelines";
import { RestoreDependencies, RestoreInvocation } from "../../handlers/refresh/restore";
import { EngineSettings, RefreshSettings, UNSET_SNAPSHOT } from "../../handlers/refresh/settings";
import { UpdateDependencies } from "../../handlers/refresh/update-latest";
import { RUN_SUMMARY_EVENT, summarizeRun } from "../../handlers/run-summary";

export const REGION = "eu-west-1";
/** Production: the only account whose snapshots may be used. */
export const SOURCE_ACCOUNT = "111111111111";
/** Acceptance: where the functions run, the copies live and the pipeline restores. */
export const TARGET_ACCOUNT = "222222222222";
/** Anyone can share a snapshot with any account. */
export const STRANGER_ACCOUNT = "333333333333";

export const COPY_PREFIX = "snapshot-refresh-";
export const INSTANCE_NAME = "snapshot-refresh";
export const RESTORE_FUNCTION_NAME = "db-restore-from-snapshot-4f1c2e";
export const PIPELINE_NAME = "main-pipeline";
export const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";

export const PARAMETER = {
    auroraLatest: "aurora_latest_snapshot_id",
    auroraCurrent: "aurora_current_snapshot_id",
    documentDbLatest: "documentdb_latest_snapshot_id",
    documentDbCurrent: "documentdb_current_snapshot_id",
    pipeline: "main_cicd_name",
    /** Not among the parameters {@link serveParameters} serves unless given: a stack deployed before pausing existed. */
    pause: pauseParameterName(INSTANCE_NAME),
} as const;

/** The `Engine` value each engine's snapshots carry in these fixtures. */
export const ENGINE_VALUE: Readonly<Record<EngineName, string>> = {
    aurora: "aurora-postgresql",
    documentdb: "docdb",
};

// ---------------------------------------------------------------------------------------------------------------
// Settings

export function auroraSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
    return {
        engine: "aurora",
        latestParameter: PARAMETER.auroraLatest,
        currentParameter: PARAMETER.auroraCurrent,
        sourceClusters: [],
        copy: false,
        keepCopies: 2,
        ...overrides,
    };
}

export function documentDbSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
    return {
        engine: "documentdb",
        latestParameter: PARAMETER.documentDbLatest,
        currentParameter: PARAMETER.documentDbCurrent,
        sourceClusters: [],
        copy: true,
        keepCopies: 2,
        ...overrides,
    };
}

/** Both engines with their default copy behaviour, unless `engines` says otherwise. */
export function refreshSettings(overrides: Partial<RefreshSettings> = {}): RefreshSettings {
    return {
        instanceName: INSTANCE_NAME,
        sourceAccountId: SOURCE_ACCOUNT,
        copyIdentifierPrefix: COPY_PREFIX,
        pipelineParameter: PARAMETER.pipeline,
        engines: [auroraSettings(), documentDbSettings()],
        whenCopyNotReady: "fail",
        maintenanceWindowMinutes: 240,
        copyRecheckMinutes: 10,
        pauseParameter: PARAMETER.pause,
        paused: false,
        ...overrides,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots, in the shape both SDKs' DescribeDBClusterSnapshots return them

/** Assignable to the RDS and the DocumentDB `DBClusterSnapshot` alike. */
export type SnapshotRecord = RdsClusterSnapshot & DocDbClusterSnapshot;

export function snapshotArn(account: string, identifier: string): string {
    return `arn:aws:rds:${REGION}:${account}:cluster-snapshot:${identifier}`;
}

export interface SharedSnapshotOptions {
    /** The identifier in the sharing account; says nothing about age. */
    name: string;
    /** ISO time; leave out for a snapshot still being created. */
    createdAt?: string;
    engine?: EngineName;
    /** Overrides `engine` with a raw `Engine` value. */
    engineValue?: string;
    account?: string;
    cluster?: string;
    status?: string;
    encrypted?: boolean;
}

/** A snapshot another account shares with this one; AWS reports its ARN as its identifier. */
export function sharedSnapshot(options: SharedSnapshotOptions): SnapshotRecord {
    const arn = snapshotArn(options.account ?? SOURCE_ACCOUNT, options.name);
    const encrypted = options.encrypted ?? false;
    return {
        DBClusterSnapshotIdentifier: arn,
        DBClusterSnapshotArn: arn,
        DBClusterIdentifier: options.cluster ?? "orders",
        Engine: options.engineValue ?? ENGINE_VALUE[options.engine ?? "aurora"],
        Status: options.status ?? "available",
        SnapshotCreateTime: options.createdAt === undefined ? undefined : new Date(options.createdAt),
        SnapshotType: "manual",
        StorageEncrypted: encrypted,
        KmsKeyId: encrypted ? `arn:aws:kms:${REGION}:${options.account ?? SOURCE_ACCOUNT}:key/source-key` : undefined,
    };
}

export interface OwnSnapshotOptions {
    engine: EngineName;
    status?: string;
    createdAt?: string;
    sourceArn?: string;
    /** The cluster it was taken of; a copy keeps its source's. */
    cluster?: string;
}

/** A manual snapshot of this account. */
export function ownSnapshot(identifier: string, options: OwnSnapshotOptions): SnapshotRecord {
    return {
        DBClusterSnapshotIdentifier: identifier,
        DBClusterSnapshotArn: snapshotArn(TARGET_ACCOUNT, identifier),
        DBClusterIdentifier: options.cluster ?? "acceptance",
        Engine: ENGINE_VALUE[options.engine],
        Status: options.status ?? "available",
        SnapshotCreateTime: options.createdAt === undefined ? undefined : new Date(options.createdAt),
        SnapshotType: "manual",
        StorageEncrypted: false,
        SourceDBClusterSnapshotArn: options.sourceArn,
    };
}

/**
 * The identifier the README promises a copy: `<prefix><engine>-<source time, to the second>-<first 8 hex of
 * sha256(source ARN)>`, spelled out here independently of the handlers, for both sides' tests and the simulation.
 */
export function spelledCopyIdentifier(prefix: string, engine: EngineName, sourceArn: string, sourceCreatedAt: Date): string {
    const stamp = sourceCreatedAt.toISOString().slice(0, 19).replace(/[-:]/g, "").toLowerCase();
    return `${prefix}${engine}-${stamp}-${createHash("sha256").update(sourceArn).digest("hex").slice(0, 8)}`;
}

/** The identifier this instance gives its copy of `source`. */
export function copyIdentifierOf(engine: EngineName, source: SnapshotRecord): string {
    return spelledCopyIdentifier(COPY_PREFIX, engine, source.DBClusterSnapshotArn!, source.SnapshotCreateTime!);
}

/**
 * This instance's copy of `source`. A finished copy gets a creation time an hour after its source's; one still
 * copying (or failed) has none.
 */
export function copyOf(source: SnapshotRecord, engine: EngineName, status = "available"): SnapshotRecord {
    const finished = status === "available";
    return ownSnapshot(copyIdentifierOf(engine, source), {
        engine,
        status,
        createdAt: finished ? new Date(source.SnapshotCreateTime!.getTime() + 3_600_000).toISOString() : undefined,
        sourceArn: source.DBClusterSnapshotArn,
        cluster: source.DBClusterIdentifier,
    });
}

export function arnOf(record: SnapshotRecord): string {
    return record.DBClusterSnapshotArn!;
}

export function identifierOf(record: SnapshotRecord): string {
    return record.DBClusterSnapshotIdentifier!;
}

// ---------------------------------------------------------------------------------------------------------------
// Mocked AWS

export interface AwsMocks {
    rds: AwsClientStub<RDSClient>;
    docdb: AwsClientStub<DocDBClient>;
    ssm: AwsClientStub<SSMClient>;
    codePipeline: AwsClientStub<CodePipelineClient>;
    sfn: AwsClientStub<SFNClient>;
    /** What each engine's describe calls serve; both clients list both, as the RDS endpoint does. */
    listings: Partial<Record<EngineName, SnapshotListing>>;
    /** The describe requests each engine's client received, in order. */
    describeRequests: Record<EngineName, DescribeSnapshotsRequest[]>;
    /** Forgets every behaviour and recorded call. */
    reset(): void;
    restore(): void;
}

/**
 * Replaces `send` of every client of the five kinds until `restore()`: create in `beforeEach`, restore in
 * `afterEach`, so that no other test file meets a mocked client.
 */
export function mockAws(): AwsMocks {
    const mocks = {
        rds: mockClient(RDSClient),
        docdb: mockClient(DocDBClient),
        ssm: mockClient(SSMClient),
        codePipeline: mockClient(CodePipelineClient),
        sfn: mockClient(SFNClient),
    };
    const listings: Partial<Record<EngineName, SnapshotListing>> = {};
    const describeRequests: Record<EngineName, DescribeSnapshotsRequest[]> = { aurora: [], documentdb: [] };
    return {
        ...mocks,
        listings,
        describeRequests,
        reset() {
            for (const mock of Object.values(mocks)) mock.reset();
            delete listings.aurora;
            delete listings.documentdb;
            describeRequests.aurora.length = 0;
            describeRequests.documentdb.length = 0;
        },
        restore() {
            for (const mock of Object.values(mocks)) mock.restore();
        },
    };
}

/** What DescribeDBClusterSnapshots lists, page by page. */
export interface SnapshotListing {
    /** Answers to `SnapshotType: "shared"`. */
    shared?: SnapshotRecord[][];
    /** Answers to `SnapshotType: "manual"`. */
    manual?: SnapshotRecord[][];
}

export interface DescribeSnapshotsRequest {
    DBClusterSnapshotIdentifier?: string;
    SnapshotType?: string;
    Marker?: string;
}

interface DescribeSnapshotsAnswer {
    DBClusterSnapshots: SnapshotRecord[];
    Marker?: string;
}

const MARKER_PREFIX = "page-";

/** The page a request's `Marker` asks for, and the `Marker` of the next one while there is one. */
export function pageOf(pages: readonly SnapshotRecord[][], marker: string | undefined): DescribeSnapshotsAnswer {
    const index = marker === undefined ? 0 : Number(marker.slice(MARKER_PREFIX.length));
    return { DBClusterSnapshots: pages[index] ?? [], Marker: index + 1 < pages.length ? `${MARKER_PREFIX}${index + 1}` : undefined };
}

/**
 * Answers DescribeDBClusterSnapshots the way AWS does: by `SnapshotType`, a page per `Marker`, and a lookup by
 * identifier or ARN (a shared snapshot only with `SnapshotType: "shared"`) that fails when nothing matches.
 * Records each request as it arrives: the SDK's paginator reuses one input object for every page, so the inputs
 * `commandCalls` holds all show the last page's `Marker`.
 */
function describeSnapshots(listing: SnapshotListing, received: DescribeSnapshotsRequest[], notFound: (identifier: string) => Error) {
    return (request: DescribeSnapshotsRequest): DescribeSnapshotsAnswer => {
        received.push({ DBClusterSnapshotIdentifier: request.DBClusterSnapshotIdentifier, SnapshotType: request.SnapshotType, Marker: request.Marker });
        const pages = (request.SnapshotType === "shared" ? listing.shared : listing.manual) ?? [];
        if (request.DBClusterSnapshotIdentifier !== undefined) {
            const wanted = request.DBClusterSnapshotIdentifier;
            const found = pages.flat().filter((snapshot) => snapshot.DBClusterSnapshotIdentifier === wanted || snapshot.DBClusterSnapshotArn === wanted);
            if (found.length === 0) throw notFound(wanted);
            return { DBClusterSnapshots: found };
        }
        return pageOf(pages, request.Marker);
    };
}

/**
 * Serves one engine's snapshots. Like the real RDS endpoint, both clients list both engines' snapshots: each
 * engine's pages are merged page by page into one listing. Returns the describe requests the engine's own client
 * receives, in order.
 */
function serveEngineSnapshots(mocks: AwsMocks, engine: EngineName, listing: SnapshotListing): DescribeSnapshotsRequest[] {
    mocks.listings[engine] = listing;
    const merged: SnapshotListing = {
        shared: mergePages(mocks.listings.aurora?.shared, mocks.listings.documentdb?.shared),
        manual: mergePages(mocks.listings.aurora?.manual, mocks.listings.documentdb?.manual),
    };
    const received = mocks.describeRequests;
    mocks.rds.on(DescribeRdsSnapshots).callsFake(
        describeSnapshots(merged, received.aurora, (identifier) => new RdsSnapshotNotFound({ message: `DBClusterSnapshot ${identifier} not found.`, $metadata: {} })),
    );
    mocks.docdb.on(DescribeDocDbSnapshots).callsFake(
        describeSnapshots(merged, received.documentdb, (identifier) => new DocDbSnapshotNotFound({ message: `DBClusterSnapshot ${identifier} not found.`, $metadata: {} })),
    );
    return received[engine];
}

function mergePages(first: SnapshotRecord[][] = [], second: SnapshotRecord[][] = []): SnapshotRecord[][] {
    return Array.from({ length: Math.max(first.length, second.length) }, (_, index) => [...(first[index] ?? []), ...(second[index] ?? [])]);
}

/** Serves Aurora snapshots (to both clients, see {@link serveEngineSnapshots}); returns the RDS client's describe requests. */
export function serveAuroraSnapshots(mocks: AwsMocks, listing: SnapshotListing): DescribeSnapshotsRequest[] {
    return serveEngineSnapshots(mocks, "aurora", listing);
}

/** Serves DocumentDB snapshots (to both clients, see {@link serveEngineSnapshots}); returns the DocumentDB client's describe requests. */
export function serveDocumentDbSnapshots(mocks: AwsMocks, listing: SnapshotListing): DescribeSnapshotsRequest[] {
    return serveEngineSnapshots(mocks, "documentdb", listing);
}

/**
 * Serves SSM parameters from a map that PutParameter updates, and returns that map. Every snapshot parameter
 * exists (as Pulumi creates them) with `none` unless given.
 */
export function serveParameters(mocks: AwsMocks, values: Record<string, string> = {}): Map<string, string> {
    const store = new Map<string, string>([
        [PARAMETER.pipeline, PIPELINE_NAME],
        [PARAMETER.auroraLatest, UNSET_SNAPSHOT],
        [PARAMETER.auroraCurrent, UNSET_SNAPSHOT],
        [PARAMETER.documentDbLatest, UNSET_SNAPSHOT],
        [PARAMETER.documentDbCurrent, UNSET_SNAPSHOT],
        ...Object.entries(values),
    ]);
    mocks.ssm.on(GetParametersCommand).callsFake((input: GetParametersCommandInput): Partial<GetParametersCommandOutput> => {
        const names = input.Names ?? [];
        return {
            Parameters: names.filter((name) => store.has(name)).map((name) => ({ Name: name, Value: store.get(name), Type: "String" })),
            InvalidParameters: names.filter((name) => !store.has(name)),
        };
    });
    mocks.ssm.on(PutParameterCommand).callsFake((input: PutParameterCommandInput): Partial<PutParameterCommandOutput> => {
        store.set(input.Name!, input.Value!);
        return { Version: 2 };
    });
    return store;
}

/** Every PutParameter of the run, in order, as [name, value]. */
export function parameterWrites(mocks: AwsMocks): [string, string][] {
    return mocks.ssm.commandCalls(PutParameterCommand).map((call) => [call.args[0].input.Name!, call.args[0].input.Value!]);
}

export interface PipelineServing {
    /** ListPipelineExecutions pages, newest first as CodePipeline returns them. */
    executions?: PipelineExecutionSummary[][];
    startedExecutionId?: string;
}

export function servePipeline(mocks: AwsMocks, serving: PipelineServing = {}): void {
    const pages = serving.executions ?? [[]];
    mocks.codePipeline.on(ListPipelineExecutionsCommand).callsFake(
        (input: ListPipelineExecutionsCommandInput): Partial<ListPipelineExecutionsCommandOutput> => {
            const index = input.nextToken === undefined ? 0 : Number(input.nextToken);
            return {
                pipelineExecutionSummaries: pages[index] ?? [],
                nextToken: index + 1 < pages.length ? String(index + 1) : undefined,
            };
        },
    );
    mocks.codePipeline.on(StartPipelineExecutionCommand).resolves({ pipelineExecutionId: serving.startedExecutionId ?? "execution-1" });
}

/** An execution as ListPipelineExecutions summarizes it; `startedBy` is the caller's role session name. */
export function pipelineExecution(
    id: string,
    startTime: Date,
    trigger: { type?: TriggerType; startedBy: string },
): PipelineExecutionSummary {
    return {
        pipelineExecutionId: id,
        startTime,
        status: "InProgress",
        trigger: {
            triggerType: trigger.type ?? "StartPipelineExecution",
            triggerDetail: `arn:aws:sts::${TARGET_ACCOUNT}:assumed-role/snapshot-refresh-restore-role/${trigger.startedBy}`,
        },
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Dependencies built on real clients (whose `send` the mocks replace)

/** As the functions wire them: the RDS client lists both engines, each engine copies through its own client. */
export function snapshotApis(): ClusterSnapshotApis {
    return clusterSnapshotApis(new RDSClient({ region: REGION }), new DocDBClient({ region: REGION }));
}

export function updateDependencies(log: Logger): UpdateDependencies {
    return { ...snapshotApis(), parameters: ssmParameterStore(new SSMClient({ region: REGION })), log };
}

export function restoreDependencies(log: Logger): RestoreDependencies {
    return {
        ...snapshotApis(),
        parameters: ssmParameterStore(new SSMClient({ region: REGION })),
        pipelines: codePipelineApi(new CodePipelineClient({ region: REGION })),
        log,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Logs

/** A log entry as it reaches CloudWatch: JSON (fields that are undefined left out), under its level. */
export interface LogRecord {
    level: string;
    event: string;
    [field: string]: unknown;
}

export interface RecordingLogger {
    log: Logger;
    records: LogRecord[];
    /** The one record of this event; fails the test when there is none or more than one. */
    only(event: string): LogRecord;
}

export function recordingLogger(): RecordingLogger {
    const records: LogRecord[] = [];
    return {
        log: jsonLogger({ function: "test" }, (level, entry) =>
            records.push({ level: level.toUpperCase(), ...(JSON.parse(JSON.stringify(entry)) as LogEntry) })),
        records,
        only(event) {
            const matching = records.filter((record) => record.event === event);
            if (matching.length !== 1) {
                throw new Error(`expected one "${event}" log entry, found ${matching.length}: ${JSON.stringify(records)}`);
            }
            return matching[0];
        },
    };
}

/** The one line a refresh function writes per run, as Logs Insights sees it: per-engine reports keyed by engine. */
export interface RunSummaryLine extends LogRecord {
    outcome: string;
    error?: { name: string; message: string };
    engines?: Record<string, Record<string, unknown>>;
}

/** Runs a refresh function's work under its summary line, as its Lambda handler does. */
export function summarized<T extends { engines: { engine: EngineName }[] }>(log: Logger, run: () => Promise<T>): Promise<T> {
    return summarizeRun(log, run, summaryFields);
}

/** The run's one summary line; fails the test when there is none or more than one. */
export function summaryLine(logger: RecordingLogger): RunSummaryLine {
    return logger.only(RUN_SUMMARY_EVENT) as RunSummaryLine;
}

// ---------------------------------------------------------------------------------------------------------------
// Restore invocations

export const CYCLE_START = new Date("2024-05-06T04:00:00Z");
/** The default maintenance window's end: 240 minutes after the cycle's start. */
export const WINDOW_END = new Date("2024-05-06T08:00:00Z");

/** A check of the cycle started at CYCLE_START, five minutes in: a copy in progress is waited for. */
export function restoreInvocation(overrides: Partial<RestoreInvocation> = {}): RestoreInvocation {
    return {
        accountId: TARGET_ACCOUNT,
        functionName: RESTORE_FUNCTION_NAME,
        cycleName: "cycle-2024-05-06",
        cycleStartedAt: CYCLE_START,
        waitUntil: WINDOW_END,
        now: new Date("2024-05-06T04:05:00Z"),
        dryRun: false,
        ...overrides,
    };
}

/** The check at the end of the maintenance window: nothing will wait any longer. */
export function finalCheck(overrides: Partial<RestoreInvocation> = {}): RestoreInvocation {
    return restoreInvocation({ now: WINDOW_END, ...overrides });
}

/** The rejection of `promise`, failing the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        if (error instanceof Error) return error;
        throw new Error(`rejected with a non-Error: ${String(error)}`);
    }
    throw new Error("expected a rejection, but the promise resolved");
}

export function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
