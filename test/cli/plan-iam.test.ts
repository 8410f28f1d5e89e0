import { expect } from "chai";
import { documentTitle, policyDocuments, statementTable } from "../../cli/plan-iam";
import { PlannedResource } from "../../cli/plan-program";

function resource(type: string, name: string, inputs: Record<string, unknown>): PlannedResource {
    return { type, name, inputs, custom: true, physicalName: typeof inputs.name === "string" ? inputs.name : `${name}-xxxxxxx`, key: `${type}::${name}`, ignoreChanges: [] };
}

describe("the plan's IAM statements", () => {
    const role = resource("aws:iam/role:Role", "runner-role", {
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" } }),
        inlinePolicies: [{ name: "extra", policy: JSON.stringify({ Statement: [{ Effect: "Deny", NotAction: ["s3:GetObject"], NotResource: "arn:aws:s3:::mine/*" }] }) }],
        description: "not a policy",
    });
    const rolePolicy = resource("aws:iam/rolePolicy:RolePolicy", "runner-policy", {
        role: "runner-role-xxxxxxx",
        policy: JSON.stringify({ Statement: [{ Sid: "Publish", Effect: "Allow", Action: ["cloudwatch:PutMetricData"], Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "SnapshotRefresh" }, Bool: { "aws:SecureTransport": ["true"] } } }] }),
    });
    const documents = policyDocuments([role, rolePolicy]);

    it("finds every policy document, however deep in the inputs, and only those", () => {
        expect(documents.map((document) => `${document.resource.name} ${document.path} ${document.statements.length}`)).to.deep.equal([
            "runner-role assumeRolePolicy 1",
            "runner-role inlinePolicies[0].policy 1",
            "runner-policy policy 1",
        ]);
    });

    it("titles each by what it is for", () => {
        expect(documents.map((document) => documentTitle(document, [role, rolePolicy]))).to.deep.equal([
            "Trust policy of role `runner-role-xxxxxxx`: who may assume it",
            "`inlinePolicies[0].policy` of `aws:iam/role:Role` `runner-role`",
            "Inline policy `runner-policy` of role `runner-role-xxxxxxx`",
        ]);
    });

    it("writes a statement a row: Sid, Effect, Principal where any has one, negations, and every condition", () => {
        expect(statementTable(documents[0].statements)).to.deep.equal([
            "| # | Effect | Principal | Action | Resource | Condition |",
            "| --- | --- | --- | --- | --- | --- |",
            "| 1 | Allow | Service: `lambda.amazonaws.com` | `sts:AssumeRole` |  |  |",
        ]);
        expect(statementTable(documents[1].statements)[2]).to.equal("| 1 | Deny | all but:<br>`s3:GetObject` | all but:<br>`arn:aws:s3:::mine/*` |  |");
        expect(statementTable(documents[2].statements)[2]).to.equal(
            "| 1 Publish | Allow | `cloudwatch:PutMetricData` | `*` | StringEquals `cloudwatch:namespace` = `SnapshotRefresh`<br>Bool `aws:SecureTransport` = `true` |");
    });
});
