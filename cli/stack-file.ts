import * as pulumi from "@pulumi/pulumi";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { ResolvedArgs, resolveArgs } from "../components/refresh/validation";
import { ResolvedShareArgs, resolveShareArgs } from "../components/share/validation";
import { PROGRAM_INSTANCE_NAME } from "../components/names";
import { CONFIG_NAMESPACE, readStackConfig } from "../components/stack-config";

/** The name index.ts gives the component: every function, parameter, state machine and snapshot prefix of a stack is named after it. */
export const INSTANCE_NAME = PROGRAM_INSTANCE_NAME;

/** A stack's `Pulumi.<stack>.yaml`, read without the Pulumi CLI. */
export interface StackFile {
    /** The stack as the user named it: `acceptance`, `acme/acceptance` or `acme/snapshot-refresh/acceptance`. */
    stack: string;
    /** The file it was read from. */
    path: string;
    /** Every config value as the Pulumi CLI hands it to the program: text as is, numbers and booleans as text, lists and maps as JSON. */
    config: Record<string, string>;
}

/**
 * A stack's `snapshot-refresh:*` configuration, checked as `pulumi preview` checks it, with every default applied.
 * A stack file gives the share side's target accounts as text: they are known here, not only as an output.
 */
export type ResolvedStackConfig =
    | { role: "refresh"; args: ResolvedArgs }
    | { role: "share"; args: ResolvedShareArgs; targetAccountIds: string[] };

/** A stack file that is missing, unreadable or cannot be used without the Pulumi CLI: the message says which and what to do. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** The file Pulumi keeps a stack's configuration in: named after the stack's last part (`acme/acceptance` is `Pulumi.acceptance.yaml`). */
export function stackFilePath(projectDirectory: string, stack: string): string {
    return join(projectDirectory, `Pulumi.${stack.split("/").pop()}.yaml`);
}

/** The stacks whose files are in the project directory, for messages. */
export function stackFileNames(projectDirectory: string): string[] {
    return readdirSync(projectDirectory)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
}

export function readStackFile(projectDirectory: string, stack: string): StackFile {
    const path = stackFilePath(projectDirectory, stack);
    if (!existsSync(path)) {
        const known = stackFileNames(projectDirectory);
        throw new StackFileError(
            `There is no ${path} for stack ${stack}. ` +
            (known.length > 0 ? `The stacks with a file here: ${known.join(", ")}.` : "No stack has a file in this directory: run this from the project's directory."),
        );
    }
    let parsed: unknown;
    try {
        parsed = load(readFileSync(path, "utf8"));
    } catch (error) {
        throw new StackFileError(`${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    const config = isRecord(parsed) && isRecord(parsed.config) ? parsed.config : {};
    return { stack, path, config: Object.fromEntries(Object.entries(config).map(([key, value]) => [key, configText(path, key, value)])) };
}

/** The Region the stack deploys into: `aws:region`, else the environment's, as the AWS provider reads it. */
export function stackRegion(file: StackFile, environment: NodeJS.ProcessEnv): string {
    const region = file.config["aws:region"] ?? environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION;
    if (region === undefined || region.trim() === "") {
        throw new StackFileError(`${file.path} sets no aws:region, and neither AWS_REGION nor AWS_DEFAULT_REGION is set: pulumi config set aws:region eu-west-1 --stack ${file.stack}`);
    }
    return region.trim();
}

/**
 * The stack's configuration, read and checked by the same code `pulumi preview` runs: a missing role, a
 * mistyped key or a bad value fails with the same ConfigError, naming the key. Pulumi's process-wide
 * configuration is put back as it was.
 */
export function resolveStackConfig(file: StackFile, instanceName: string): ResolvedStackConfig {
    const previous = pulumi.runtime.allConfig();
    pulumi.runtime.setAllConfig(file.config);
    try {
        const config = readStackConfig(instanceName);
        const keyPrefix = `${CONFIG_NAMESPACE}:`;
        if (config.role === "refresh") return { role: "refresh", args: resolveArgs(instanceName, config.args, keyPrefix) };
        const args = resolveShareArgs(instanceName, config.args, keyPrefix);
        return { role: "share", args, targetAccountIds: config.args.targetAccountIds.filter((account): account is string => typeof account === "string") };
    } finally {
        pulumi.runtime.setAllConfig(previous);
    }
}

function configText(path: string, key: string, value: unknown): string {
    if (isRecord(value) && typeof value.secure === "string") {
        throw new StackFileError(`${key} in ${path} is a secret, which only the Pulumi CLI can decrypt; no snapshot-refresh setting needs to be one: set it in plain text.`);
    }
    return typeof value === "string" ? value : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
