import { SSMClient } from "@aws-sdk/client-ssm";
import { ClusterSnapshotApis } from "../handlers/cluster-snapshots";
import { EngineName } from "../handlers/engines";
import { inspectEngines } from "../handlers/refresh/engine-state";
import { ssmParameterStore, snapshotValue } from "../handlers/refresh/parameters";
import { accountOfArn, ClusterSnapshot, identifierInOwnAccount, parseCopyIdentifier, snapshotState } from "../handlers/snapshots";
import { engineParameterNames, pipelineParameterName } from "../components/names";
import { ResolvedArgs } from "../components/refresh/validation";
import { reading } from "./status-aws";

/** What a snapshot parameter names, and what AWS says of that snapshot. */
export interface SnapshotStatus {
    /** The parameter's value: an ARN or an identifier. */
    value: string;
    /** Its identifier in the account that owns it. */
    identifier: string;
    /** The account that shares it, when it is not this account's (a snapshot restored straight from production's share). */
    sharedBy?: string;
    /** A copy this stack made (its identifier carries the copy prefix). */
    ownCopy: boolean;
    /** `available`, `in-progress`, `failed`, `deleting`, or `missing` when AWS does not know it (any more). */
    state: string;
    /** When production took the data: from a copy's identifier, else the snapshot's creation time. */
    takenAt?: Date;
}

/** One snapshot parameter: its name and what it names. */
export interface ParameterStatus {
    name: string;
    /** Absent when the parameter does not exist. */
    value?: string;
    /** Absent while the parameter holds `none` (no snapshot chosen yet), or does not exist. */
    snapshot?: SnapshotStatus;
}

/** The newest snapshot production shares for an engine: what the next cycle will restore, when it is newer than `latest`. */
export interface SharedSnapshotStatus {
    identifier: string;
    arn: string;
    takenAt?: Date;
}

export interface EngineStatus {
    engine: EngineName;
    /** Restores from a copy in this account rather than from the shared snapshot. */
    copy: boolean;
    latest: ParameterStatus;
    current: ParameterStatus;
    newestShared?: SharedSnapshotStatus;
}

/** The pipeline the restore starts: `main_cicd_name` as deployed, and `pipelineName` in the stack file. */
export interface PipelineStatus {
    parameter: string;
    /** Absent when the parameter does not exist. */
    value?: string;
    configured?: string;
}

export interface RefreshSnapshots {
    engines: EngineStatus[];
    pipeline: PipelineStatus;
    /**
     * The prefix a shared snapshot's name must have to count (`sourceSnapshotPrefix`). Absent when it comes from
     * `sourceStack`, whose outputs only Pulumi reads: every snapshot production shares then counts here.
     */
    sourceSnapshotPrefix?: string;
}

/** Each engine's `latest` and `current`, what they name, and production's newest shared snapshot. */
export async function readRefreshSnapshots(
    clients: { ssm: SSMClient; snapshots: ClusterSnapshotApis },
    stack: string,
    account: string,
    args: ResolvedArgs,
): Promise<RefreshSnapshots> {
    const names = args.engines.map((engine) => ({ engine, ...engineParameterNames(args.parameterPrefix, engine.engine) }));
    const pipelineParameter = pipelineParameterName(args.parameterPrefix);
    const values = await reading("the snapshot parameters (ssm:GetParameters)", stack, () =>
        ssmParameterStore(clients.ssm).read([], [pipelineParameter, ...names.flatMap(({ latest, current }) => [latest, current])]));
    const sourceSnapshotPrefix = typeof args.source.snapshotPrefix === "string" ? args.source.snapshotPrefix : undefined;
    // Only the newest shared snapshot is wanted here: engines marked as not copying skip the listing of this account's copies.
    const shared = await reading("the snapshots production shares (rds:DescribeDBClusterSnapshots)", stack, () => inspectEngines(
        clients.snapshots.listing,
        names.map(({ engine, latest, current }) => ({
            engine: engine.engine, latestParameter: latest, currentParameter: current, sourceClusters: engine.sourceClusters, copy: false, keepCopies: engine.keepCopies,
        })),
        { sourceAccountId: args.sourceAccountId, copyIdentifierPrefix: args.copyIdentifierPrefix, ...(sourceSnapshotPrefix === undefined ? {} : { sourceSnapshotPrefix }) },
    ));

    const describe = (engine: EngineName, name: string): Promise<ParameterStatus> => reading(`the snapshot ${name} names`, stack, async () => {
        const value = values.get(name);
        const named = snapshotValue(value);
        if (value === undefined || named === undefined) return { name, ...(value === undefined ? {} : { value }) };
        return { name, value, snapshot: await describeSnapshot(clients.snapshots, engine, named, account, args.copyIdentifierPrefix) };
    });
    const engines = await Promise.all(names.map(async ({ engine, latest, current }): Promise<EngineStatus> => {
        const newest = shared.get(engine.engine)?.newestShared;
        return {
            engine: engine.engine,
            copy: engine.copy,
            latest: await describe(engine.engine, latest),
            current: await describe(engine.engine, current),
            ...(newest === undefined ? {} : { newestShared: sharedStatus(newest) }),
        };
    }));
    const pipelineValue = values.get(pipelineParameter);
    const configured = typeof args.pipelineName === "string" ? args.pipelineName : undefined;
    return {
        engines,
        pipeline: { parameter: pipelineParameter, ...(pipelineValue === undefined ? {} : { value: pipelineValue }), ...(configured === undefined ? {} : { configured }) },
        ...(sourceSnapshotPrefix === undefined ? {} : { sourceSnapshotPrefix }),
    };
}

async function describeSnapshot(apis: ClusterSnapshotApis, engine: EngineName, value: string, account: string, copyPrefix: string): Promise<SnapshotStatus> {
    const isArn = value.startsWith("arn:");
    const ownerAccount = isArn ? accountOfArn(value) ?? account : account;
    const identifier = isArn ? identifierInOwnAccount(value) : value;
    const ownCopyOf = ownerAccount === account ? parseCopyIdentifier(copyPrefix, identifier) : undefined;
    const found = await apis.snapshots(engine).find(value, account);
    // As the restore dates them: a copy by its source's time, which its name carries; any other snapshot by its creation time.
    const takenAt = ownCopyOf?.sourceCreatedAt ?? found?.createdAt;
    return {
        value,
        identifier,
        ...(ownerAccount === account ? {} : { sharedBy: ownerAccount }),
        ownCopy: ownCopyOf !== undefined,
        state: found === undefined ? "missing" : snapshotState(found),
        ...(takenAt === undefined ? {} : { takenAt }),
    };
}

function sharedStatus(snapshot: ClusterSnapshot): SharedSnapshotStatus {
    return { identifier: identifierInOwnAccount(snapshot.arn), arn: snapshot.arn, ...(snapshot.createdAt === undefined ? {} : { takenAt: snapshot.createdAt }) };
}
