import { createRestoreHandler, createStarterHandler, createUpdateHandler } from "../../handlers/lambda";
import { describeHandlerScenarios } from "./lambda-scenarios";

describe("Lambda entry points", () => {
    describeHandlerScenarios({ update: createUpdateHandler, restore: createRestoreHandler, starter: createStarterHandler });
});
