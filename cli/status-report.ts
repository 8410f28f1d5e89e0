import { StackRole } from "../components/stack-config";
import { clusterSnapshotApis } from "../handlers/cluster-snapshots";
import { attentionItems, CYCLE_START_GRACE_MINUTES } from "./status-attention";
import { StatusClients } from "./status-aws";
import { CycleRun, readRecentCycles } from "./status-cycles";
import { Deployment, findDeployment, ScheduleStatus } from "./status-deployment";
import { lastDueCycle, NextCycle, nextCycle } from "./status-next-cycle";
import { PauseStatus, readPauseStatus } from "./status-pause";
import { readShareSnapshots, ShareSnapshots } from "./status-shares";
import { CYCLE_NAMES } from "./status-names";
import { readRefreshSnapshots, RefreshSnapshots } from "./status-snapshots";
import { INSTANCE_NAME, readStackFile, resolveStackConfig, stackRegion } from "./stack-file";

/** Everything `npm run status` shows, as `--json` prints it. */
export interface StatusReport {
    /** The stack as the operator named it. */
    stack: string;
    /** The `Pulumi.<stack>.yaml` its configuration was read from. */
    stackFile: string;
    /** The component's name, which every resource of the stack is named after. */
    instance: string;
    role: StackRole;
    region: string;
    /** The account the credentials belong to, where the stack's cycle was found. */
    account: string;
    /** The IANA timezone the cadence is read in: every time in the text is shown on its clock. */
    timezone: string;
    /** When the status was read: every age and "in ..." counts from it. */
    now: Date;
    /** The cycle's state machine: one execution per cycle. */
    stateMachine: Deployment["stateMachine"];
    schedule: ScheduleStatus;
    pause: PauseStatus;
    nextCycle: NextCycle;
    /** Acceptance (role refresh): each engine's latest and current. */
    refresh?: RefreshSnapshots;
    /** Production (role share): each cluster's newest shared copy. */
    share?: ShareSnapshots;
    /** The newest executions, newest first. */
    cycles: CycleRun[];
    /** What needs an operator, with what to do. */
    attention: string[];
}

export interface StatusRequest {
    /** The directory of Pulumi.yaml and the stack files. */
    projectDirectory: string;
    stack: string;
    /** How many of the newest cycles to show. */
    cycleCount: number;
    now: Date;
    /** For the Region when the stack file sets none. */
    environment: NodeJS.ProcessEnv;
}

/** Reads the stack file, then the stack's account, and puts the status together. */
export async function collectStatus(request: StatusRequest, createClients: (region: string) => StatusClients): Promise<StatusReport> {
    const { stack, now } = request;
    const file = readStackFile(request.projectDirectory, stack);
    const config = resolveStackConfig(file, INSTANCE_NAME);
    const region = stackRegion(file, request.environment);
    const side = CYCLE_NAMES[config.role];
    const clients = createClients(region);

    const deployment = await findDeployment(clients, stack, region, INSTANCE_NAME, side, config);
    const snapshots = clusterSnapshotApis(clients.rds, clients.docdb);
    const pausedByConfig = config.args.operations.paused;
    const [pause, cycles, refresh, share] = await Promise.all([
        readPauseStatus(clients.ssm, stack, INSTANCE_NAME, pausedByConfig, now),
        readRecentCycles(clients.sfn, stack, deployment.stateMachine.arn, side, request.cycleCount, now),
        config.role === "refresh" ? readRefreshSnapshots({ ssm: clients.ssm, snapshots }, stack, deployment.account, config.args) : undefined,
        config.role === "share" ? readShareSnapshots(snapshots, stack, INSTANCE_NAME, config.args, config.targetAccountIds) : undefined,
    ]);
    const plan = config.args.cadence;
    const lastDue = lastDueCycle(plan, now, CYCLE_START_GRACE_MINUTES);
    return {
        stack,
        stackFile: file.path,
        instance: INSTANCE_NAME,
        role: config.role,
        region,
        account: deployment.account,
        timezone: plan.timezone,
        now,
        stateMachine: deployment.stateMachine,
        schedule: deployment.schedule,
        pause,
        nextCycle: nextCycle(plan, pause.state, now),
        ...(refresh === undefined ? {} : { refresh }),
        ...(share === undefined ? {} : { share }),
        cycles,
        attention: attentionItems({
            stack,
            stackFile: file.path,
            instanceName: INSTANCE_NAME,
            starterLabel: side.starterLabel,
            timezone: plan.timezone,
            pause,
            schedule: deployment.schedule,
            cycles,
            ...(lastDue === undefined ? {} : { lastDue }),
            ...(refresh === undefined ? {} : { refresh }),
            ...(share === undefined ? {} : { share }),
        }),
    };
}
