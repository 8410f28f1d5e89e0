import { CodePipelineClient, ListPipelineExecutionsCommand, paginateListPipelineExecutions, StartPipelineExecutionCommand } from "@aws-sdk/client-codepipeline";
import { awsErrorName, refreshError } from "../errors";

export interface PipelineApi {
    /** Fails with PipelineNotFoundError (or PipelineNotAllowedError) when the pipeline cannot be used. */
    ensureExists(pipelineName: string): Promise<void>;
    /** Starts one execution; the same token within CodePipeline's idempotency window starts no second one. */
    start(pipelineName: string, idempotencyToken: string): Promise<string>;
    /**
     * The id of the newest execution of the pipeline that `startedBy` (a Lambda function name: the session name
     * of its role) started at or after `since`, if any.
     */
    findStartedSince(pipelineName: string, startedBy: string, since: Date): Promise<string | undefined>;
}

export function codePipelineApi(client: CodePipelineClient): PipelineApi {
    return {
        async ensureExists(pipelineName) {
            try {
                await client.send(new ListPipelineExecutionsCommand({ pipelineName, maxResults: 1 }));
            } catch (error) {
                throw explainPipelineFailure(error, pipelineName);
            }
        },
        async start(pipelineName, idempotencyToken) {
            try {
                const response = await client.send(
                    new StartPipelineExecutionCommand({ name: pipelineName, clientRequestToken: idempotencyToken }),
                );
                if (!response.pipelineExecutionId) throw new Error("CodePipeline returned no execution id");
                return response.pipelineExecutionId;
            } catch (error) {
                throw explainPipelineFailure(error, pipelineName);
            }
        },
        async findStartedSince(pipelineName, startedBy, since) {
            try {
                // Executions come newest first: stop at the first one older than `since`.
                for await (const page of paginateListPipelineExecutions({ client, pageSize: 25 }, { pipelineName })) {
                    for (const execution of page.pipelineExecutionSummaries ?? []) {
                        if (execution.startTime !== undefined && execution.startTime < since) return undefined;
                        const trigger = execution.trigger;
                        if (trigger?.triggerType === "StartPipelineExecution" && trigger.triggerDetail?.endsWith(`/${startedBy}`)) {
                            return execution.pipelineExecutionId;
                        }
                    }
                }
                return undefined;
            } catch (error) {
                throw explainPipelineFailure(error, pipelineName);
            }
        },
    };
}

/**
 * Whether CodePipeline may have started an execution although the request failed: it answered with a server
 * error, or never answered (a timeout, a dropped connection). A 4xx answer, throttling included, is a refusal.
 */
export function mayHaveStarted(error: unknown): boolean {
    for (let current = error; current instanceof Error; current = current.cause) {
        const status = (current as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status !== undefined) return status >= 500;
    }
    return true;
}

function explainPipelineFailure(error: unknown, pipelineName: string): Error {
    switch (awsErrorName(error)) {
        case "PipelineNotFoundException":
            return refreshError(
                "PipelineNotFoundError",
                `pipeline "${pipelineName}" (the name the pipeline parameter holds) does not exist in this account and Region: ` +
                "set the right name with `pulumi config set snapshot-refresh:pipelineName <name>` and run pulumi up.",
                error,
            );
        case "AccessDeniedException":
            return refreshError(
                "PipelineNotAllowedError",
                `this function may not use pipeline "${pipelineName}": its role allows only the pipeline configured at deploy ` +
                "time. Change the pipeline with `pulumi config set snapshot-refresh:pipelineName <name>` and pulumi up, not by " +
                "editing the parameter.",
                error,
            );
        default:
            return error instanceof Error ? error : new Error(String(error));
    }
}
