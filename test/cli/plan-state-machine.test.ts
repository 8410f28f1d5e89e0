import { expect } from "chai";
import { mermaidDiagram, plainText } from "../../cli/plan-state-machine";

/** Every state type and choice rule the renderer reads, with the States Language's defaults left out where it allows. */
const DEFINITION = {
    StartAt: "Route",
    TimeoutSeconds: 7200,
    States: {
        Route: {
            Type: "Choice",
            Choices: [
                { And: [{ Variable: "$.count", NumericGreaterThanEquals: 3 }, { Not: { Variable: "$.name", StringMatches: "tmp-*" } }], Next: "Fan out" },
                { Or: [{ Variable: "$.flag", BooleanEquals: true }, { Variable: "$.limit", NumericLessThanPath: "$.count" }], Next: "Pause" },
                { Variable: "$.skip", IsPresent: false, Next: "Each" },
            ],
            Default: "Broken",
        },
        "Fan out": {
            Type: "Parallel",
            Branches: [
                { StartAt: "Left", States: { Left: { Type: "Pass", Result: { side: "left" }, End: true } } },
                { StartAt: "Right", States: { Right: { Type: "Succeed" } } },
            ],
            Retry: [{ ErrorEquals: ["States.ALL"] }],
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Broken" }],
            Next: "Pause",
        },
        Pause: { Type: "Wait", Seconds: 600, Next: "Each" },
        Each: {
            Type: "Map",
            ItemsPath: "$.items",
            MaxConcurrency: 2,
            ItemProcessor: { StartAt: "Work", States: { Work: { Type: "Task", Resource: "arn:aws:lambda:eu-west-1:111111111111:function:work", TimeoutSeconds: 60, End: true } } },
            End: true,
        },
        Broken: { Type: "Fail", Error: "Broken", Cause: "no route" },
    },
};

describe("the plan's state machine drawings", () => {
    it("draws Mermaid with every transition, its condition, and nested branches as composite states", () => {
        expect(mermaidDiagram(JSON.stringify(DEFINITION)).split("\n")).to.deep.equal([
            "stateDiagram-v2",
            "    [*] --> Route",
            // Mermaid reads #62; as > and #60; as <, which would otherwise open HTML.
            "    Route --> Fan_out: ($.count #62;= 3 and not $.name matches 'tmp-*')",
            "    Route --> Pause: ($.flag = true or $.limit #60; $.count)",
            "    Route --> Each: $.skip is not present",
            "    Route --> Broken: otherwise",
            "    state \"Fan out\" as Fan_out",
            "    state Fan_out {",
            "        [*] --> Fan_out_0_Left",
            "        state \"Left\" as Fan_out_0_Left",
            "        Fan_out_0_Left --> [*]",
            "        --",
            "        [*] --> Fan_out_1_Right",
            "        state \"Right\" as Fan_out_1_Right",
            "        Fan_out_1_Right --> [*]",
            "    }",
            "    Fan_out --> Broken: catch States.ALL",
            "    Fan_out --> Pause",
            "    Pause --> Each",
            "    state Each {",
            "        [*] --> Each_0_Work",
            "        state \"Work\" as Each_0_Work",
            "        Each_0_Work --> [*]",
            "    }",
            "    Each --> [*]",
            "    Broken --> [*]: fails",
        ]);
    });

    it("escapes what would end a Mermaid label", () => {
        const definition = { StartAt: "A", States: { A: { Type: "Choice", Choices: [{ Variable: "$.at", TimestampEquals: "2026-12-06T01:00:00Z", Next: "B" }] }, B: { Type: "Succeed" } } };
        expect(mermaidDiagram(definition)).to.contain("    A --> B: $.at = '2026-12-06T01#58;00#58;00Z'");
    });

    it("writes the states out with what they run, their retries (defaults included), catches and transitions", () => {
        expect(plainText(DEFINITION).split("\n")).to.deep.equal([
            "Starts at Route; an execution times out after 2 h.",
            "",
            "Route (Choice)",
            "    if ($.count >= 3 and not $.name matches 'tmp-*') -> Fan out",
            "    if ($.flag = true or $.limit < $.count) -> Pause",
            "    if $.skip is not present -> Each",
            "    otherwise -> Broken",
            "Fan out (Parallel)",
            "    retries States.ALL: up to 3 times, 1 s then x2 each time",
            "    on States.ALL -> Broken",
            "    then -> Pause",
            "    branch 1, starting at Left:",
            "        Left (Pass)",
            "            result {\"side\":\"left\"}",
            "            then the execution ends",
            "    branch 2, starting at Right:",
            "        Right (Succeed)",
            "Pause (Wait)",
            "    waits 10 min",
            "    then -> Each",
            "Each (Map)",
            "    for each item of $.items, at most 2 at a time",
            "    then the execution ends",
            "    branch 1, starting at Work:",
            "        Work (Task)",
            "            runs arn:aws:lambda:eu-west-1:111111111111:function:work, timing out after 1 min",
            "            then the execution ends",
            "Broken (Fail)",
            "    fails with the error Broken",
            "    and the cause no route",
        ]);
    });

    it("refuses a definition without states", () => {
        expect(() => plainText("{}")).to.throw(/no States/);
    });
});
