# grpcio (Python's gRPC, on grpc-core): one call per job, all at once; prints one cell per job
# as JSON. Messages are bytes (no serializer), as hamms sends empty ones.
import json, sys, threading
import grpc

setup = json.load(sys.stdin)
cells = [None] * len(setup["jobs"])


def run(index, job):
    channel = grpc.insecure_channel(job["target"])
    try:
        if job["stream"]:
            call = channel.unary_stream(job["method"])
            count = 0
            try:
                for _ in call(b"", timeout=setup["deadline"]):
                    count += 1
                cells[index] = {"code": "OK", "messages": count}
            except grpc.RpcError as error:
                cells[index] = {"code": error.code().name, "messages": count}
        else:
            call = channel.unary_unary(job["method"])
            try:
                call(b"\n\x05hello", timeout=setup["deadline"])
                cells[index] = {"code": "OK"}
            except grpc.RpcError as error:
                cells[index] = {"code": error.code().name}
    finally:
        channel.close()


threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(setup["jobs"])]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(cells))
