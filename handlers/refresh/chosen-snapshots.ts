import { ClusterSnapshotApi, ClusterSnapshotApis } from "../cluster-snapshots";
import { ENGINES, EngineName, isSnapshotOfEngine } from "../engines";
import { isTransientAwsError, refreshError, transientFailure } from "../errors";
import { ChosenSnapshots } from "../run-request";
import { RestoreTarget } from "./promotion";
import { EngineSettings, RefreshSettings } from "./settings";
import {
    accountOfArn,
    ClusterSnapshot,
    copyIdentifier,
    copyTags,
    identifierInOwnAccount,
    isOfFollowedCluster,
    parseCopyIdentifier,
    snapshotState,
} from "../snapshots";

/** One engine's chosen snapshot, checked: the target, or everything wrong with the choice. */
type Checked = { target: RestoreTarget } | { problem: string } | { error: unknown };

/**
 * The snapshots an operator chose (`{"restore": {...}}`), checked before anything changes. Each named engine
 * must be one this instance refreshes; each snapshot must exist, be available, be of that engine and of a
 * followed cluster, and be either shared by the source account (named as its SnapshotShare names them, when
 * that is known) or one of this instance's copies. An engine that restores from copies restores a chosen shared
 * snapshot through this instance's copy of it. Every problem of every engine is reported at once; the targets
 * come in the order of the instance's engines.
 */
export async function chosenTargets(
    settings: RefreshSettings,
    chosen: ChosenSnapshots,
    accountId: string,
    apis: Pick<ClusterSnapshotApis, "snapshots">,
): Promise<RestoreTarget[]> {
    const named = Object.entries(chosen) as [EngineName, string][];
    const checked = await Promise.all(named.map(([engineName, value]): Promise<Checked> => {
        const engine = settings.engines.find((candidate) => candidate.engine === engineName);
        if (engine === undefined) {
            return Promise.resolve({
                problem: `${engineName}: this instance refreshes ${settings.engines.map((candidate) => candidate.engine).join(" and ")} only; ` +
                    `leave ${engineName} out of restore`,
            });
        }
        return checkChosen(settings, engine, value.trim(), accountId, apis.snapshots(engineName)).catch((error: unknown) => ({ error }));
    }));
    const errors = checked.flatMap((result) => ("error" in result ? [result.error] : []));
    // What AWS could not answer is unknown, not wrong: the run is retried rather than the request refused.
    if (errors.length > 0 && errors.every(isTransientAwsError)) throw transientFailure("the chosen snapshots could not be looked up; nothing was restored and no parameter was changed", errors);
    if (errors.length > 0) throw errors.find((error) => !isTransientAwsError(error));
    const problems = checked.flatMap((result) => ("problem" in result ? [result.problem] : []));
    if (problems.length > 0) {
        throw refreshError(
            "InvalidRequestError",
            `nothing was restored and no parameter was changed: ${problems.join("; ")}. Give db-restore-from-snapshot (or the ` +
            'refresh cycle\'s execution) {"restore": {...}} with snapshots that pass; add "dryRun": true to check them without restoring.',
        );
    }
    const targets = checked.flatMap((result) => ("target" in result ? [result.target] : []));
    return settings.engines.flatMap((engine) => targets.filter((target) => target.engine === engine));
}

async function checkChosen(settings: RefreshSettings, engine: EngineSettings, value: string, accountId: string, api: ClusterSnapshotApi): Promise<Checked> {
    const snapshot = await api.find(value, accountId);
    if (snapshot === undefined) return { problem: `${engine.engine}: ${notFound(settings, value)}` };
    const owner = accountOfArn(snapshot.arn) ?? accountId;
    const problems: string[] = [];
    const state = snapshotState(snapshot);
    if (state !== "available") {
        problems.push(`is ${snapshot.status}, not available: choose an available snapshot${state === "in-progress" ? ", or wait until this one is" : ""}`);
    }
    if (!isSnapshotOfEngine(engine.engine, snapshot.engine)) {
        problems.push(`is a ${snapshot.engine || "(unknown engine)"} snapshot, not one of ${engine.engine} (${ENGINES[engine.engine].snapshotEngineValues.join(", ")})`);
    }
    const ownCopy = owner === accountId ? parseCopyIdentifier(settings.copyIdentifierPrefix, snapshot.identifier) : undefined;
    if (owner === settings.sourceAccountId) {
        const prefix = settings.sourceSnapshotPrefix;
        if (prefix !== undefined && !identifierInOwnAccount(snapshot.arn).startsWith(prefix)) {
            problems.push(`is not named ${prefix}*: only the snapshots the source's SnapshotShare makes are restored (sourceSnapshotPrefix)`);
        }
    } else if (owner !== accountId) {
        problems.push(`belongs to account ${owner}, not the source account ${settings.sourceAccountId}: only what account ${settings.sourceAccountId} shares is restored`);
    } else if (ownCopy?.engine !== engine.engine || (snapshot.sourceArn !== undefined && accountOfArn(snapshot.sourceArn) !== settings.sourceAccountId)) {
        problems.push(
            "is a snapshot of this account that this instance did not make: it restores only what account " +
            `${settings.sourceAccountId} shares (named by its ARN) and its own copies of it (${settings.copyIdentifierPrefix}${engine.engine}-<source time>-<hash>)`,
        );
    }
    if (!isOfFollowedCluster(snapshot, engine.sourceClusters)) {
        problems.push(`is of cluster ${snapshot.clusterIdentifier ?? "(unknown)"}, which ${engine.engine} does not follow (sourceClusters: ${engine.sourceClusters.join(", ")})`);
    }
    if (problems.length > 0) return { problem: `${engine.engine}: ${value} ${problems.join("; and it ")}` };

    if (ownCopy !== undefined) {
        return { target: chosenTarget(engine, snapshot.arn, ownCopy.sourceCreatedAt, `chosen: this instance's copy of ${snapshot.sourceArn ?? `a snapshot of account ${settings.sourceAccountId}`}`) };
    }
    if (!engine.copy) return { target: chosenTarget(engine, snapshot.arn, snapshot.createdAt, `chosen: shared by account ${settings.sourceAccountId}`) };
    return throughCopy(settings, engine, snapshot, accountId, api);
}

/** A chosen shared snapshot of an engine that restores from copies in this account: its copy, if available. */
async function throughCopy(settings: RefreshSettings, engine: EngineSettings, shared: ClusterSnapshot, accountId: string, api: ClusterSnapshotApi): Promise<Checked> {
    const identifier = copyIdentifier(settings.copyIdentifierPrefix, engine.engine, shared);
    const copy = await api.find(identifier, accountId);
    if (copy !== undefined && snapshotState(copy) === "available") {
        return {
            target: chosenTarget(engine, copy.arn, shared.createdAt,
                `chosen: ${shared.arn}, restored through this instance's copy ${identifier}, as ${engine.engine} restores from copies in this account (copy: true)`),
        };
    }
    const cli = `aws ${ENGINES[engine.engine].client}`;
    const key = shared.encrypted ? ` --kms-key-id ${engine.kmsKeyArn ?? "<a KMS key of this account>"}` : "";
    const tags = Object.entries(copyTags(settings.instanceName, shared.arn)).map(([name, tagValue]) => `Key=${name},Value=${tagValue}`).join(" ");
    const makeIt = `${cli} copy-db-cluster-snapshot --source-db-cluster-snapshot-identifier ${shared.arn} ` +
        `--target-db-cluster-snapshot-identifier ${identifier}${key} --tags ${tags}`;
    const state = copy === undefined ? undefined : snapshotState(copy);
    const howToGetIt = state === "in-progress" ? "choose it again once it is available"
        : state === "deleting" ? `once it is gone, make it again with ${makeIt}, and choose it again once that copy is available`
            : state === "failed" ? `delete it (${cli} delete-db-cluster-snapshot --db-cluster-snapshot-identifier ${identifier}), make it again with ${makeIt}, and choose it again once that copy is available`
                : `make it with ${makeIt}, and choose it again once that copy is available`;
    return {
        problem: `${engine.engine}: ${shared.arn} is restored through a copy in this account (copy: true), and this instance's copy ` +
            `${identifier} of it ${copy === undefined ? "does not exist" : `is ${copy.status}`}: ${howToGetIt}; or choose one of this instance's available ${engine.engine} copies`,
    };
}

function chosenTarget(engine: EngineSettings, snapshot: string, takenAt: Date | undefined, why: string): RestoreTarget {
    return { engine, snapshot, advancesLatest: false, takenAt, why, chosen: true };
}

function notFound(settings: RefreshSettings, value: string): string {
    if (value.startsWith("arn:")) {
        return `${value} does not exist, or is not shared with this account: list what is with aws rds describe-db-cluster-snapshots ` +
            "--snapshot-type shared --include-shared (and --snapshot-type manual for this instance's copies)";
    }
    return `there is no snapshot ${value} in this account; a snapshot account ${settings.sourceAccountId} shares is named by its ARN ` +
        `(arn:aws:rds:<region>:${settings.sourceAccountId}:cluster-snapshot:${value})`;
}
