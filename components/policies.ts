import * as aws from "@pulumi/aws";

/**
 * `rds:DescribeDBClusterSnapshots` is granted on `*`: listing the snapshots shared with the account names no
 * snapshot, so there is no ARN to scope it to. Every other statement of the functions names exact ARNs.
 */
export const DESCRIBE_SNAPSHOTS: aws.iam.PolicyStatement = {
    Sid: "ListClusterSnapshots",
    Effect: "Allow",
    Action: ["rds:DescribeDBClusterSnapshots"],
    Resource: "*",
};

/** Lets an AWS service assume a role, under the given conditions. */
function serviceTrustPolicy(service: string, condition?: Record<string, Record<string, string>>): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }],
    };
}

export function lambdaTrustPolicy(): aws.iam.PolicyDocument {
    return serviceTrustPolicy("lambda.amazonaws.com");
}

/** Only this state machine may assume its role (confused-deputy protection). */
export function stateMachineTrustPolicy(accountId: string, stateMachineArn: string): aws.iam.PolicyDocument {
    return serviceTrustPolicy("states.amazonaws.com", { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": stateMachineArn } });
}

/** Only schedules of this account may assume the scheduler role (confused-deputy protection). */
export function schedulerTrustPolicy(accountId: string): aws.iam.PolicyDocument {
    return serviceTrustPolicy("scheduler.amazonaws.com", { StringEquals: { "aws:SourceAccount": accountId } });
}

/** A cycle's state machine runs its functions and delivers its execution history to its log group. */
export function stateMachinePolicy(functionArns: string[]): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "InvokeCycleFunctions", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: functionArns },
            {
                // Step Functions sets up log delivery through CloudWatch Logs' vended-logs API, whose actions AWS
                // documents only for `*`: there is no ARN of a delivery or a log group to scope them to.
                Sid: "DeliverExecutionLogs",
                Effect: "Allow",
                Action: [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                Resource: "*",
            },
        ],
    };
}

/** The starter starts executions of its one state machine, logs, and reports runs that failed for good. */
export function starterPolicy(stateMachineArn: string, logGroupArn: string, deadLetterQueueArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "StartCycles", Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachineArn] },
            ...logStatements(logGroupArn),
            { Sid: "ReportFailedRuns", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [deadLetterQueueArn] },
        ],
    };
}

/** Only the rule for this cycle's failed executions may send EventBridge events to the dead-letter queue. */
export function failedCyclesQueuePolicy(queueArn: string, ruleArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "FailedCycles",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queueArn,
                Condition: { ArnEquals: { "aws:SourceArn": ruleArn } },
            },
        ],
    };
}

/** The scheduler may invoke the starter and report undeliverable firings, nothing else. */
export function schedulerPolicy(starterFunctionArn: string, deadLetterQueueArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "InvokeCycleStarter", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [starterFunctionArn] },
            { Sid: "ReportFailedInvocations", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [deadLetterQueueArn] },
        ],
    };
}

/** Logs into the function's own log group. */
export function logStatements(logGroupArn: string): aws.iam.PolicyStatement[] {
    return [{ Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:*`] }];
}

/** The ARNs of a state machine's executions: `execution:<state machine name>:*`. */
export function executionArns(stateMachineArn: string): string {
    return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:*`;
}

/** The notifier reads how an execution of its one state machine ended, and publishes to its one topic. */
export function notifierPolicy(stateMachineArn: string, topicArn: string, logGroupArn: string, deadLetterQueueArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ReadEndedExecutions", Effect: "Allow", Action: ["states:DescribeExecution", "states:GetExecutionHistory"], Resource: [executionArns(stateMachineArn)] },
            { Sid: "Notify", Effect: "Allow", Action: ["sns:Publish"], Resource: [topicArn] },
            ...logStatements(logGroupArn),
            { Sid: "ReportFailedRuns", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [deadLetterQueueArn] },
        ],
    };
}

/** The freshness function reads its one state machine's executions and publishes one metric in one namespace. */
export function freshnessPolicy(stateMachineArn: string, metricNamespace: string, logGroupArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListCycles", Effect: "Allow", Action: ["states:ListExecutions", "states:DescribeStateMachine"], Resource: [stateMachineArn] },
            { Sid: "ReadCycles", Effect: "Allow", Action: ["states:DescribeExecution"], Resource: [executionArns(stateMachineArn)] },
            {
                // PutMetricData has no resource to scope to; the condition keeps it to this tool's namespace.
                Sid: "PublishDataAge",
                Effect: "Allow",
                Action: ["cloudwatch:PutMetricData"],
                Resource: "*",
                Condition: { StringEquals: { "cloudwatch:namespace": metricNamespace } },
            },
            ...logStatements(logGroupArn),
        ],
    };
}

/** A function may read the instance's pause parameter, and nothing else of SSM through this statement. */
export function readPauseStatement(pauseParameterArn: string): aws.iam.PolicyStatement {
    return { Sid: "ReadPause", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:GetParameters"], Resource: [pauseParameterArn] };
}
