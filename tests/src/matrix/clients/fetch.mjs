// What Node's fetch reports for each job, as users call it: fetch(url, {signal:
// AbortSignal.timeout(ms)}) and arrayBuffer(). The test CA comes in NODE_EXTRA_CA_CERTS. Jobs
// come as JSON on stdin ({"timeout": s, "deadline": s, "upload": n, "jobs": [{"url": u,
// "upload": b}]}); one JSON outcome per job goes to stdout, in order.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const setup = JSON.parse(Buffer.concat(chunks).toString());

// The error's name, and its cause's code (or, without one, its message).
function name(error) {
  const cause = error?.cause?.code ?? error?.cause?.message;
  return cause ? `${error.name} (${cause})` : error.name;
}

async function run(job) {
  const options = { signal: AbortSignal.timeout(setup.timeout * 1000) };
  if (job.upload) {
    options.method = "POST";
    options.body = "x".repeat(setup.upload);
  }
  let response;
  try {
    response = await fetch(job.url, options);
  } catch (error) {
    return { failed: name(error) };
  }
  try {
    await response.arrayBuffer();
  } catch (error) {
    return { status: response.status, then: name(error) };
  }
  return { status: response.status };
}

const waiting = { waiting: true };
const deadline = new Promise((resolve) => setTimeout(resolve, setup.deadline * 1000));
const outcomes = await Promise.all(
  setup.jobs.map((job) => Promise.race([run(job), deadline.then(() => waiting)])),
);
process.stdout.write(JSON.stringify(outcomes), () => process.exit(0));
