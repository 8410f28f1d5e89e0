/**
 * What lambda-archive.test.ts hands the fresh process that loads the archives. Node built-ins only: the child
 * reads this before anything else, so nothing it imports may load a module the archives should load first.
 */

/** Names the JSON file holding a {@link LambdaArchiveChildInput}. */
export const CHILD_INPUT_VARIABLE = "SNAPSHOT_REFRESH_ARCHIVE_CHILD_INPUT";

export interface RuntimeModulesLocation {
    /** The stand-in for the nodejs22.x runtime's /var/runtime/node_modules: symlinks to the repo's packages. */
    directory: string;
    /** The real directories behind those symlinks, nested versions included. */
    packageDirectories: string[];
}

/** The SSM parameter names one deployment gave its functions. */
export interface DeployedParameterNames {
    auroraLatest: string;
    auroraCurrent: string;
    documentDbLatest: string;
    documentDbCurrent: string;
    pipeline: string;
    /** The instance's pause parameter, which both functions read. */
    pause: string;
}

/** One deployment's configuration, as the functions must learn it from their environment alone. */
export interface DeployedConfiguration {
    /** The functions' environment variables exactly as the Function resource declares them. */
    environment: Record<string, string>;
    /** The account the functions run in. */
    accountId: string;
    sourceAccountId: string;
    instanceName: string;
    copyIdentifierPrefix: string;
    pipelineName: string;
    parameters: DeployedParameterNames;
}

export interface LambdaArchiveChildInput {
    /** Each function's archive, written out as /var/task would hold it. */
    archives: { update: string; restore: string; starter: string };
    runtime: RuntimeModulesLocation;
    deployed: DeployedConfiguration;
}
