# What Python's urllib reports for each job, as users call it: urlopen(url, timeout=...) and
# read() (through an opener that trusts the test CA and ignores proxy variables). Jobs come as JSON on stdin
# ({"timeout": s, "deadline": s, "cafile": path, "upload": n, "jobs": [{"url": u, "upload": b}]});
# one JSON outcome per job goes to stdout, in order. Jobs run at once, each on a thread; a job
# still running at the deadline is reported as such (urllib's timeout is per socket operation,
# so a body that keeps coming never times out), and the process leaves without waiting for it.
import concurrent.futures
import json
import os
import ssl
import sys
import urllib.error
import urllib.request


def name(error):
    """The class, and for an SSL error what OpenSSL said: `SSLError: WRONG_VERSION_NUMBER`."""
    detail = getattr(error, "verify_message", None) or getattr(error, "reason", None)
    if isinstance(error, ssl.SSLError) and detail:
        return f"{type(error).__name__}: {detail}"
    return type(error).__name__


def reason(error):
    inner = error.reason
    return name(inner) if isinstance(inner, BaseException) else str(inner)


def run(job, setup, opener):
    data = b"x" * setup["upload"] if job["upload"] else None
    request = urllib.request.Request(job["url"], data=data)
    try:
        response = opener.open(request, timeout=setup["timeout"])
    except urllib.error.HTTPError as error:
        return {"failed": f"HTTPError {error.code}"}
    except urllib.error.URLError as error:
        return {"failed": f"URLError({reason(error)})"}
    except Exception as error:
        return {"failed": name(error)}
    with response:
        try:
            response.read()
        except Exception as error:
            return {"status": response.status, "then": name(error)}
    return {"status": response.status}


def main():
    setup = json.load(sys.stdin)
    context = ssl.create_default_context(cafile=setup["cafile"])
    # urlopen's handlers (redirects, HTTP errors), with the test CA and no proxy from the
    # environment: the servers are on loopback.
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(setup["jobs"]))
    futures = [pool.submit(run, job, setup, opener) for job in setup["jobs"]]
    concurrent.futures.wait(futures, timeout=setup["deadline"])
    outcomes = [f.result() if f.done() else {"waiting": True} for f in futures]
    sys.stdout.write(json.dumps(outcomes))
    sys.stdout.flush()
    # Threads still reading would keep the process alive.
    os._exit(0)


main()
