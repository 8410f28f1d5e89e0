import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { awsErrorName } from "./errors";

export interface CycleExecutions {
    /**
     * Starts the execution `name` of the state machine with an empty input. A name that is taken (the cycle ran,
     * or Scheduler delivered its firing twice) starts nothing and says so.
     */
    start(stateMachineArn: string, name: string): Promise<{ executionArn: string } | "name-taken">;
}

export function stepFunctionsExecutions(client: SFNClient): CycleExecutions {
    return {
        async start(stateMachineArn, name) {
            try {
                const response = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: "{}" }));
                if (!response.executionArn) throw new Error("Step Functions returned no execution ARN");
                return { executionArn: response.executionArn };
            } catch (error) {
                if (awsErrorName(error) === "ExecutionAlreadyExists") return "name-taken";
                if (awsErrorName(error) === "StateMachineDoesNotExist") {
                    throw new Error(`state machine ${stateMachineArn} does not exist: it is deployed by this function's snapshot-refresh component; run pulumi up.`, { cause: error });
                }
                throw error;
            }
        },
    };
}
