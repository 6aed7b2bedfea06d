// @grpc/grpc-js (Node's gRPC): one call per job, all at once; prints one cell per job as JSON.
// Messages are bytes (identity serializers), as hamms sends empty ones.
const grpc = require('@grpc/grpc-js');

const names = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));
// grpc-js reports some failures with an error that has no status code.
const nameOf = (error) => names[error.code] ?? 'an error without a code';
const identity = (bytes) => bytes;

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const setup = JSON.parse(input);
  const cells = await Promise.all(setup.jobs.map((job) => new Promise((resolve) => {
    const client = new grpc.Client(job.target, grpc.credentials.createInsecure());
    const deadline = new Date(Date.now() + setup.deadline * 1000);
    const done = (cell) => { client.close(); resolve(cell); };
    if (job.stream) {
      let messages = 0;
      const call = client.makeServerStreamRequest(job.method, identity, identity, Buffer.alloc(0),
        new grpc.Metadata(), { deadline });
      call.on('data', () => { messages += 1; });
      call.on('error', (error) => done({ code: nameOf(error), messages }));
      call.on('status', (status) => {
        if (status.code === grpc.status.OK) done({ code: 'OK', messages });
      });
    } else {
      client.makeUnaryRequest(job.method, identity, identity, Buffer.from('\n\x05hello'),
        new grpc.Metadata(), { deadline },
        (error) => done({ code: error ? nameOf(error) : 'OK' }));
    }
  })));
  process.stdout.write(JSON.stringify(cells));
});
