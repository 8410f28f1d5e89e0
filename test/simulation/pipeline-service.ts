/**
 * CodePipeline for the acceptance account: pipelines by name, StartPipelineExecution with client-token
 * idempotency, ListPipelineExecutions newest first with the trigger CodePipeline records for a role session.
 * When an execution starts it remembers what the `current` parameters named: that is the data it restores.
 */
import { ListPipelineExecutionsOutput, PipelineExecutionSummary, StartPipelineExecutionOutput } from "@aws-sdk/client-codepipeline";
import { Caller } from "./accounts";
import { pipelineError } from "./aws-errors";
import { Timeline } from "./timeline";

export interface PipelineExecution {
    pipelineName: string;
    executionId: string;
    startTime: Date;
    clientRequestToken?: string;
    /** The caller's principal ARN, as CodePipeline records it in `trigger.triggerDetail`. */
    startedBy: string;
    startedByLabel: string;
    /** What the main pipeline would restore: each snapshot parameter's value when the execution started. */
    restores: Record<string, string>;
}

export interface ListExecutionsRequest {
    pipelineName?: string;
    maxResults?: number;
    nextToken?: string;
}

export interface StartExecutionRequest {
    name?: string;
    clientRequestToken?: string;
}

interface Pipeline {
    name: string;
    createdAt: Date;
    deletedAt?: Date;
    /** Newest first, as ListPipelineExecutions returns them. */
    executions: PipelineExecution[];
    executionsByToken: Map<string, PipelineExecution>;
}

/** How long the main pipeline runs; only the status in listings depends on it. */
const RUN_MINUTES = 35;
const MAX_RESULTS = 100;

export class PipelineService {
    private readonly pipelines: Pipeline[] = [];
    private executionCounter = 0;
    /** Reads the parameters the main pipeline restores from, at the moment an execution starts. */
    observeRestoredData: () => Record<string, string> = () => ({});

    constructor(private readonly timeline: Timeline) {}

    create(name: string): void {
        if (this.live(name) !== undefined) throw new Error(`pipeline ${name} already exists`);
        this.pipelines.push({ name, createdAt: this.timeline.now(), executions: [], executionsByToken: new Map() });
    }

    delete(name: string): void {
        const pipeline = this.live(name);
        if (pipeline === undefined) throw new Error(`pipeline ${name} does not exist`);
        pipeline.deletedAt = this.timeline.now();
    }

    exists(name: string): boolean {
        return this.live(name) !== undefined;
    }

    listExecutions(caller: Caller, request: ListExecutionsRequest): ListPipelineExecutionsOutput {
        const pipeline = this.authorizedPipeline(caller, "ListPipelineExecutions", request.pipelineName);
        const maxResults = request.maxResults ?? MAX_RESULTS;
        if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
            throw pipelineError("ValidationException", `maxResults must be between 1 and ${MAX_RESULTS}`);
        }
        const offset = request.nextToken === undefined ? 0 : readToken(request.nextToken);
        const page = pipeline.executions.slice(offset, offset + maxResults);
        const more = offset + maxResults < pipeline.executions.length;
        return {
            pipelineExecutionSummaries: page.map((execution) => this.summarize(execution)),
            ...(more ? { nextToken: Buffer.from(`executions:${offset + maxResults}`).toString("base64") } : {}),
        };
    }

    startExecution(caller: Caller, request: StartExecutionRequest): StartPipelineExecutionOutput {
        const pipeline = this.authorizedPipeline(caller, "StartPipelineExecution", request.name);
        const token = request.clientRequestToken;
        const earlier = token === undefined ? undefined : pipeline.executionsByToken.get(token);
        if (earlier !== undefined) return { pipelineExecutionId: earlier.executionId };
        this.executionCounter += 1;
        const execution: PipelineExecution = {
            pipelineName: pipeline.name,
            executionId: `${this.executionCounter.toString(16).padStart(8, "0")}-5e1f-4c2b-9a0d-3f6e7b8c9d0e`,
            startTime: this.timeline.now(),
            clientRequestToken: token,
            startedBy: caller.principalArn,
            startedByLabel: caller.label,
            restores: this.observeRestoredData(),
        };
        pipeline.executions.unshift(execution);
        if (token !== undefined) pipeline.executionsByToken.set(token, execution);
        return { pipelineExecutionId: execution.executionId };
    }

    /** Every execution of every pipeline that ever existed, oldest first. */
    allExecutions(): PipelineExecution[] {
        return this.pipelines.flatMap((pipeline) => pipeline.executions).sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
    }

    private live(name: string | undefined): Pipeline | undefined {
        return this.pipelines.find((pipeline) => pipeline.name === name && pipeline.deletedAt === undefined);
    }

    /** IAM is evaluated before the pipeline is looked up, as AWS does. */
    private authorizedPipeline(caller: Caller, action: string, name: string | undefined): Pipeline {
        const pipelineName = name ?? "";
        if (!caller.mayUsePipeline(pipelineName)) {
            throw pipelineError("AccessDeniedException",
                `User: ${caller.principalArn} is not authorized to perform: codepipeline:${action} on resource: ${pipelineName} because no identity-based policy allows the codepipeline:${action} action`);
        }
        const pipeline = this.live(pipelineName);
        if (pipeline === undefined) throw pipelineError("PipelineNotFoundException", `Pipeline with name '${pipelineName}' not found in account`);
        return pipeline;
    }

    private summarize(execution: PipelineExecution): PipelineExecutionSummary {
        const finishedAt = new Date(execution.startTime.getTime() + RUN_MINUTES * 60_000);
        const finished = this.timeline.nowMs() >= finishedAt.getTime();
        return {
            pipelineExecutionId: execution.executionId,
            status: finished ? "Succeeded" : "InProgress",
            startTime: execution.startTime,
            lastUpdateTime: finished ? finishedAt : execution.startTime,
            trigger: { triggerType: "StartPipelineExecution", triggerDetail: execution.startedBy },
            executionMode: "SUPERSEDED",
        };
    }
}

function readToken(token: string): number {
    const match = /^executions:(\d+)$/.exec(Buffer.from(token, "base64").toString("utf8"));
    if (!match) throw pipelineError("InvalidNextTokenException", "The next token was specified in an invalid format.");
    return Number(match[1]);
}
