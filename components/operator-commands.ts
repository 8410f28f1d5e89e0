import { EngineName } from "../handlers/engines";
import { pauseCommands } from "../handlers/pause";

/** The commands an operator runs, exactly as printed in the stack's outputs and the README's runbook. */
export interface OperatorCommands {
    /** Runs a cycle now: one execution of the cycle's state machine, named after the moment. */
    readonly runNow: string;
    /** Reports what a cycle would do now, changing nothing; the execution's output and message hold the report. */
    readonly dryRun: string;
    /** Acceptance only: restores the snapshots you name (the engines you leave out keep `current`). */
    readonly restoreChosen?: string;
    /** Pauses every cycle until you resume, without a deployment. */
    readonly pause: string;
    /** Pauses every cycle until the time given (UTC), then the cycles resume by themselves. */
    readonly pauseUntil: string;
    readonly resume: string;
    /** What happened and what comes next, with AWS credentials for the account. */
    readonly status: string;
}

export function operatorCommands(args: { stateMachineArn: string; instanceName: string; stackName: string; engines?: readonly EngineName[] }): OperatorCommands {
    const start = (input: string) =>
        `aws stepfunctions start-execution --state-machine-arn ${args.stateMachineArn} --name "manual-$(date -u +%Y%m%dT%H%M%SZ)" --input '${input}'`;
    const pause = pauseCommands(args.instanceName);
    return {
        runNow: start("{}"),
        dryRun: start(JSON.stringify({ dryRun: true })),
        ...(args.engines === undefined ? {} : {
            restoreChosen: start(JSON.stringify({ restore: Object.fromEntries(args.engines.map((engine) => [engine, `<${engine} snapshot ARN or identifier>`])) })),
        }),
        pause: pause.pause,
        pauseUntil: pause.pauseUntil,
        resume: pause.resume,
        status: `npm run status -- --stack ${args.stackName}`,
    };
}
