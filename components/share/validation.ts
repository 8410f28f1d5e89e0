import * as pulumi from "@pulumi/pulumi";
import { ENGINE_NAMES, isEngineName } from "../../handlers/engines";
import { MAX_TARGET_ACCOUNTS, SharedCluster, SNAPSHOT_SOURCES, SnapshotSource } from "../../handlers/share/settings";
import { CadencePlan } from "../cadence";
import { ConfigError } from "../config-error";
import {
    checkAccountId,
    checkedWhenKnown,
    checkKmsKeyArn,
    CLUSTER_IDENTIFIER,
    rejectUnknownArgs,
    resolveCadence,
    resolveCopyRecheck,
    resolveIdentifierPrefix,
    resolveLogRetention,
    resolveMaintenanceWindow,
    resolveOperations,
    ResolvedOperations,
    resolveTags,
} from "../validation";
import { SnapshotShareArgs } from "./args";
import { OPERATIONS_ARG_NAMES } from "../operations-args";

/** {@link SnapshotShareArgs} checked, with every default applied. */
export interface ResolvedShareArgs {
    /** Checked now when given as plain strings; once known when any comes from another stack. */
    targetAccountIds: pulumi.Output<string[]>;
    clusters: SharedCluster[];
    cadence: CadencePlan;
    source: SnapshotSource;
    keepShared: number;
    /** Absent: the component creates the key. */
    kmsKeyArn?: pulumi.Input<string>;
    maintenanceWindowMinutes: number;
    copyRecheckMinutes: number;
    snapshotIdentifierPrefix: string;
    logRetentionDays: number;
    tags: Record<string, string>;
    operations: ResolvedOperations;
}

const ARG_NAMES = [
    "targetAccountIds", "clusters", "cadence", "timezone", "source", "keepShared", "kmsKeyArn", "maintenanceWindowMinutes",
    "copyRecheckMinutes", "snapshotIdentifierPrefix", "logRetentionDays", "tags", ...OPERATIONS_ARG_NAMES,
];
export const DEFAULT_SHARE_CADENCE = "daily at 00:00";
const MAX_KEEP_SHARED = 20;
/** A share cycle always copies: copies take tens of minutes, so a cycle that could not wait for one would always fail. */
const MIN_SHARE_WINDOW_MINUTES = 30;

/**
 * Checks every argument before any resource exists, and applies the defaults. `keyPrefix` is put before each
 * key in messages: `snapshot-refresh:` when the values come from stack configuration.
 */
export function resolveShareArgs(name: string, args: SnapshotShareArgs, keyPrefix = ""): ResolvedShareArgs {
    const key = (path: string) => `${keyPrefix}${path}`;
    rejectUnknownArgs(args as unknown as Record<string, unknown>, ARG_NAMES, key, "targetAccountIds");
    const cadence = resolveCadence({ cadence: args.cadence ?? DEFAULT_SHARE_CADENCE, timezone: args.timezone }, keyPrefix);
    const kmsKeyArn = checkedWhenKnown(args.kmsKeyArn, (known) => checkKmsKeyArn(known, key("kmsKeyArn"), "a customer-managed KMS key of this account"));
    return {
        targetAccountIds: resolveTargetInputs(args.targetAccountIds, key("targetAccountIds")),
        clusters: resolveClusters(args.clusters, key("clusters")),
        cadence,
        source: resolveSource(args.source, key("source")),
        keepShared: resolveKeepShared(args.keepShared, key("keepShared")),
        kmsKeyArn,
        maintenanceWindowMinutes: resolveMaintenanceWindow(args.maintenanceWindowMinutes, cadence, key("maintenanceWindowMinutes"), MIN_SHARE_WINDOW_MINUTES),
        copyRecheckMinutes: resolveCopyRecheck(args.copyRecheckMinutes, key("copyRecheckMinutes")),
        // Not the refresh side's default: an account that shares and also refreshes (from another) keeps the two apart.
        snapshotIdentifierPrefix: resolveIdentifierPrefix(`${name}-share`, args.snapshotIdentifierPrefix, key("snapshotIdentifierPrefix")),
        logRetentionDays: resolveLogRetention(args.logRetentionDays, key("logRetentionDays")),
        tags: resolveTags(args.tags, key("tags")),
        operations: resolveOperations(args, cadence, key),
    };
}

/**
 * Accounts given as text are checked before any resource exists; an account that is another stack's output
 * (an acceptance stack's `accountId`) is checked, with the same message, as soon as it is known.
 */
function resolveTargetInputs(accounts: unknown, key: string): pulumi.Output<string[]> {
    if (Array.isArray(accounts) && accounts.some((account) => pulumi.Output.isInstance(account))) {
        return pulumi.all(accounts as pulumi.Input<string>[]).apply((known) => resolveTargets(known, key));
    }
    return pulumi.output(resolveTargets(accounts, key));
}

function resolveTargets(accounts: unknown, key: string): string[] {
    const example = `${key}: ["222222222222", "333333333333"]`;
    if (!Array.isArray(accounts) || accounts.length === 0 || accounts.length > MAX_TARGET_ACCOUNTS) {
        throw new ConfigError(key, `must list 1 to ${MAX_TARGET_ACCOUNTS} accounts to share with (AWS shares a snapshot with at most ${MAX_TARGET_ACCOUNTS})`, accounts, example);
    }
    const seen = new Set<string>();
    return accounts.map((account: unknown, index) => {
        const id = checkAccountId(account, `${key}[${index}]`, "the id of an account to share with");
        if (seen.has(id)) throw new ConfigError(`${key}[${index}]`, "repeats an account: list each account once", account, example);
        seen.add(id);
        return id;
    });
}

function resolveClusters(clusters: unknown, key: string): SharedCluster[] {
    const example = `${key}: {aurora: [orders], documentdb: [catalog]}`;
    if (typeof clusters !== "object" || clusters === null || Array.isArray(clusters)) {
        throw new ConfigError(key, `must list the clusters to share per engine (${ENGINE_NAMES.join(", ")})`, clusters, example);
    }
    const resolved: SharedCluster[] = [];
    for (const [engine, identifiers] of Object.entries(clusters)) {
        if (!isEngineName(engine)) throw new ConfigError(`${key}.${engine}`, `is not an engine (known: ${ENGINE_NAMES.join(", ")})`, identifiers, example);
        if (identifiers === undefined) continue;
        if (!Array.isArray(identifiers)) throw new ConfigError(`${key}.${engine}`, "must be a list of DB cluster identifiers of this account", identifiers, example);
        identifiers.forEach((identifier: unknown, index) => {
            if (typeof identifier !== "string" || !CLUSTER_IDENTIFIER.test(identifier)) {
                throw new ConfigError(`${key}.${engine}[${index}]`, "must be a DB cluster identifier: a letter, then letters, digits and single hyphens, at most 63", identifier, example);
            }
            // RDS stores identifiers in lowercase, and names ARNs after them: IAM matches ARNs case by case.
            const clusterIdentifier = identifier.toLowerCase();
            if (resolved.some((cluster) => cluster.clusterIdentifier === clusterIdentifier)) {
                throw new ConfigError(`${key}.${engine}[${index}]`, "repeats a cluster: list each cluster once", identifier, example);
            }
            resolved.push({ engine, clusterIdentifier });
        });
    }
    if (resolved.length === 0) throw new ConfigError(key, "must name at least one cluster to share", clusters, example);
    return resolved;
}

function resolveSource(source: unknown, key: string): SnapshotSource {
    if (source === undefined) return "automated";
    if (SNAPSHOT_SOURCES.includes(source as SnapshotSource)) return source as SnapshotSource;
    throw new ConfigError(key, "must be automated (share the newest automated snapshot) or fresh (take a snapshot at cycle time)", source, `${key}: automated`);
}

function resolveKeepShared(keep: unknown, key: string): number {
    if (keep === undefined) return 2;
    if (typeof keep === "number" && Number.isInteger(keep) && keep >= 1 && keep <= MAX_KEEP_SHARED) return keep;
    throw new ConfigError(key, `must be a whole number from 1 to ${MAX_KEEP_SHARED} (shared copies count against the 100 manual snapshots a Region allows)`, keep, `${key}: 2`);
}
