import { ExecutionEnd } from "../../../handlers/monitoring/cycle-report";
import { MonitorSettings } from "../../../handlers/monitoring/settings";
import { REGION, SOURCE_ACCOUNT, TARGET_ACCOUNT } from "../support";

/** The acceptance stack's monitoring, as its Cycle writes the settings. */
export const REFRESH_MONITOR: MonitorSettings = {
    instanceName: "acceptance",
    side: "refresh",
    cycleLabel: "refresh cycle",
    stateMachineArn: `arn:aws:states:${REGION}:${TARGET_ACCOUNT}:stateMachine:acceptance-refresh-cycle`,
    topicArn: `arn:aws:sns:${REGION}:${TARGET_ACCOUNT}:acceptance-refresh-cycle-notifications`,
};

/** The production stack's monitoring. */
export const SHARE_MONITOR: MonitorSettings = {
    instanceName: "production",
    side: "share",
    cycleLabel: "share cycle",
    stateMachineArn: `arn:aws:states:${REGION}:${SOURCE_ACCOUNT}:stateMachine:production-share-cycle`,
    topicArn: `arn:aws:sns:${REGION}:${SOURCE_ACCOUNT}:team-alerts`,
};

export function executionArn(settings: MonitorSettings, name: string): string {
    return `${settings.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

/** Where the message links to: the execution in its Region's console. */
export function consoleLink(settings: MonitorSettings, name: string): string {
    return `Execution: https://${REGION}.console.aws.amazon.com/states/home?region=${REGION}#/v2/executions/details/${executionArn(settings, name)}`;
}

/** An execution of the settings' state machine that ended, with `output` as its final state. */
export function endedExecution(settings: MonitorSettings, overrides: Partial<ExecutionEnd> & { name: string; startDate: Date }, output?: object): ExecutionEnd {
    return {
        executionArn: executionArn(settings, overrides.name),
        status: "SUCCEEDED",
        ...(output === undefined ? {} : { output: JSON.stringify(output) }),
        ...overrides,
    };
}

/** A function's error as Step Functions records it in the cause: Lambda's JSON error object. */
export function lambdaCause(errorType: string, errorMessage: string): string {
    return JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, "    at Runtime.handler (/var/task/__index.js:1:1)"] });
}
