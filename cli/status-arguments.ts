/** What `npm run status -- ...` was asked for. */
export interface StatusOptions {
    stack: string;
    /** Print the status as JSON instead of text. */
    json: boolean;
    /** How many of the newest cycles to show. Default 5. */
    cycles: number;
}

export const DEFAULT_CYCLE_COUNT = 5;
/** ListExecutions returns at most this many executions a page. */
const MAX_CYCLE_COUNT = 100;

export const STATUS_USAGE = [
    "Usage: npm run status -- --stack <stack> [--json] [--cycles <count>]",
    "",
    "Shows a deployed snapshot-refresh stack as its account sees it, with that account's AWS credentials:",
    "paused or not, the next cycle, each engine's latest and current snapshot (role refresh) or each",
    "cluster's newest shared copy (role share), and the last cycles with their outcome.",
    "",
    "  --stack <stack>    the stack whose Pulumi.<stack>.yaml to read (acceptance, acme/production, ...)",
    "  --json             print the status as JSON (use npm run --silent status -- ... to keep npm's header out)",
    `  --cycles <count>   how many of the last cycles to show, 1 to ${MAX_CYCLE_COUNT} (default ${DEFAULT_CYCLE_COUNT})`,
].join("\n");

/** A command line the status cannot run with: the message says what is wrong; the usage follows it. */
export class UsageError extends Error {
    constructor(
        message: string,
        /** The stack is what is missing: the message is followed by the stacks that have a file. */
        readonly stackMissing = false,
    ) {
        super(message);
        this.name = "UsageError";
    }
}

/** The options, or `help` for `--help`. */
export function parseStatusArguments(argv: readonly string[]): StatusOptions | "help" {
    let stack: string | undefined;
    let json = false;
    let cycles = DEFAULT_CYCLE_COUNT;
    for (let index = 0; index < argv.length; index++) {
        const [flag, inlineValue] = argv[index].startsWith("--") && argv[index].includes("=")
            ? [argv[index].slice(0, argv[index].indexOf("=")), argv[index].slice(argv[index].indexOf("=") + 1)]
            : [argv[index], undefined];
        const value = (): string => {
            const given = inlineValue ?? argv[++index];
            if (given === undefined || given === "" || given.startsWith("--")) throw new UsageError(`${flag} needs a value.`);
            return given;
        };
        switch (flag) {
            case "--help":
            case "-h":
                return "help";
            case "--stack":
            case "-s":
                stack = value();
                break;
            case "--json":
                json = true;
                break;
            case "--cycles": {
                const text = value();
                cycles = Number(text);
                if (!/^\d+$/.test(text) || cycles < 1 || cycles > MAX_CYCLE_COUNT) throw new UsageError(`--cycles must be a whole number from 1 to ${MAX_CYCLE_COUNT} (got ${text}).`);
                break;
            }
            default:
                throw new UsageError(`${argv[index]} is not an option of the status.`);
        }
    }
    if (stack === undefined) throw new UsageError("Say which stack: --stack <stack>, e.g. --stack acceptance.", true);
    return { stack, json, cycles };
}
