import { createHash } from "node:crypto";
import {
    CopyDBClusterSnapshotCommand as CopyDocDbSnapshot,
    CreateDBClusterSnapshotCommand as CreateDocDbSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteDocDbSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeDocDbAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeDocDbSnapshots,
    DocDBClient,
    ModifyDBClusterSnapshotAttributeCommand as ModifyDocDbAttribute,
} from "@aws-sdk/client-docdb";
import {
    CopyDBClusterSnapshotCommand as CopyRdsSnapshot,
    CreateDBClusterSnapshotCommand as CreateRdsSnapshot,
    DeleteDBClusterSnapshotCommand as DeleteRdsSnapshot,
    DescribeDBClusterSnapshotAttributesCommand as DescribeRdsAttributes,
    DescribeDBClusterSnapshotsCommand as DescribeRdsSnapshots,
    ModifyDBClusterSnapshotAttributeCommand as ModifyRdsAttribute,
    RDSClient,
    RDSServiceException,
} from "@aws-sdk/client-rds";
import { GetParameterCommand, GetParameterCommandInput, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { ClusterSnapshotApis } from "../../../handlers/cluster-snapshots";
import { EngineName } from "../../../handlers/engines";
import { pauseParameterName } from "../../../handlers/pause";
import { summarizeRun } from "../../../handlers/run-summary";
import { ShareClients, summaryLine } from "../../../handlers/share/lambda";
import { ClusterShareReport, ShareRun, ShareRunSummary, ShareSummary } from "../../../handlers/share/share-snapshots";
import { SharedCluster, ShareSettings } from "../../../handlers/share/settings";
import {
    ENGINE_VALUE,
    LogRecord,
    pageOf,
    recordingLogger,
    REGION,
    SnapshotRecord,
    snapshotArn,
    snapshotApis,
    spelledCopyIdentifier,
    SOURCE_ACCOUNT,
    STRANGER_ACCOUNT,
    TARGET_ACCOUNT,
} from "../support";

// ---------------------------------------------------------------------------------------------------------------
// Accounts, keys, clusters

/** Production: where the share function runs and the snapshots live. */
export const PRODUCTION_ACCOUNT = SOURCE_ACCOUNT;
/** The accounts the snapshots are shared with. */
export const ACCEPTANCE_ACCOUNT = TARGET_ACCOUNT;
export const STAGING_ACCOUNT = "444444444444";
/** An account that once was a target and was taken out of targetAccountIds. */
export const REMOVED_ACCOUNT = STRANGER_ACCOUNT;

const SHARE_PREFIX = "snapshot-share-";
export const SHARE_INSTANCE = "snapshot-share";
export const SHARE_KEY_ARN = `arn:aws:kms:${REGION}:${PRODUCTION_ACCOUNT}:key/share-key-0000-1111`;

export const ORDERS: SharedCluster = { engine: "aurora", clusterIdentifier: "orders" };
export const CATALOG: SharedCluster = { engine: "documentdb", clusterIdentifier: "catalog" };

export function shareSettings(overrides: Partial<ShareSettings> = {}): ShareSettings {
    return {
        instanceName: SHARE_INSTANCE,
        targetAccountIds: [ACCEPTANCE_ACCOUNT, STAGING_ACCOUNT],
        clusters: [ORDERS],
        keepShared: 2,
        kmsKeyArn: SHARE_KEY_ARN,
        source: "automated",
        snapshotIdentifierPrefix: SHARE_PREFIX,
        maintenanceWindowMinutes: 240,
        copyRecheckMinutes: 10,
        pauseParameter: pauseParameterName(SHARE_INSTANCE),
        paused: false,
        ...overrides,
    };
}

// ---------------------------------------------------------------------------------------------------------------
// Runs

/** The execution's name, as the share cycle's starter names it. */
export const SHARE_CYCLE = "share-2024-05-06";
export const SHARE_CYCLE_START = new Date("2024-05-06T04:00:00Z");
/** 240 minutes (maintenanceWindowMinutes) after the cycle's start. */
export const SHARE_WINDOW_END = new Date("2024-05-06T08:00:00Z");

/** The cycle's first run, a minute after it started, not paused: no `previous`. */
export function firstRun(overrides: Partial<ShareRun> = {}): ShareRun {
    return {
        cycleName: SHARE_CYCLE,
        cycleStartedAt: SHARE_CYCLE_START,
        waitUntil: SHARE_WINDOW_END,
        now: new Date("2024-05-06T04:01:00Z"),
        pause: { paused: false },
        ...overrides,
    };
}

/** A later check of the same cycle, handed what the run before it found (its summary, or its reports). */
export function checkRun(previous: ShareRunSummary | readonly ClusterShareReport[], overrides: Partial<ShareRun> = {}): ShareRun {
    const reports = "clusters" in previous ? previous.clusters : previous;
    // The state machine hands the summary over as JSON: dates are strings and undefined fields are gone.
    const handedOver = JSON.parse(JSON.stringify(reports)) as ClusterShareReport[];
    return firstRun({ now: new Date("2024-05-06T04:30:00Z"), previous: handedOver, ...overrides });
}

/** The event the share cycle's state machine passes: the cycle, the execution's input as `request`, and on a check `previous`. */
export function machineEvent(request: unknown, previous?: ShareSummary): Record<string, unknown> {
    const cycle = { name: SHARE_CYCLE, startedAt: SHARE_CYCLE_START.toISOString() };
    return JSON.parse(JSON.stringify({ cycle, request, ...(previous === undefined ? {} : { previous }) })) as Record<string, unknown>;
}

export function minutesAfter(time: Date, minutes: number): Date {
    return new Date(time.getTime() + minutes * 60_000);
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots of the production account, as DescribeDBClusterSnapshots returns them

export interface AutomatedSnapshotOptions {
    cluster?: string;
    /** ISO time: its `SnapshotCreateTime`. */
    takenAt: string;
    engine?: EngineName;
    /** Overrides `engine` with a raw `Engine` value. */
    engineValue?: string;
    status?: string;
    encrypted?: boolean;
}

/** An automated snapshot, named as RDS names them (`rds:<cluster>-<date>-<hour>-<minute>`). */
export function automatedSnapshot(options: AutomatedSnapshotOptions): SnapshotRecord {
    const cluster = options.cluster ?? "orders";
    const identifier = `rds:${cluster}-${options.takenAt.slice(0, 16).replace(/[T:]/g, "-")}`;
    const encrypted = options.encrypted ?? true;
    return {
        DBClusterSnapshotIdentifier: identifier,
        DBClusterSnapshotArn: snapshotArn(PRODUCTION_ACCOUNT, identifier),
        DBClusterIdentifier: cluster,
        Engine: options.engineValue ?? ENGINE_VALUE[options.engine ?? "aurora"],
        Status: options.status ?? "available",
        SnapshotCreateTime: new Date(options.takenAt),
        SnapshotType: "automated",
        StorageEncrypted: encrypted,
        KmsKeyId: encrypted ? `arn:aws:kms:${REGION}:${PRODUCTION_ACCOUNT}:key/cluster-key` : undefined,
    };
}

/** `<prefix><engine>-<source time, to the second>-<first 8 hex of sha256(source ARN)>`, spelled out independently of the handler. */
export function expectedCopyIdentifier(engine: EngineName, source: SnapshotRecord, prefix = SHARE_PREFIX): string {
    return spelledCopyIdentifier(prefix, engine, source.DBClusterSnapshotArn!, source.SnapshotCreateTime!);
}

/** `<prefix>fresh-<cycle start, to the second>-<first 8 hex of sha256(cluster)>`. */
export function expectedFreshIdentifier(clusterIdentifier: string, cycleStartedAt = SHARE_CYCLE_START): string {
    const stamp = cycleStartedAt.toISOString().slice(0, 19).replace(/[-:]/g, "").toLowerCase();
    return `${SHARE_PREFIX}fresh-${stamp}-${sha256Prefix(clusterIdentifier)}`;
}

function sha256Prefix(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** A manual snapshot of the production account. */
export function manualSnapshot(
    identifier: string,
    options: { engine?: EngineName; cluster?: string; status?: string; createdAt?: string; sourceArn?: string; encrypted?: boolean } = {},
): SnapshotRecord {
    const encrypted = options.encrypted ?? true;
    return {
        DBClusterSnapshotIdentifier: identifier,
        DBClusterSnapshotArn: snapshotArn(PRODUCTION_ACCOUNT, identifier),
        DBClusterIdentifier: options.cluster ?? "orders",
        Engine: ENGINE_VALUE[options.engine ?? "aurora"],
        Status: options.status ?? "available",
        SnapshotCreateTime: options.createdAt === undefined ? undefined : new Date(options.createdAt),
        SnapshotType: "manual",
        StorageEncrypted: encrypted,
        KmsKeyId: encrypted ? SHARE_KEY_ARN : undefined,
        SourceDBClusterSnapshotArn: options.sourceArn,
    };
}

/** The instance's copy of `source` under the share key; one still copying (or failed) has no creation time. */
export function shareCopyOf(source: SnapshotRecord, engine: EngineName, status = "available"): SnapshotRecord {
    return manualSnapshot(expectedCopyIdentifier(engine, source), {
        engine,
        cluster: source.DBClusterIdentifier,
        status,
        createdAt: status === "available" ? new Date(source.SnapshotCreateTime!.getTime() + 3_600_000).toISOString() : undefined,
        sourceArn: source.DBClusterSnapshotArn,
        encrypted: source.StorageEncrypted,
    });
}

/** The snapshot a `source: fresh` cycle takes of a cluster. */
export function freshSnapshotOf(cluster: SharedCluster, status = "available", cycleStartedAt = SHARE_CYCLE_START): SnapshotRecord {
    return manualSnapshot(expectedFreshIdentifier(cluster.clusterIdentifier, cycleStartedAt), {
        engine: cluster.engine,
        cluster: cluster.clusterIdentifier,
        status,
        createdAt: status === "available" ? minutesAfter(cycleStartedAt, 20).toISOString() : undefined,
    });
}

export function arnOf(record: SnapshotRecord): string {
    return record.DBClusterSnapshotArn!;
}

export function identifierOf(record: SnapshotRecord): string {
    return record.DBClusterSnapshotIdentifier!;
}

// ---------------------------------------------------------------------------------------------------------------
// The production account behind mocked RDS and DocumentDB clients

export type SnapshotCommandName =
    | "DescribeDBClusterSnapshots"
    | "DescribeDBClusterSnapshotAttributes"
    | "ModifyDBClusterSnapshotAttribute"
    | "CopyDBClusterSnapshot"
    | "CreateDBClusterSnapshot"
    | "DeleteDBClusterSnapshot";

/** The request fields of every snapshot command the share function sends. */
export interface SnapshotRequest {
    DBClusterIdentifier?: string;
    DBClusterSnapshotIdentifier?: string;
    SnapshotType?: string;
    Marker?: string;
    AttributeName?: string;
    ValuesToAdd?: string[];
    ValuesToRemove?: string[];
    SourceDBClusterSnapshotIdentifier?: string;
    TargetDBClusterSnapshotIdentifier?: string;
    KmsKeyId?: string;
    Tags?: { Key?: string; Value?: string }[];
}

export interface RecordedCall {
    client: "rds" | "docdb";
    command: SnapshotCommandName;
    /** A copy taken when the call arrived: the SDK's paginator reuses one input object for every page. */
    input: SnapshotRequest;
}

export interface ProductionSnapshots {
    /** The account's manual snapshots, page by page (`Marker` paging). */
    manual?: SnapshotRecord[][];
    /** Each cluster's automated snapshots, page by page. */
    automated?: Record<string, SnapshotRecord[][]>;
    /** The `restore` attribute of manual snapshots, by identifier. */
    sharedWith?: Record<string, string[]>;
}

export interface ProductionAccount {
    /** Every call either client received, in order. */
    calls: RecordedCall[];
    /** The `restore` attribute of each manual snapshot, as the calls left it. */
    sharing: Map<string, string[]>;
    /** Makes a command fail with `error` whenever `matches` accepts its request (through either client). */
    failWhen(command: SnapshotCommandName, matches: (request: SnapshotRequest) => boolean, error: () => Error): void;
    callsOf(command: SnapshotCommandName): RecordedCall[];
    /** The snapshot each call of the command names. */
    identifiersOf(command: SnapshotCommandName): string[];
    /** The calls that change the account: copy, create, share or unshare, delete. */
    changes(): RecordedCall[];
    restore(): void;
}

const CHANGING_COMMANDS: readonly SnapshotCommandName[] = ["CopyDBClusterSnapshot", "CreateDBClusterSnapshot", "ModifyDBClusterSnapshotAttribute", "DeleteDBClusterSnapshot"];

/**
 * Serves the production account's snapshots to both clients, as the one RDS control plane does: every call is
 * recorded in order, across clients, so tests can assert what went through which client and in what sequence.
 * Restore it in `afterEach`.
 */
export function mockProductionAccount(snapshots: ProductionSnapshots = {}): ProductionAccount {
    const clients: { rds: AwsClientStub<RDSClient>; docdb: AwsClientStub<DocDBClient> } = { rds: mockClient(RDSClient), docdb: mockClient(DocDBClient) };
    const calls: RecordedCall[] = [];
    const sharing = new Map<string, string[]>(Object.entries(snapshots.sharedWith ?? {}));
    const failures: { command: SnapshotCommandName; matches: (request: SnapshotRequest) => boolean; error: () => Error }[] = [];

    const answer = (client: RecordedCall["client"], command: SnapshotCommandName) => (input: SnapshotRequest): unknown => {
        const request: SnapshotRequest = { ...input };
        calls.push({ client, command, input: request });
        const failure = failures.find((candidate) => candidate.command === command && candidate.matches(request));
        if (failure !== undefined) throw failure.error();
        const identifier = request.DBClusterSnapshotIdentifier ?? "";
        switch (command) {
            case "DescribeDBClusterSnapshots": {
                const pages = request.SnapshotType === "automated" ? snapshots.automated?.[request.DBClusterIdentifier ?? ""] ?? [] : snapshots.manual ?? [];
                return pageOf(pages, request.Marker);
            }
            case "DescribeDBClusterSnapshotAttributes":
                return {
                    DBClusterSnapshotAttributesResult: {
                        DBClusterSnapshotIdentifier: identifier,
                        DBClusterSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: [...(sharing.get(identifier) ?? [])] }],
                    },
                };
            case "ModifyDBClusterSnapshotAttribute": {
                const current = sharing.get(identifier) ?? [];
                const removed = request.ValuesToRemove ?? [];
                const next = [...current.filter((account) => !removed.includes(account)), ...(request.ValuesToAdd ?? []).filter((account) => !current.includes(account))];
                sharing.set(identifier, next);
                return {};
            }
            case "CopyDBClusterSnapshot":
                return { DBClusterSnapshot: { DBClusterSnapshotIdentifier: request.TargetDBClusterSnapshotIdentifier, Status: "copying" } };
            case "CreateDBClusterSnapshot":
                return { DBClusterSnapshot: { DBClusterSnapshotIdentifier: identifier, DBClusterIdentifier: request.DBClusterIdentifier, Status: "creating" } };
            case "DeleteDBClusterSnapshot":
                sharing.delete(identifier);
                return { DBClusterSnapshot: { DBClusterSnapshotIdentifier: identifier, Status: "deleting" } };
        }
    };

    clients.rds.on(DescribeRdsSnapshots).callsFake(answer("rds", "DescribeDBClusterSnapshots"));
    clients.rds.on(DescribeRdsAttributes).callsFake(answer("rds", "DescribeDBClusterSnapshotAttributes"));
    clients.rds.on(ModifyRdsAttribute).callsFake(answer("rds", "ModifyDBClusterSnapshotAttribute"));
    clients.rds.on(CopyRdsSnapshot).callsFake(answer("rds", "CopyDBClusterSnapshot"));
    clients.rds.on(CreateRdsSnapshot).callsFake(answer("rds", "CreateDBClusterSnapshot"));
    clients.rds.on(DeleteRdsSnapshot).callsFake(answer("rds", "DeleteDBClusterSnapshot"));
    clients.docdb.on(DescribeDocDbSnapshots).callsFake(answer("docdb", "DescribeDBClusterSnapshots"));
    clients.docdb.on(DescribeDocDbAttributes).callsFake(answer("docdb", "DescribeDBClusterSnapshotAttributes"));
    clients.docdb.on(ModifyDocDbAttribute).callsFake(answer("docdb", "ModifyDBClusterSnapshotAttribute"));
    clients.docdb.on(CopyDocDbSnapshot).callsFake(answer("docdb", "CopyDBClusterSnapshot"));
    clients.docdb.on(CreateDocDbSnapshot).callsFake(answer("docdb", "CreateDBClusterSnapshot"));
    clients.docdb.on(DeleteDocDbSnapshot).callsFake(answer("docdb", "DeleteDBClusterSnapshot"));

    const callsOf = (command: SnapshotCommandName) => calls.filter((call) => call.command === command);
    return {
        calls,
        sharing,
        failWhen(command, matches, error) {
            failures.push({ command, matches, error });
        },
        callsOf,
        identifiersOf: (command) => callsOf(command).map((call) => call.input.DBClusterSnapshotIdentifier ?? call.input.TargetDBClusterSnapshotIdentifier ?? ""),
        changes: () => calls.filter((call) => CHANGING_COMMANDS.includes(call.command)),
        restore() {
            clients.rds.restore();
            clients.docdb.restore();
        },
    };
}

/** The snapshot APIs as the share function wires them, on real clients whose `send` the mocks replace. */
export function shareApis(): ClusterSnapshotApis {
    return snapshotApis();
}

/** Every client of the share function, on real clients whose `send` the mocks replace. */
export function shareClients(): ShareClients {
    return { ...snapshotApis(), ssm: new SSMClient({ region: REGION }) };
}

// ---------------------------------------------------------------------------------------------------------------
// The pause parameter behind a mocked SSM client

export interface PauseParameterMock {
    /** The names GetParameter was asked for, in order. */
    reads: string[];
    restore(): void;
}

/**
 * Serves the instance's pause parameter: its value, or, when `value` is undefined, ParameterNotFound (a stack
 * deployed before pausing existed); an Error is thrown as GetParameter's failure. Restore it in `afterEach`.
 */
export function mockPauseParameter(value: string | undefined | (() => Error)): PauseParameterMock {
    const ssm: AwsClientStub<SSMClient> = mockClient(SSMClient);
    const reads: string[] = [];
    ssm.on(GetParameterCommand).callsFake((input: GetParameterCommandInput) => {
        reads.push(input.Name ?? "");
        if (typeof value === "function") throw value();
        if (value === undefined || input.Name !== pauseParameterName(SHARE_INSTANCE)) {
            throw new ParameterNotFound({ message: `Parameter ${input.Name} not found.`, $metadata: { httpStatusCode: 400 } });
        }
        return { Parameter: { Name: input.Name, Value: value, Type: "String" } };
    });
    return { reads, restore: () => ssm.restore() };
}

// ---------------------------------------------------------------------------------------------------------------
// The summary line

/** What a run returned or failed with, and its one summary line, written as the function writes it. */
export interface SummarizedRun {
    summary?: ShareSummary;
    error?: Error;
    line: LogRecord;
}

export async function summarized(run: () => Promise<ShareSummary>): Promise<SummarizedRun> {
    const logger = recordingLogger();
    try {
        const summary = await summarizeRun(logger.log, run, summaryLine);
        return { summary, line: logger.only("run summary") };
    } catch (error) {
        if (!(error instanceof Error)) throw error;
        return { error, line: logger.only("run summary") };
    }
}

/** The per-cluster reports of a summary line, in the order the run wrote them. */
export function reportsOfLine(line: LogRecord): ClusterShareReport[] {
    return Object.values(line.clusters as Record<string, ClusterShareReport>);
}

// ---------------------------------------------------------------------------------------------------------------
// AWS errors, as the SDK raises them

export function throttling(): Error {
    return new RDSServiceException({ name: "Throttling", $fault: "client", message: "Rate exceeded", $metadata: { httpStatusCode: 400 } });
}

export function accessDenied(action: string): Error {
    return new RDSServiceException({ name: "AccessDenied", $fault: "client", message: `not authorized to perform: ${action}`, $metadata: { httpStatusCode: 403 } });
}
