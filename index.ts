import { readStackConfig, SnapshotRefresh, SnapshotShare } from "./components";

const name = "snapshot-refresh";

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
    };
};
