import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { load } from "js-yaml";
import { CONFIG_NAMESPACE } from "../components/stack-config";
import { readStackFile, StackFile, stackFileNames, stackFilePath, StackFileError } from "./stack-file";

/** A Pulumi project as `pulumi up` finds it: `Pulumi.yaml` and the stack files beside it. */
export interface Project {
    directory: string;
    /** `name:` of Pulumi.yaml: a `sourceStack` of `<organization>/<name>/<stack>` is one of this project's stacks. */
    name: string;
    /** The program `pulumi up` runs: `main:` of Pulumi.yaml, resolved like Node resolves a module. */
    programPath: string;
}

/** Stands in for an account id the stack files do not fix: the account of the credentials `pulumi up` runs with. */
const PLACEHOLDER_ACCOUNT_ID = "000000000000";

/** The account a stack deploys into, and where the plan took it from. */
export interface DeployingAccount {
    accountId: string;
    /** "the one account Pulumi.production.yaml shares with", or why it is a placeholder. */
    source: string;
}

export function readProject(directory: string): Project {
    const projectFile = join(directory, "Pulumi.yaml");
    if (!existsSync(projectFile)) throw new StackFileError(`There is no Pulumi.yaml in ${directory}: run the plan from the project's directory.`);
    const parsed = load(readFileSync(projectFile, "utf8")) as { name?: unknown; main?: unknown } | undefined;
    if (typeof parsed?.name !== "string") throw new StackFileError(`${projectFile} has no name: it is not a Pulumi project file.`);
    const main = typeof parsed.main === "string" ? parsed.main : ".";
    return { directory, name: parsed.name, programPath: require.resolve(resolve(directory, main)) };
}

/** A `snapshot-refresh:<key>` value of a stack file. */
export function setting(file: StackFile, key: string): string | undefined {
    return file.config[`${CONFIG_NAMESPACE}:${key}`];
}

/**
 * The project stack a `sourceStack` value (`<organization>/<project>/<stack>`) names, when it is this project's
 * and its file is here; the organization cannot be checked offline.
 */
export function projectStackNamed(project: Project, reference: string | undefined): string | undefined {
    const parts = reference?.split("/");
    if (parts?.length !== 3 || parts[1] !== project.name) return undefined;
    return existsSync(stackFilePath(project.directory, parts[2])) ? parts[2] : undefined;
}

/** The stacks whose `sourceStack` names this one: the accounts it shares with, when it is the production stack. */
export function stacksReading(project: Project, stack: string): StackFile[] {
    return stackFileNames(project.directory)
        .filter((other) => other !== stack.split("/").pop())
        .map((other) => readStackFile(project.directory, other))
        .filter((file) => projectStackNamed(project, setting(file, "sourceStack")) === stack.split("/").pop());
}

/**
 * The account the stack deploys into, as far as the stack files fix it: a key the share stack must own, the
 * `sourceAccountId` the stacks reading it give, or the one account the stack it reads shares with. Otherwise a
 * placeholder: only the credentials of `pulumi up` decide.
 */
export function deployingAccount(project: Project, file: StackFile): DeployingAccount {
    const fromKey = /^arn:[a-z-]+:kms:[a-z0-9-]+:(\d{12}):key\//.exec(setting(file, "kmsKeyArn") ?? "")?.[1];
    if (setting(file, "role") === "share" && fromKey !== undefined) {
        return { accountId: fromKey, source: `the account of ${CONFIG_NAMESPACE}:kmsKeyArn, which must be a key of this account` };
    }
    const readers = stacksReading(project, file.stack)
        .map((reader) => ({ reader, accountId: setting(reader, "sourceAccountId") }))
        .filter((entry): entry is { reader: StackFile; accountId: string } => entry.accountId !== undefined);
    if (readers.length > 0) {
        return { accountId: readers[0].accountId, source: `${CONFIG_NAMESPACE}:sourceAccountId of ${fileName(readers[0].reader)}, which reads this stack through sourceStack` };
    }
    const source = projectStackNamed(project, setting(file, "sourceStack"));
    const sourceFile = source === undefined ? undefined : readStackFile(project.directory, source);
    const targets = sourceFile === undefined ? [] : accountList(setting(sourceFile, "targetAccountIds"));
    if (sourceFile !== undefined && targets.length === 1) {
        return { accountId: targets[0], source: `the one account ${fileName(sourceFile)} shares with (${CONFIG_NAMESPACE}:targetAccountIds)` };
    }
    return { accountId: PLACEHOLDER_ACCOUNT_ID, source: "a placeholder: the stack files do not fix it, the credentials `pulumi up` runs with do" };
}

export function fileName(file: StackFile): string {
    return file.path.split(/[\\/]/).pop() ?? file.path;
}

/** A list setting as the program reads it: JSON from a YAML list, else one value. */
function accountList(value: string | undefined): string[] {
    if (value === undefined) return [];
    if (!value.trim().startsWith("[")) return [value.trim()];
    try {
        const parsed = JSON.parse(value) as unknown;
        return Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
        return [];
    }
}
