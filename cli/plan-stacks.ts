import { CONFIG_NAMESPACE } from "../components/stack-config";
import { partitionOf, PLACEHOLDER_KEY_ID } from "./plan-mocks";
import { runStack, StackRun } from "./plan-program";
import { deployingAccount, DeployingAccount, fileName, Project, projectStackNamed, setting, stacksReading } from "./plan-project";
import { INSTANCE_NAME, readStackFile, StackFile, stackRegion } from "./stack-file";

/** One stack's program run, or the error that stopped it (as `pulumi up` would stop). */
export type StackOutcome =
    | { file: StackFile; account: DeployingAccount; run: StackRun; references: ReferenceAnswer[] }
    | { file: StackFile; error: unknown };

/** How the plan answered a `pulumi.StackReference`. */
export interface ReferenceAnswer {
    /** The stack as the config names it: `acme/snapshot-refresh/production`. */
    stack: string;
    /** Where its outputs came from, or why they are placeholders. */
    source: string;
}

/** A stack of the pair: the production stack an acceptance stack reads, or an acceptance stack reading production. */
export interface PairedStack {
    /** How it relates to the planned stack, for headings: "reads this stack through sourceStack". */
    relation: string;
    outcome: StackOutcome;
}

/**
 * Runs the program for the project's stack files, each at most once, in the order their references need:
 * an acceptance stack's `sourceStack` is answered from the production stack's own run when its file is here.
 */
export class ProjectPlanner {
    private readonly outcomes = new Map<string, Promise<StackOutcome>>();
    /** Pulumi's runtime is process-wide: one run at a time. */
    private queue: Promise<unknown> = Promise.resolve();
    private readonly resolving = new Set<string>();

    constructor(readonly project: Project, private readonly environment: NodeJS.ProcessEnv = process.env) {}

    /** The stack's run; throws a StackFileError for a stack without a usable file. */
    outcome(stack: string): Promise<StackOutcome> {
        const file = readStackFile(this.project.directory, stack);
        const name = file.stack.split("/").pop() ?? file.stack;
        let outcome = this.outcomes.get(name);
        if (outcome === undefined) {
            outcome = this.plan(file);
            this.outcomes.set(name, outcome);
        }
        return outcome;
    }

    /** The stacks of the pair, each with its run. */
    async pairedWith(file: StackFile): Promise<PairedStack[]> {
        const source = projectStackNamed(this.project, setting(file, "sourceStack"));
        if (source !== undefined) return [{ relation: `the stack this one reads through ${CONFIG_NAMESPACE}:sourceStack`, outcome: await this.outcome(source) }];
        const readers: PairedStack[] = [];
        for (const reader of stacksReading(this.project, file.stack)) {
            readers.push({ relation: `reads this stack through ${CONFIG_NAMESPACE}:sourceStack`, outcome: await this.outcome(reader.stack) });
        }
        return readers;
    }

    private async plan(file: StackFile): Promise<StackOutcome> {
        try {
            const account = deployingAccount(this.project, file);
            const region = stackRegion(file, this.environment);
            const references = await this.whileResolving(file.stack, () => this.referenceAnswers(file, region));
            const answers = new Map(references.map((reference) => [reference.answer.stack, reference.outputs]));
            const run = this.queue.then(() => runStack(this.project, file, {
                accountId: account.accountId,
                region,
                stackOutputs: (stack) => {
                    const outputs = answers.get(stack);
                    if (outputs === undefined) throw new Error(`The program reads stack ${stack}, which the offline plan cannot read: only ${CONFIG_NAMESPACE}:sourceStack is answered.`);
                    return outputs;
                },
            }));
            this.queue = run.catch(() => undefined);
            return { file, account, run: await run, references: references.map((reference) => reference.answer) };
        } catch (error) {
            return { file, error };
        }
    }

    /** Marks a stack as waiting for the stacks it reads, so that two stacks reading each other cannot wait forever. */
    private async whileResolving<T>(stack: string, work: () => Promise<T>): Promise<T> {
        this.resolving.add(stack);
        try {
            return await work();
        } finally {
            this.resolving.delete(stack);
        }
    }

    /**
     * The outputs a `sourceStack` reference reads: the production stack's own run when its file is in this
     * project and its plan succeeds, placeholders otherwise.
     */
    private async referenceAnswers(file: StackFile, region: string): Promise<{ answer: ReferenceAnswer; outputs: Record<string, unknown> }[]> {
        const stack = setting(file, "sourceStack");
        if (stack === undefined) return [];
        const sourceAccountId = setting(file, "sourceAccountId") ?? "";
        const placeholders = {
            accountId: sourceAccountId,
            kmsKeyArn: `arn:${partitionOf(region)}:kms:${region}:${sourceAccountId}:key/${PLACEHOLDER_KEY_ID}`,
            snapshotIdentifierPrefix: `${INSTANCE_NAME}-share-`,
        };
        const placeholderSource = `placeholders: accountId is ${CONFIG_NAMESPACE}:sourceAccountId, the key id ${PLACEHOLDER_KEY_ID}, the prefix the default of a production stack of this program`;
        const inProject = projectStackNamed(this.project, stack);
        if (inProject === undefined) {
            return [{ answer: { stack, source: `not a stack of this project, so it cannot be read offline; ${placeholderSource}` }, outputs: placeholders }];
        }
        if (this.resolving.has(inProject)) {
            return [{ answer: { stack, source: `${inProject} reads this stack in turn, so one of them must be read first; ${placeholderSource}` }, outputs: placeholders }];
        }
        const source = await this.outcome(inProject);
        if ("error" in source) {
            const because = `${fileName(source.file)} does not plan offline (${firstLine(source.error)}; \`npm run plan -- --stack ${inProject}\` shows why)`;
            return [{ answer: { stack, source: `${because}; ${placeholderSource}` }, outputs: placeholders }];
        }
        return [{ answer: { stack, source: `the outputs of ${fileName(source.file)}'s own offline plan` }, outputs: source.run.outputs }];
    }
}

/** The first line of an error's message: enough to say which stack fails, where its own plan says the rest. */
export function firstLine(error: unknown): string {
    return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
