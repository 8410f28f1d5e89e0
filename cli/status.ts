import { join } from "node:path";
import { ConfigError } from "../components/config-error";
import { describeError } from "../handlers/errors";
import { parseStatusArguments, STATUS_USAGE, UsageError } from "./status-arguments";
import { createStatusClients, StatusClients, StatusError } from "./status-aws";
import { collectStatus } from "./status-report";
import { renderStatus } from "./status-render";
import { StackFileError, stackFileNames } from "./stack-file";

/** Where the status runs: the project, the clock, the environment, AWS and the terminal. */
export interface StatusEnvironment {
    /** The directory of Pulumi.yaml and the stack files. */
    projectDirectory: string;
    now: Date;
    environment: NodeJS.ProcessEnv;
    createClients: (region: string) => StatusClients;
    stdout: (text: string) => void;
    stderr: (text: string) => void;
}

/** The exit codes: the status was shown; it could not be (the message says why); the command line was wrong. */
export const EXIT_CODES = { shown: 0, failed: 1, usage: 2 } as const;

/** `npm run status -- --stack <stack> [--json] [--cycles <count>]`; returns the exit code. */
export async function runStatus(argv: readonly string[], environment: StatusEnvironment): Promise<number> {
    let options;
    try {
        options = parseStatusArguments(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        const stacks = error.stackMissing ? stackFileNames(environment.projectDirectory) : [];
        environment.stderr(`${error.message}${stacks.length > 0 ? ` Stacks with a file here: ${stacks.join(", ")}.` : ""}\n\n${STATUS_USAGE}\n`);
        return EXIT_CODES.usage;
    }
    if (options === "help") {
        environment.stdout(`${STATUS_USAGE}\n`);
        return EXIT_CODES.shown;
    }
    const clients: StatusClients[] = [];
    try {
        const report = await collectStatus(
            { projectDirectory: environment.projectDirectory, stack: options.stack, cycleCount: options.cycles, now: environment.now, environment: environment.environment },
            (region) => {
                const created = environment.createClients(region);
                clients.push(created);
                return created;
            },
        );
        environment.stdout(options.json ? `${JSON.stringify(report, undefined, 2)}\n` : renderStatus(report));
        return EXIT_CODES.shown;
    } catch (error) {
        const expected = error instanceof StatusError || error instanceof StackFileError || error instanceof ConfigError;
        environment.stderr(expected ? `${error.message}\n` : `The status failed unexpectedly: ${describeError(error)}\n`);
        return EXIT_CODES.failed;
    } finally {
        for (const created of clients) for (const client of Object.values(created)) client.destroy();
    }
}

if (require.main === module) {
    runStatus(process.argv.slice(2), {
        projectDirectory: join(__dirname, ".."),
        now: new Date(),
        environment: process.env,
        createClients: createStatusClients,
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    }).then((code) => {
        process.exitCode = code;
    }, (error: unknown) => {
        process.stderr.write(`The status failed unexpectedly: ${describeError(error)}\n`);
        process.exitCode = EXIT_CODES.failed;
    });
}
