import { RDSClient } from "@aws-sdk/client-rds";
import { SSMClient } from "@aws-sdk/client-ssm";
import { HttpHandler, HttpRequest, HttpResponse } from "@smithy/core/protocols";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { expect } from "chai";
import { rdsSnapshotApi } from "../../../handlers/cluster-snapshots";
import { ssmParameterStore } from "../../../handlers/refresh/parameters";
import { UNSET_SNAPSHOT } from "../../../handlers/refresh/settings";
import { updateLatestSnapshots } from "../../../handlers/refresh/update-latest";
import { auroraSettings, PARAMETER, recordingLogger, REGION, refreshSettings, rejectionOf, snapshotArn, SOURCE_ACCOUNT } from "../support";

/**
 * aws-sdk-client-mock replaces `send`, and with it the SDK's retry middleware. These tests keep the whole client
 * and fake only the HTTP exchange, answering in each protocol's wire format, so the SDK's own error parsing and
 * retry strategy decide whether a throttled call is tried again.
 */

/**
 * A client configuration that reaches `requestHandler` instead of AWS, retrying with the SDK's standard strategy
 * with the backoff shortened to a millisecond so the suite stays fast.
 */
function offlineClientConfig(requestHandler: HttpHandler, maxAttempts: number) {
    return {
        region: REGION,
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
        maxAttempts,
        retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 1),
        requestHandler,
    };
}

const SHARED_ARN = snapshotArn(SOURCE_ACCOUNT, "orders-2024-05-05");

/** Answers each request with what `answer` returns for it, and keeps every request it saw. */
class ScriptedHttpHandler implements HttpHandler {
    readonly requests: HttpRequest[] = [];

    constructor(private readonly answer: (request: HttpRequest, index: number) => HttpResponse) {}

    async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
        this.requests.push(request);
        return { response: this.answer(request, this.requests.length - 1) };
    }

    updateHttpClientConfig(): void {}

    httpHandlerConfigs(): Record<string, never> {
        return {};
    }
}

function xmlResponse(statusCode: number, body: string): HttpResponse {
    return new HttpResponse({ statusCode, headers: { "content-type": "text/xml" }, body: Buffer.from(body) });
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
    return new HttpResponse({
        statusCode,
        headers: { "content-type": "application/x-amz-json-1.1", ...headers },
        body: Buffer.from(JSON.stringify(body)),
    });
}

/** The AWS query protocol's error document, as RDS sends it when it throttles. */
const RDS_THROTTLING = xmlResponse(
    400,
    "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>" +
        "<RequestId>5b2c0e8a-0000-4000-8000-000000000000</RequestId></ErrorResponse>",
);

const RDS_ONE_SHARED_SNAPSHOT = xmlResponse(
    200,
    `<DescribeDBClusterSnapshotsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBClusterSnapshotsResult>
    <DBClusterSnapshots>
      <DBClusterSnapshot>
        <DBClusterSnapshotIdentifier>${SHARED_ARN}</DBClusterSnapshotIdentifier>
        <DBClusterSnapshotArn>${SHARED_ARN}</DBClusterSnapshotArn>
        <DBClusterIdentifier>orders</DBClusterIdentifier>
        <Engine>aurora-postgresql</Engine>
        <Status>available</Status>
        <SnapshotCreateTime>2024-05-05T03:00:00.000Z</SnapshotCreateTime>
        <SnapshotType>manual</SnapshotType>
        <StorageEncrypted>false</StorageEncrypted>
      </DBClusterSnapshot>
    </DBClusterSnapshots>
  </DescribeDBClusterSnapshotsResult>
  <ResponseMetadata><RequestId>7d1e2f3a-0000-4000-8000-000000000000</RequestId></ResponseMetadata>
</DescribeDBClusterSnapshotsResponse>`,
);

/** The JSON 1.1 protocol's error, as SSM sends it when it throttles. */
const SSM_THROTTLING = jsonResponse(
    400,
    { __type: "ThrottlingException", message: "Rate exceeded" },
    { "x-amzn-errortype": "ThrottlingException" },
);

/** RDS sends a form-encoded string, SSM a JSON byte array. */
function bodyText(request: HttpRequest): string {
    const body: unknown = request.body;
    return body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);
}

/** GetParameters' answer while Aurora's snapshot parameters still hold the value Pulumi created them with. */
function ssmUnsetParameters(): HttpResponse {
    return jsonResponse(200, {
        Parameters: [
            { Name: PARAMETER.auroraLatest, Value: UNSET_SNAPSHOT, Type: "String" },
            { Name: PARAMETER.auroraCurrent, Value: UNSET_SNAPSHOT, Type: "String" },
        ],
        InvalidParameters: [],
    });
}

function rdsAction(request: HttpRequest): string | null {
    return new URLSearchParams(bodyText(request)).get("Action");
}

/** The SDK's retry middleware numbers the attempts of one call. */
function attempt(request: HttpRequest): string | undefined {
    return request.headers["amz-sdk-request"];
}

function ssmOperation(request: HttpRequest): string | undefined {
    return request.headers["x-amz-target"];
}

describe("throttling, retried by the SDK's own retry strategy", () => {
    const settings = refreshSettings({ engines: [auroraSettings()] });

    it("retries throttled RDS and SSM calls until they succeed, and the update completes", async () => {
        const rds = new ScriptedHttpHandler((_request, index) => (index < 2 ? RDS_THROTTLING : RDS_ONE_SHARED_SNAPSHOT));
        const ssm = new ScriptedHttpHandler((request, index) => {
            if (index === 0) return SSM_THROTTLING;
            return ssmOperation(request) === "AmazonSSM.GetParameters" ? ssmUnsetParameters() : jsonResponse(200, { Version: 2, Tier: "Standard" });
        });
        const aurora = rdsSnapshotApi(new RDSClient(offlineClientConfig(rds, 4)));
        const parameters = ssmParameterStore(new SSMClient(offlineClientConfig(ssm, 4)));
        const logger = recordingLogger();

        const summary = await updateLatestSnapshots(settings, { listing: aurora, snapshots: () => aurora, parameters, log: logger.log });

        expect(summary.engines[0].latestAfter).to.equal(SHARED_ARN);
        expect(rds.requests.map((request) => [rdsAction(request), attempt(request)])).to.deep.equal([
            ["DescribeDBClusterSnapshots", "attempt=1; max=4"],
            ["DescribeDBClusterSnapshots", "attempt=2; max=4"],
            ["DescribeDBClusterSnapshots", "attempt=3; max=4"],
        ]);
        expect(new URLSearchParams(bodyText(rds.requests[2])).get("SnapshotType")).to.equal("shared");
        expect(ssm.requests.map((request) => [ssmOperation(request), attempt(request)])).to.deep.equal([
            ["AmazonSSM.GetParameters", "attempt=1; max=4"],
            ["AmazonSSM.GetParameters", "attempt=2; max=4"],
            ["AmazonSSM.PutParameter", "attempt=1; max=4"],
        ]);
        expect(JSON.parse(bodyText(ssm.requests[2]))).to.deep.equal({
            Name: PARAMETER.auroraLatest,
            Value: SHARED_ARN,
            Type: "String",
            Overwrite: true,
        });
    });

    it("gives up after maxAttempts and fails the run as TransientAwsError, for the refresh cycle to retry later", async () => {
        const rds = new ScriptedHttpHandler(() => RDS_THROTTLING);
        const ssm = new ScriptedHttpHandler(ssmUnsetParameters);
        const aurora = rdsSnapshotApi(new RDSClient(offlineClientConfig(rds, 3)));
        const parameters = ssmParameterStore(new SSMClient(offlineClientConfig(ssm, 3)));
        const logger = recordingLogger();

        const error = await rejectionOf(updateLatestSnapshots(settings, { listing: aurora, snapshots: () => aurora, parameters, log: logger.log }));

        expect(rds.requests.map(attempt)).to.deep.equal(["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]);
        expect(error.name).to.equal("TransientAwsError");
        expect(error.message).to.match(/^db-update-latest-snapshot-id failed for aurora: AWS throttled or could not answer \(Throttling: Rate exceeded\)\./);
        expect(ssm.requests.map(ssmOperation)).to.deep.equal(["AmazonSSM.GetParameters"]);
    });
});
