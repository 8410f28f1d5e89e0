import { createRefreshStarterHandler, createRestoreHandler, createUpdateHandler } from "../../handlers/refresh/lambda";
import { describeHandlerScenarios } from "./lambda-scenarios";

describe("Lambda entry points", () => {
    describeHandlerScenarios({ update: createUpdateHandler, restore: createRestoreHandler, starter: createRefreshStarterHandler });
});
