import { SnapshotRefresh, SnapshotShare } from "./components";
import { PROGRAM_INSTANCE_NAME } from "./components/names";
import { readStackConfig } from "./components/stack-config";

const name = PROGRAM_INSTANCE_NAME;

/**
 * One program, one stack per account: `snapshot-refresh:role` says which component the stack deploys. The
 * returned object is the stack's outputs.
 */
export = () => {
    const config = readStackConfig(name);
    if (config.role === "share") {
        const share = new SnapshotShare(name, config.args);
        return {
            role: config.role,
            // What the acceptance stacks read through sourceStack.
            accountId: share.accountId,
            kmsKeyArn: share.kmsKeyArn,
            snapshotIdentifierPrefix: share.snapshotIdentifierPrefix,
            targetAccountIds: share.targetAccountIds,
            shareFunctionName: share.shareFunctionName,
            stateMachineArn: share.stateMachineArn,
            stateMachineName: share.stateMachineName,
            scheduleName: share.scheduleName,
            deadLetterQueueUrl: share.deadLetterQueueUrl,
            schedule: share.schedule,
            notificationTopicArn: share.notificationTopicArn,
            pauseParameterName: share.pauseParameterName,
            operatorCommands: share.operatorCommands,
        };
    }
    const refresh = new SnapshotRefresh(name, config.args);
    return {
        role: config.role,
        parameterNames: refresh.parameterNames,
        pipelineParameterName: refresh.pipelineParameterName,
        updateFunctionName: refresh.updateFunctionName,
        restoreFunctionName: refresh.restoreFunctionName,
        stateMachineArn: refresh.stateMachineArn,
        stateMachineName: refresh.stateMachineName,
        scheduleName: refresh.scheduleName,
        deadLetterQueueUrl: refresh.deadLetterQueueUrl,
        schedule: refresh.schedule,
        notificationTopicArn: refresh.notificationTopicArn,
        pauseParameterName: refresh.pauseParameterName,
        operatorCommands: refresh.operatorCommands,
    };
};
