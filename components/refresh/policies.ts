import * as aws from "@pulumi/aws";
import { DESCRIBE_SNAPSHOTS, logStatements } from "../policies";

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
    /** The instance's pause parameter, which both functions read. */
    pauseParameterArn: string;
    pipelineName: string;
    /** Whether any engine copies snapshots into this account. */
    copies: boolean;
    /** Keys of this account that copies are encrypted with. */
    copyKeyArns: string[];
    /** The source's key its shared snapshots are encrypted with, when known. */
    sourceKeyArn?: string;
    logGroupArn: string;
}

/** db-update-latest-snapshot-id: reads both snapshot parameters, writes `latest`, copies and trims its copies. */
export function updatePolicy(scope: PolicyScope): aws.iam.PolicyDocument {
    const statements: aws.iam.PolicyStatement[] = [
        {
            Sid: "ReadSnapshotParameters",
            Effect: "Allow",
            Action: ["ssm:GetParameters"],
            Resource: [...scope.latestParameterArns, ...scope.currentParameterArns, scope.pauseParameterArn],
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
                Resource: [...snapshotParameterArns, scope.pipelineParameterArn, scope.pauseParameterArn],
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
        // and re-encrypts with a key of this account; RDS does both through grants. Unless the source's key is
        // known (its SnapshotShare's), any key of the source account: one that shares by hand may use several.
        const sourceKeys = scope.sourceKeyArn ?? `arn:${scope.partition}:kms:${scope.region}:${scope.sourceAccountId}:key/*`;
        const keys = [...scope.copyKeyArns, sourceKeys];
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
