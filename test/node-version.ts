/**
 * The tests run on Node.js 22, the functions' runtime; aws-local-stepfunctions needs it too. On an older node
 * they would fail one by one and obscurely: stop at once, saying how to get Node 22.
 */
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
    console.error(`The tests need Node.js 22 or later (this is ${process.version}). In bash: source .ci/node22.sh, then npm test.`);
    process.exit(1);
}
