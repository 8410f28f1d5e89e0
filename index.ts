import { readStackConfig, SnapshotRefresh } from "./components";

const name = "snapshot-refresh";
const refresh = new SnapshotRefresh(name, readStackConfig(name));

export const parameterNames = refresh.parameterNames;
export const pipelineParameterName = refresh.pipelineParameterName;
export const updateFunctionName = refresh.updateFunctionName;
export const restoreFunctionName = refresh.restoreFunctionName;
export const stateMachineArn = refresh.stateMachineArn;
export const stateMachineName = refresh.stateMachineName;
export const scheduleName = refresh.scheduleName;
export const deadLetterQueueUrl = refresh.deadLetterQueueUrl;
export const schedule = refresh.schedule;
