import * as pulumi from "@pulumi/pulumi";
import { ENGINE_NAMES, ENGINES, EngineName, isEngineName } from "../../handlers/engines";
import { CopyNotReadyPolicy } from "../../handlers/refresh/settings";
import { CadencePlan } from "../cadence";
import { ConfigError } from "../config-error";
import {
    checkAccountId,
    checkedWhenKnown,
    checkKmsKeyArn,
    CLUSTER_IDENTIFIER,
    DEFAULT_COPY_RECHECK_MINUTES,
    EXAMPLE_KMS_KEY_ARN,
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
import { OPERATIONS_ARG_NAMES } from "../operations-args";
import { EngineConfig, SnapshotRefreshArgs } from "./args";

/** One engine with every default applied. */
export interface ResolvedEngine {
    engine: EngineName;
    sourceClusters: string[];
    copy: boolean;
    kmsKeyArn?: pulumi.Input<string>;
    keepCopies: number;
}

/** Where the facts about the source's shared snapshots come from: its stack, plain values, or nowhere. */
export interface ResolvedSource {
    stack?: string;
    kmsKeyArn?: pulumi.Input<string>;
    snapshotPrefix?: pulumi.Input<string>;
}

/** {@link SnapshotRefreshArgs} checked, with every default applied. */
export interface ResolvedArgs {
    sourceAccountId: string;
    source: ResolvedSource;
    pipelineName: pulumi.Input<string>;
    engines: ResolvedEngine[];
    cadence: CadencePlan;
    whenCopyNotReady: CopyNotReadyPolicy;
    maintenanceWindowMinutes: number;
    copyRecheckMinutes: number;
    parameterPrefix: string;
    copyIdentifierPrefix: string;
    logRetentionDays: number;
    tags: Record<string, string>;
    operations: ResolvedOperations;
}

const ENGINE_OPTIONS = ["engine", "sourceClusters", "copy", "kmsKeyArn", "keepCopies"];
const ARG_NAMES = [
    "sourceAccountId", "sourceStack", "sourceKmsKeyArn", "sourceSnapshotPrefix", "pipelineName", "engines", "cadence", "timezone", "maintenanceWindowMinutes", "copyRecheckMinutes",
    "whenCopyNotReady", "parameterPrefix", "copyIdentifierPrefix", "logRetentionDays", "tags", ...OPERATIONS_ARG_NAMES,
];
/** The old restore schedule's window could reach past a day; maintenanceWindowMinutes cannot. */
const MAX_OLD_WINDOW_MINUTES = 1440;

/** Settings of earlier versions: recognised, so that the error names what replaces them. */
export const REPLACED_SETTING_NAMES = ["restoreDelayMinutes", "restoreWindowMinutes", "restoreRecheckMinutes", "restoreCadence"] as const;
type ReplacedSettingName = (typeof REPLACED_SETTING_NAMES)[number];

/** What an older version's setting became: people upgrade with their old stack files and arguments. */
interface ReplacedSetting {
    problem: string;
    /** What to write instead, worked out from the old values where they carry over. */
    replacement(args: Record<string, unknown>, keyPrefix: string): string;
}

/** The old restore schedule's window, from the cycle's start: what maintenanceWindowMinutes now measures. */
function oldWindowEnd(args: Record<string, unknown>): number {
    const delay = typeof args.restoreDelayMinutes === "number" ? args.restoreDelayMinutes : 120;
    const window = typeof args.restoreWindowMinutes === "number" ? args.restoreWindowMinutes : 120;
    return Math.min(delay + window, MAX_OLD_WINDOW_MINUTES);
}

const REPLACED_SETTINGS: Readonly<Record<ReplacedSettingName, ReplacedSetting>> = {
    restoreDelayMinutes: {
        problem: "is no longer a setting: the restore now runs as soon as every engine's data is ready, right after the update " +
            "when no copy is needed. How long a cycle may wait for a copy is maintenanceWindowMinutes, counted from the cycle's start",
        replacement: (args, prefix) => `${prefix}maintenanceWindowMinutes: ${oldWindowEnd(args)}`,
    },
    restoreWindowMinutes: {
        problem: "was replaced by maintenanceWindowMinutes, which counts from the cycle's start rather than from the restore's " +
            "first attempt (restoreDelayMinutes + restoreWindowMinutes)",
        replacement: (args, prefix) => `${prefix}maintenanceWindowMinutes: ${oldWindowEnd(args)}`,
    },
    restoreRecheckMinutes: {
        problem: "was replaced by copyRecheckMinutes: how often a cycle checks a copy in progress",
        replacement: (args, prefix) => `${prefix}copyRecheckMinutes: ${typeof args.restoreRecheckMinutes === "number" ? args.restoreRecheckMinutes : DEFAULT_COPY_RECHECK_MINUTES}`,
    },
    restoreCadence: {
        problem: "is no longer a setting: each firing of a cron(...) or rate(...) cadence now starts a whole refresh cycle, " +
            "whose restore follows as soon as the data is ready",
        replacement: (_args, prefix) => `pulumi config rm ${prefix}restoreCadence`,
    },
};
const PIPELINE_NAME = /^[A-Za-z0-9.@\-_]{1,100}$/;

/**
 * Checks every argument before any resource exists, and applies the defaults. `keyPrefix` is put before each
 * key in messages: `snapshot-refresh:` when the values come from stack configuration.
 */
export function resolveArgs(name: string, args: SnapshotRefreshArgs, keyPrefix = ""): ResolvedArgs {
    const key = (path: string) => `${keyPrefix}${path}`;
    const untyped = args as unknown as Record<string, unknown>;
    const replaced = REPLACED_SETTING_NAMES.find((arg) => untyped[arg] !== undefined);
    if (replaced !== undefined) {
        const { problem, replacement } = REPLACED_SETTINGS[replaced];
        throw new ConfigError(key(replaced), problem, untyped[replaced], replacement(untyped, keyPrefix));
    }
    rejectUnknownArgs(untyped, ARG_NAMES, key, "cadence");
    const sourceAccountId = checkAccountId(args.sourceAccountId, key("sourceAccountId"), "the 12-digit id of the production account");
    checkPipelineName(args.pipelineName, key("pipelineName"));
    const cadence = resolveCadence({ cadence: args.cadence, timezone: args.timezone }, keyPrefix);
    return {
        sourceAccountId,
        source: resolveSource(args, sourceAccountId, key),
        pipelineName: args.pipelineName,
        engines: resolveEngines(args.engines, key),
        cadence,
        whenCopyNotReady: resolveCopyNotReadyPolicy(args.whenCopyNotReady, key("whenCopyNotReady")),
        maintenanceWindowMinutes: resolveMaintenanceWindow(args.maintenanceWindowMinutes, cadence, key("maintenanceWindowMinutes")),
        copyRecheckMinutes: resolveCopyRecheck(args.copyRecheckMinutes, key("copyRecheckMinutes")),
        parameterPrefix: resolveParameterPrefix(args.parameterPrefix, key("parameterPrefix")),
        copyIdentifierPrefix: resolveIdentifierPrefix(name, args.copyIdentifierPrefix, key("copyIdentifierPrefix")),
        logRetentionDays: resolveLogRetention(args.logRetentionDays, key("logRetentionDays")),
        tags: resolveTags(args.tags, key("tags")),
        operations: resolveOperations(args, cadence, key),
    };
}

/** A name known now is checked now; one that is an output is checked when it is known. */
export function checkPipelineName(pipelineName: unknown, key: string): void {
    if (pulumi.Output.isInstance(pipelineName)) return;
    if (typeof pipelineName !== "string" || !PIPELINE_NAME.test(pipelineName)) {
        throw new ConfigError(
            key,
            "must name the main CodePipeline pipeline (1 to 100 letters, digits and . @ - _)",
            pipelineName,
            `${key}: acceptance-main`,
        );
    }
}

function resolveEngines(engines: unknown, key: (path: string) => string): ResolvedEngine[] {
    const example = `${key("engines")}: [aurora, {engine: documentdb, kmsKeyArn: "${EXAMPLE_KMS_KEY_ARN}"}]`;
    if (!Array.isArray(engines) || engines.length === 0) {
        throw new ConfigError(key("engines"), "must list at least one engine", engines, example);
    }
    const seen = new Set<EngineName>();
    return engines.map((entry: unknown, index) => {
        const engine = resolveEngine(entry as EngineConfig, key(`engines[${index}]`), example);
        if (seen.has(engine.engine)) {
            throw new ConfigError(key(`engines[${index}]`), `repeats the engine ${engine.engine}: list each engine once`, entry, example);
        }
        seen.add(engine.engine);
        return engine;
    });
}

function resolveEngine(entry: EngineConfig, key: string, example: string): ResolvedEngine {
    const options = typeof entry === "string" ? { engine: entry } : entry;
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
        throw new ConfigError(key, "must be an engine name or an object with an engine and its options", entry, example);
    }
    const unknownOption = Object.keys(options).find((option) => !ENGINE_OPTIONS.includes(option));
    if (unknownOption !== undefined) {
        throw new ConfigError(`${key}.${unknownOption}`, `is not an engine option (known: ${ENGINE_OPTIONS.join(", ")})`, (options as unknown as Record<string, unknown>)[unknownOption], example);
    }
    if (!isEngineName(options.engine)) {
        throw new ConfigError(`${key}.engine`, `must be one of ${ENGINE_NAMES.join(", ")}`, options.engine, example);
    }
    const engine = options.engine;
    const sourceClusters = options.sourceClusters ?? [];
    if (!Array.isArray(sourceClusters) || sourceClusters.some((cluster) => typeof cluster !== "string" || !CLUSTER_IDENTIFIER.test(cluster))) {
        throw new ConfigError(`${key}.sourceClusters`, "must be a list of DB cluster identifiers of the source account", options.sourceClusters, `${key}.sourceClusters: [production-${engine}]`);
    }
    const kmsKeyArn = checkedWhenKnown(options.kmsKeyArn, (known) => checkKmsKeyArn(known, `${key}.kmsKeyArn`, "a KMS key of this account"));
    if (options.copy !== undefined && typeof options.copy !== "boolean") {
        throw new ConfigError(`${key}.copy`, "must be true or false", options.copy, `${key}.copy: true`);
    }
    const copy = options.copy ?? (ENGINES[engine].copiesByDefault || kmsKeyArn !== undefined);
    if (!copy && kmsKeyArn !== undefined) {
        throw new ConfigError(`${key}.kmsKeyArn`, "is only used for copies, and copy is false: remove one of the two", "(set)", `${key}.copy: true`);
    }
    const keepCopies = options.keepCopies ?? 2;
    if (!Number.isInteger(keepCopies) || keepCopies < 1 || keepCopies > 20) {
        throw new ConfigError(`${key}.keepCopies`, "must be a whole number from 1 to 20 (copies count against the 100 manual snapshots a Region allows)", options.keepCopies, `${key}.keepCopies: 2`);
    }
    // RDS reports cluster identifiers in lowercase: that is what they are compared with.
    return { engine, sourceClusters: sourceClusters.map((cluster) => cluster.toLowerCase()), copy, kmsKeyArn, keepCopies };
}

const STACK_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

function resolveSource(args: SnapshotRefreshArgs, sourceAccountId: string, key: (path: string) => string): ResolvedSource {
    const { sourceStack, sourceKmsKeyArn, sourceSnapshotPrefix } = args;
    if (sourceStack !== undefined) {
        if (typeof sourceStack !== "string" || !STACK_NAME.test(sourceStack)) {
            throw new ConfigError(key("sourceStack"), "must name the production stack as <organization>/<project>/<stack>", sourceStack, `${key("sourceStack")}: acme/snapshot-refresh/production`);
        }
        const plain = sourceKmsKeyArn !== undefined ? "sourceKmsKeyArn" : sourceSnapshotPrefix !== undefined ? "sourceSnapshotPrefix" : undefined;
        if (plain !== undefined) {
            throw new ConfigError(key(plain), `comes from the production stack's outputs when sourceStack is set: set one or the other, not both`, args[plain], `pulumi config rm ${key(plain)}`);
        }
        return { stack: sourceStack };
    }
    const kmsKeyArn = checkedWhenKnown(sourceKmsKeyArn, (known) => {
        checkKmsKeyArn(known, key("sourceKmsKeyArn"), `the key of account ${sourceAccountId} its shared snapshots are encrypted with`);
        if (typeof known === "string" && known.split(":")[4] !== sourceAccountId) {
            throw new ConfigError(key("sourceKmsKeyArn"), `must be a key of the source account ${sourceAccountId}, whose SnapshotShare encrypts the shared snapshots with it`, known, `${key("sourceKmsKeyArn")}: arn:aws:kms:eu-west-1:${sourceAccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
        }
    });
    const snapshotPrefix = checkedWhenKnown(sourceSnapshotPrefix, (known) => checkSnapshotPrefix(known, key("sourceSnapshotPrefix")));
    return { kmsKeyArn, snapshotPrefix };
}

/** A prefix known now is checked now; the caller checks one that is an output when it is known ({@link checkedWhenKnown}). */
export function checkSnapshotPrefix(prefix: unknown, key: string): void {
    if (prefix === undefined || pulumi.Output.isInstance(prefix)) return;
    if (typeof prefix !== "string" || !/^[a-z][a-z0-9-]{0,62}$/.test(prefix)) {
        throw new ConfigError(key, "must be the start of a snapshot identifier: lowercase letters, digits and hyphens, starting with a letter", prefix, `${key}: snapshot-refresh-`);
    }
}

function resolveCopyNotReadyPolicy(policy: unknown, key: string): CopyNotReadyPolicy {
    if (policy === undefined) return "fail";
    if (policy === "fail" || policy === "restore-available") return policy;
    throw new ConfigError(key, "must be fail or restore-available", policy, `${key}: restore-available`);
}

/** SSM: letters, digits and `_.-/`; a name with a `/` must start with one; `aws`/`ssm` starts are reserved. */
function resolveParameterPrefix(prefix: unknown, key: string): string {
    if (prefix === undefined || prefix === "") return "";
    const valid =
        typeof prefix === "string" &&
        /^[A-Za-z0-9_.\-/]{1,200}$/.test(prefix) &&
        (!prefix.includes("/") || prefix.startsWith("/")) &&
        !prefix.includes("//") &&
        !/^\/?(aws|ssm)/i.test(prefix);
    if (!valid) {
        throw new ConfigError(key, "must be letters, digits and _ . - /, start with / if it has one, and not start with aws or ssm", prefix, `${key}: /snapshot-refresh/`);
    }
    return prefix;
}
