import { inspect } from "node:util";
import { readProject } from "./plan-project";
import { isProgramRejection } from "./plan-rejections";
import { renderPlan } from "./plan-render";
import { ProjectPlanner } from "./plan-stacks";
import { StackFileError } from "./stack-file";

const PLAN_USAGE = [
    "Usage: npm run plan -- --stack <stack>",
    "",
    "Renders what `pulumi up` would create for a stack's Pulumi.<stack>.yaml, offline: no credentials, no Pulumi CLI.",
    "Every resource with its key settings, every IAM statement, the cycle's state machine (Mermaid and text), the next",
    "cycle times of the stack and of the stack it pairs with through sourceStack, the SSM parameters and the stack outputs,",
    "as Markdown to paste into a pull request. Bad configuration fails here with the error `pulumi up` would stop at.",
    "",
    "  --stack <stack>   the stack whose Pulumi.<stack>.yaml to plan (acceptance, production, ...)",
].join("\n");

/** What the command printed and how it ended. */
export interface PlanCommandResult {
    /** 0: planned; 1: the program fails for this config, as `pulumi up` would; 2: the command line or the stack file is unusable. */
    exitCode: number;
    stdout: string;
    stderr: string;
}

export interface PlanCommandOptions {
    /** Where Pulumi.yaml and the stack files are. */
    projectDirectory: string;
    /** What "next" means for the cycle times. */
    now: Date;
    /** Shares program runs between plans of the same project (one run per stack file). Default: a new one. */
    planner?: ProjectPlanner;
}

export async function planCommand(args: readonly string[], options: PlanCommandOptions): Promise<PlanCommandResult> {
    const stack = stackArgument(args);
    if (stack instanceof Error) return { exitCode: 2, stdout: "", stderr: `error: ${stack.message}\n\n${PLAN_USAGE}\n` };
    if (stack === undefined) return { exitCode: 0, stdout: `${PLAN_USAGE}\n`, stderr: "" };
    try {
        const project = options.planner?.project ?? readProject(options.projectDirectory);
        const planner = options.planner ?? new ProjectPlanner(project);
        const outcome = await planner.outcome(stack);
        if ("error" in outcome) return { exitCode: 1, stdout: "", stderr: programFailure(project.directory, outcome.error) };
        const paired = await planner.pairedWith(outcome.file);
        return { exitCode: 0, stdout: `${renderPlan({ project, ...outcome, paired, now: options.now })}\n`, stderr: "" };
    } catch (error) {
        if (error instanceof StackFileError) return { exitCode: 2, stdout: "", stderr: `error: ${error.message}\n` };
        throw error;
    }
}

/** The stack named by `--stack <stack>` or `--stack=<stack>`; undefined for `--help` or no arguments; an Error for anything else. */
function stackArgument(args: readonly string[]): string | undefined | Error {
    if (args.length === 0 || args.includes("--help") || args.includes("-h")) return undefined;
    const [first, second, ...rest] = args;
    const stack = first.startsWith("--stack=") ? first.slice("--stack=".length) : first === "--stack" ? second : undefined;
    const extra = first.startsWith("--stack=") ? [second, ...rest].filter((arg) => arg !== undefined) : rest;
    if (stack === undefined || stack === "" || stack.startsWith("-")) return new Error("name the stack to plan: --stack <stack>");
    if (extra.length > 0) return new Error(`unexpected ${extra.join(" ")}: the plan takes only --stack <stack>`);
    return stack;
}

/**
 * What `pulumi up` prints when the program throws, and nothing of the plan: the message alone where Pulumi hides the
 * stack (its resource errors), else the error after "Running program ... failed" (a ConfigError's message names the
 * key, the value and an example; the stack of where it was thrown adds nothing for the user, so it is left out).
 */
function programFailure(projectDirectory: string, error: unknown): string {
    const hidesStack = error instanceof Error && (error as { hideStack?: unknown }).hideStack === true;
    const shown = hidesStack
        ? [`error: ${error.message}`]
        : [`error: Running program '${projectDirectory}' failed with an unhandled exception:`, error instanceof Error && error.name === "ConfigError" ? `${error.name}: ${error.message}` : inspect(error)];
    return [...shown, "", "No plan: `pulumi up` would stop at this error before creating anything.", ""].join("\n");
}

if (require.main === module) {
    // A program's failure rejects every output that depended on it, some after the plan has reported it; anything
    // else unhandled is a fault of the plan itself and ends the process, as Node would.
    process.on("unhandledRejection", (reason) => {
        if (!isProgramRejection(reason)) throw reason;
    });
    planCommand(process.argv.slice(2), { projectDirectory: process.cwd(), now: new Date() }).then(
        (result) => {
            process.stdout.write(result.stdout);
            process.stderr.write(result.stderr);
            process.exitCode = result.exitCode;
        },
        (error: unknown) => {
            process.stderr.write(`error: the plan itself failed: ${inspect(error)}\n`);
            process.exitCode = 1;
        },
    );
}
