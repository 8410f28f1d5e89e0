import * as aws from "@pulumi/aws";

/** Where the component's resources live, and what they are called: everything a policy must name. */
export interface PolicyScope {
    partition: string;
    region: string;
    accountId: string;
    sourceAccountId: string;
    copyIdentifierPrefix: string;
    latestParameterArns: string[];
    currentParameterArns: string[];
    pipelineParameterArn: string;
    pipelineName: string;
    /** Whether any engine copies snapshots into this account. */
    copies: boolean;
    /** Keys of this account that copies are encrypted with. */
    copyKeyArns: string[];
    logGroupArn: string;
}

/**
 * `rds:DescribeDBClusterSnapshots` is granted on `*`: listing the snapshots shared with the account names no
 * snapshot, so there is no ARN to scope it to. Every other statement of the functions names exact ARNs.
 */
const DESCRIBE_SNAPSHOTS: aws.iam.PolicyStatement = {
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

/** db-update-latest-snapshot-id: reads both snapshot parameters, writes `latest`, copies and trims its copies. */
export function updatePolicy(scope: PolicyScope): aws.iam.PolicyDocument {
    const statements: aws.iam.PolicyStatement[] = [
        {
            Sid: "ReadSnapshotParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameters"],
            Resource: [...scope.latestParameterArns, ...scope.currentParameterArns],
        },
        { Sid: "RecordLatestSnapshot", Effect: "Allow", Action: ["ssm:PutParameter"], Resource: scope.latestParameterArns },
        DESCRIBE_SNAPSHOTS,
    ];
    if (scope.copies) {
        statements.push(...copyStatements(scope), {
            Sid: "TrimOwnCopies",
            Effect: "Allow",
            Action: ["rds:DeleteDBClusterSnapshot"],
            Resource: [ownCopiesArn(scope)],
        });
    }
    statements.push(...logStatements(scope.logGroupArn));
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * db-restore-from-snapshot: reads every parameter, writes `latest`/`current`, starts the one pipeline (and lists
 * its executions: that it exists, and whether a start that failed started after all), and copies the cycle's
 * newest snapshot when no copy of it exists.
 */
export function restorePolicy(scope: PolicyScope): aws.iam.PolicyDocument {
    const snapshotParameterArns = [...scope.latestParameterArns, ...scope.currentParameterArns];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadParameters",
                Effect: "Allow",
                Action: ["ssm:GetParameters"],
                Resource: [...snapshotParameterArns, scope.pipelineParameterArn],
            },
            { Sid: "PromoteSnapshots", Effect: "Allow", Action: ["ssm:PutParameter"], Resource: snapshotParameterArns },
            DESCRIBE_SNAPSHOTS,
            {
                Sid: "StartMainPipeline",
                Effect: "Allow",
                Action: ["codepipeline:ListPipelineExecutions", "codepipeline:StartPipelineExecution"],
                Resource: [`arn:${scope.partition}:codepipeline:${scope.region}:${scope.accountId}:${scope.pipelineName}`],
            },
            // A copy the update could not make (or someone deleted) is started by the restore and waited for.
            ...(scope.copies ? copyStatements(scope) : []),
            ...logStatements(scope.logGroupArn),
        ],
    };
}

/** The refresh cycle runs the two functions and delivers its execution history to its log group. */
export function stateMachinePolicy(functionArns: string[]): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "InvokeRefreshFunctions", Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: functionArns },
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

/** The starter starts executions of the one refresh cycle state machine, logs, and reports runs that failed for good. */
export function starterPolicy(stateMachineArn: string, logGroupArn: string, deadLetterQueueArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "StartRefreshCycles", Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachineArn] },
            ...logStatements(logGroupArn),
            { Sid: "ReportFailedRuns", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [deadLetterQueueArn] },
        ],
    };
}

/** Only the rule for this refresh cycle's failed executions may send EventBridge events to the dead-letter queue. */
export function failedCyclesQueuePolicy(queueArn: string, ruleArn: string): aws.iam.PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "FailedRefreshCycles",
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

function ownCopiesArn(scope: PolicyScope): string {
    return `arn:${scope.partition}:rds:${scope.region}:${scope.accountId}:cluster-snapshot:${scope.copyIdentifierPrefix}*`;
}

/** Copying a shared snapshot into this account: the source, the target, its tags, and the keys involved. */
function copyStatements(scope: PolicyScope): aws.iam.PolicyStatement[] {
    const statements: aws.iam.PolicyStatement[] = [
        {
            Sid: "CopySharedSnapshots",
            Effect: "Allow",
            Action: ["rds:CopyDBClusterSnapshot"],
            Resource: [`arn:${scope.partition}:rds:${scope.region}:${scope.sourceAccountId}:cluster-snapshot:*`, ownCopiesArn(scope)],
        },
        { Sid: "TagOwnCopies", Effect: "Allow", Action: ["rds:AddTagsToResource"], Resource: [ownCopiesArn(scope)] },
    ];
    if (scope.copyKeyArns.length > 0) {
        // Copying an encrypted shared snapshot uses the source account's key (shared through its key policy)
        // and re-encrypts with a key of this account; RDS does both through grants.
        const keys = [...scope.copyKeyArns, `arn:${scope.partition}:kms:${scope.region}:${scope.sourceAccountId}:key/*`];
        statements.push(
            { Sid: "DescribeCopyKeys", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: keys },
            {
                Sid: "GrantCopyKeysToRds",
                Effect: "Allow",
                Action: ["kms:CreateGrant"],
                Resource: keys,
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        );
    }
    return statements;
}

/** Logs into the function's own log group. */
function logStatements(logGroupArn: string): aws.iam.PolicyStatement[] {
    return [{ Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:*`] }];
}
