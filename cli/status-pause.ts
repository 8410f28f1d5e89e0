import { SSMClient } from "@aws-sdk/client-ssm";
import { CONFIG_NAMESPACE } from "../components/stack-config";
import { pauseCommands, pauseParameterName, PauseState, pauseState, readPauseValue } from "../handlers/pause";
import { reading } from "./status-aws";

/** Whether the stack's cycles are paused now, why, and how to resume them. */
export interface PauseStatus {
    /** The SSM parameter that pauses the instance without a deployment. */
    parameter: string;
    /** Its value; absent when the parameter does not exist (a stack deployed before pausing existed). */
    parameterValue?: string;
    /** `snapshot-refresh:paused: true` in the stack file. */
    pausedByConfig: boolean;
    /** What the functions decide from the two: paused, until when, why. */
    state: PauseState;
    /** The command that ends the pause; absent when nothing is paused. */
    resumeCommand?: string;
}

export async function readPauseStatus(ssm: SSMClient, stack: string, instanceName: string, pausedByConfig: boolean, now: Date): Promise<PauseStatus> {
    const parameter = pauseParameterName(instanceName);
    const parameterValue = await reading(`the pause parameter ${parameter}`, stack, () => readPauseValue(ssm, parameter));
    const state = pauseState(pausedByConfig, parameterValue, instanceName, now);
    const resumeCommand = !state.paused ? undefined
        : pausedByConfig ? `pulumi config set ${CONFIG_NAMESPACE}:paused false --stack ${stack} && pulumi up --stack ${stack}`
            : pauseCommands(instanceName).resume;
    return { parameter, ...(parameterValue === undefined ? {} : { parameterValue }), pausedByConfig, state, ...(resumeCommand ? { resumeCommand } : {}) };
}
