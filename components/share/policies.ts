import * as aws from "@pulumi/aws";
import { SharedCluster, SnapshotSource } from "../../handlers/share/settings";
import { DESCRIBE_SNAPSHOTS, logStatements, readPauseStatement } from "../policies";

/** Where the share function's resources live, and what they are called: everything its policy must name. */
export interface SharePolicyScope {
    partition: string;
    region: string;
    accountId: string;
    clusters: readonly SharedCluster[];
    source: SnapshotSource;
    snapshotIdentifierPrefix: string;
    shareKeyArn: string;
    logGroupArn: string;
    /** The instance's pause parameter, which the function reads before it changes anything. */
    pauseParameterArn: string;
}

/**
 * db-share-latest-snapshots: lists snapshots; copies the clusters' automated snapshots (or fresh ones it takes)
 * into its own, under the share key; shares, unshares and deletes only its own.
 */
export function sharePolicy(scope: SharePolicyScope): aws.iam.PolicyDocument {
    const snapshotArn = (identifier: string) => `arn:${scope.partition}:rds:${scope.region}:${scope.accountId}:cluster-snapshot:${identifier}`;
    const ownSnapshots = snapshotArn(`${scope.snapshotIdentifierPrefix}*`);
    const clusterKeys = `arn:${scope.partition}:kms:${scope.region}:${scope.accountId}:key/*`;
    const viaRds = `rds.${scope.region}.amazonaws.com`;
    // An automated snapshot is named `rds:<cluster>-YYYY-MM-DD-HH-MM`: this names exactly the configured clusters'
    // ones (`rds:orders-*` would also match a cluster named `orders-archive`).
    const sources = scope.source === "automated" ? scope.clusters.map((cluster) => snapshotArn(`rds:${cluster.clusterIdentifier}-????-??-??-??-??`)) : [];
    const statements: aws.iam.PolicyStatement[] = [
        DESCRIBE_SNAPSHOTS,
        readPauseStatement(scope.pauseParameterArn),
        { Sid: "CopySourceSnapshots", Effect: "Allow", Action: ["rds:CopyDBClusterSnapshot"], Resource: [...sources, ownSnapshots] },
        { Sid: "TagOwnSnapshots", Effect: "Allow", Action: ["rds:AddTagsToResource"], Resource: [ownSnapshots] },
        {
            Sid: "ShareOwnSnapshots",
            Effect: "Allow",
            Action: ["rds:DescribeDBClusterSnapshotAttributes", "rds:ModifyDBClusterSnapshotAttribute"],
            Resource: [ownSnapshots],
        },
        { Sid: "DeleteOwnSnapshots", Effect: "Allow", Action: ["rds:DeleteDBClusterSnapshot"], Resource: [ownSnapshots] },
    ];
    if (scope.source === "fresh") {
        statements.push({
            Sid: "TakeFreshSnapshots",
            Effect: "Allow",
            Action: ["rds:CreateDBClusterSnapshot"],
            Resource: [
                ...scope.clusters.map((cluster) => `arn:${scope.partition}:rds:${scope.region}:${scope.accountId}:cluster:${cluster.clusterIdentifier}`),
                ownSnapshots,
            ],
        });
    }
    statements.push(
        // RDS encrypts the copy under the share key through a grant it creates in the caller's name.
        { Sid: "DescribeShareKey", Effect: "Allow", Action: ["kms:DescribeKey"], Resource: [scope.shareKeyArn] },
        {
            Sid: "GrantShareKeyToRds",
            Effect: "Allow",
            Action: ["kms:CreateGrant"],
            Resource: [scope.shareKeyArn],
            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
        // The source snapshots are encrypted with their clusters' keys, which the configuration does not name and
        // which change with the clusters: any key of this account, but only for RDS acting on the function's
        // behalf. (An AWS-managed aws/rds key needs no IAM permission: its key policy allows RDS.) The grant
        // condition exists only for the grant actions, so DescribeKey has a statement of its own.
        {
            Sid: "DescribeClusterKeys",
            Effect: "Allow",
            Action: ["kms:DescribeKey"],
            Resource: [clusterKeys],
            Condition: { StringEquals: { "kms:ViaService": viaRds } },
        },
        {
            Sid: "GrantClusterKeysToRds",
            Effect: "Allow",
            Action: ["kms:CreateGrant"],
            Resource: [clusterKeys],
            Condition: { StringEquals: { "kms:ViaService": viaRds }, Bool: { "kms:GrantIsForAWSResource": "true" } },
        },
        ...logStatements(scope.logGroupArn),
    );
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * The created share key's policy. This account's root keeps full control, so its administrators manage the key
 * through IAM, as AWS advises; each target account may use the key to copy and restore the shared snapshots,
 * exactly as AWS documents for sharing an encrypted cluster snapshot, and grant it only to AWS resources.
 * In a key policy `Resource: "*"` means this key.
 */
export function shareKeyPolicy(partition: string, accountId: string, targetAccountIds: readonly string[]): aws.iam.PolicyDocument {
    const targets = targetAccountIds.map((account) => `arn:${partition}:iam::${account}:root`);
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministersKey", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "TargetAccountsUseKey",
                Effect: "Allow",
                Principal: { AWS: targets },
                Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: "*",
            },
            {
                Sid: "TargetAccountsGrantToAwsResources",
                Effect: "Allow",
                Principal: { AWS: targets },
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: "*",
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        ],
    };
}
