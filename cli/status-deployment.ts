import { ListSchedulesCommand, ScheduleSummary } from "@aws-sdk/client-scheduler";
import { DescribeStateMachineCommand } from "@aws-sdk/client-sfn";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { instanceResourceName, MAX_STATE_MACHINE_NAME_LENGTH } from "../components/names";
import { awsErrorName, describeError } from "../handlers/errors";
import { explainAwsError, reading, StatusClients, StatusError } from "./status-aws";
import { CycleNames } from "./status-names";
import { ResolvedStackConfig } from "./stack-file";

/** Where the stack is deployed, as the credentials and AWS see it. */
export interface Deployment {
    account: string;
    partition: string;
    stateMachine: { name: string; arn: string };
    schedule: ScheduleStatus;
}

/** The schedule that starts the cycles: Pulumi names it `<instance>-cycle-<random suffix>`, in a group of its own. */
export type ScheduleStatus =
    | { found: true; name: string; group: string; state: string }
    /** `readable`: the schedules could be listed, and none is the stack's. */
    | { found: false; readable: boolean; reason: string };

/**
 * Finds the stack's cycle in the account the credentials belong to. Fails, saying what to do, when there are no
 * credentials, when they are those of the other side's account, or when the stack is not deployed there.
 */
export async function findDeployment(
    clients: StatusClients,
    stack: string,
    region: string,
    instanceName: string,
    side: CycleNames,
    config: ResolvedStackConfig,
): Promise<Deployment> {
    const identity = await reading("the account of your credentials (sts:GetCallerIdentity)", stack, () => clients.sts.send(new GetCallerIdentityCommand({})));
    const account = identity.Account ?? "";
    const partition = identity.Arn?.split(":")[1] ?? "aws";
    refuseOtherSide(account, stack, config);

    const name = instanceResourceName(instanceName, side.cycleLabel, MAX_STATE_MACHINE_NAME_LENGTH);
    const arn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
    try {
        await clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    } catch (error) {
        if (awsErrorName(error) !== "StateMachineDoesNotExist") throw explainAwsError(error, `the state machine ${name}`, stack);
        throw new StatusError(
            `Stack ${stack} is not deployed in account ${account}, Region ${region}: its ${side.cycleLabel} state machine ${name} does not exist. ` +
            `Deploy it with pulumi up --stack ${stack}, or, if it is deployed, use the credentials of its account (AWS_PROFILE) ` +
            "and check aws:region in the stack file.",
            error,
        );
    }
    return { account, partition, stateMachine: { name, arn }, schedule: await findSchedule(clients, instanceName, side) };
}

/** The credentials of production used for an acceptance stack (or the reverse) would show nothing useful. */
function refuseOtherSide(account: string, stack: string, config: ResolvedStackConfig): void {
    if (config.role === "refresh" && account === config.args.sourceAccountId) {
        throw new StatusError(
            `Your credentials are those of account ${account}, the production account (snapshot-refresh:sourceAccountId) that shares ` +
            `the snapshots; stack ${stack} is deployed in the account that receives them. Use that account's credentials (AWS_PROFILE).`,
        );
    }
    if (config.role === "share" && config.targetAccountIds.includes(account)) {
        throw new StatusError(
            `Your credentials are those of account ${account}, one of the accounts stack ${stack} shares with ` +
            "(snapshot-refresh:targetAccountIds); the stack is deployed in the production account. Use its credentials (AWS_PROFILE).",
        );
    }
}

/**
 * The schedule is found by its name's prefix and its target, the side's starter function. Reading it is not
 * essential to the status: without permission, the status says so and goes on.
 */
async function findSchedule(clients: StatusClients, instanceName: string, side: CycleNames): Promise<ScheduleStatus> {
    const prefix = `${instanceName}-cycle-`;
    const starter = `-${side.starterLabel}`;
    const schedules: ScheduleSummary[] = [];
    try {
        let nextToken: string | undefined;
        do {
            const page = await clients.scheduler.send(new ListSchedulesCommand({ NamePrefix: prefix, NextToken: nextToken }));
            schedules.push(...(page.Schedules ?? []));
            nextToken = page.NextToken;
        } while (nextToken !== undefined);
    } catch (error) {
        return { found: false, readable: false, reason: `could not list the schedules (scheduler:ListSchedules): ${describeError(error)}` };
    }
    const schedule = schedules.find((candidate) => candidate.Target?.Arn?.endsWith(starter));
    if (schedule === undefined) {
        return { found: false, readable: true, reason: `no schedule named ${prefix}* invokes the ${side.starterLabel} function, so no cycle starts on its own; pulumi up creates it` };
    }
    return { found: true, name: schedule.Name ?? "", group: schedule.GroupName ?? "", state: schedule.State ?? "unknown" };
}
