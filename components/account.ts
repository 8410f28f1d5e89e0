import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config-error";

/** Where a component deploys: what its policies and ARNs are built from. */
export interface DeploymentPlace {
    /** The deploying credentials' account, once checked. */
    accountId: pulumi.Output<string>;
    region: pulumi.Output<string>;
    partition: pulumi.Output<string>;
}

/**
 * The account, Region and partition the component deploys into. `refuse` says what is wrong with deploying
 * into an account (the production stack into a target account, say); its error stops the deployment.
 */
export function deploymentPlace(parent: pulumi.Resource, refuse: (account: string) => ConfigError | undefined): DeploymentPlace {
    const accountId = aws.getCallerIdentityOutput({}, { parent }).accountId.apply((account) => {
        const problem = refuse(account);
        if (problem !== undefined) throw problem;
        return account;
    });
    return { accountId, region: aws.getRegionOutput({}, { parent }).region, partition: aws.getPartitionOutput({}, { parent }).partition };
}
