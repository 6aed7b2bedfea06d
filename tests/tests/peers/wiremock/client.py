# WireMock's Python client (PyPI `wiremock`), as its users drive a WireMock server: mappings,
# the request journal, near misses, scenarios, settings and reset, against the server whose
# admin URL is argv[1]. Each step prints one line `name: value`; the Rust test reads them.
import sys
import time
import urllib.request

from wiremock.client import (
    HttpMethods,
    Mapping,
    MappingRequest,
    MappingResponse,
    Mappings,
    NearMissMatchPatternRequest,
    NearMisses,
    Requests,
    Scenarios,
    GlobalSetting,
    GlobalSettings,
)
from wiremock.constants import Config

Config.base_url = sys.argv[1]
base = sys.argv[1].rsplit("/__admin", 1)[0]


def step(name, value):
    print(f"{name}: {value}", flush=True)


def get(path, data=None, method=None):
    request = urllib.request.Request(base + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


created = Mappings.create_mapping(
    Mapping(
        priority=100,
        request=MappingRequest(method=HttpMethods.GET, url="/hello"),
        response=MappingResponse(status=200, body="hi"),
        persistent=False,
    )
)
step("created id", len(created.id))
step("hello", get("/hello"))

listed = Mappings.retrieve_all_mappings()
step("listed", listed.meta.total)
step("retrieved url", Mappings.retrieve_mapping(created.id).request.url)

created.response = MappingResponse(status=201, body="hi again")
updated = Mappings.update_mapping(created)
step("updated status", updated.response.status)
step("hello again", get("/hello"))

step("missing", get("/missing")[0])
journal = Requests.get_all_received_requests()
step("journal", journal.meta.total)
first = journal.requests[0]
step("journal newest url", first.request.url)
step("journal entry", Requests.get_request(first.id).request.url)
count = Requests.get_matching_request_count(NearMissMatchPatternRequest(method=HttpMethods.GET, url="/hello"))
step("count", count.count)
found = Requests.get_matching_requests(NearMissMatchPatternRequest(method=HttpMethods.GET, url="/hello"))
step("found", len(found.requests))
unmatched = Requests.get_unmatched_requests()
step("unmatched", [r.url for r in unmatched.requests])
near = Requests.get_unmatched_requests_near_misses()
step("near miss", [near.near_misses[0].request.url, near.near_misses[0].match_result.distance > 0])
pattern_near = NearMisses.find_nearest_misses_by_request_pattern(
    NearMissMatchPatternRequest(method=HttpMethods.GET, url="/hellp")
)
step("pattern near miss", pattern_near.near_misses[0].request.url)

Mappings.create_mapping(
    Mapping(
        request=MappingRequest(method=HttpMethods.GET, url="/state"),
        response=MappingResponse(status=200, body="first"),
        scenario_name="flow",
        required_scenario_state="Started",
        new_scenario_state="second",
    )
)
Mappings.create_mapping(
    Mapping(
        request=MappingRequest(method=HttpMethods.GET, url="/state"),
        response=MappingResponse(status=200, body="second"),
        scenario_name="flow",
        required_scenario_state="second",
    )
)
step("scenario", [get("/state")[1], get("/state")[1]])
Scenarios.reset_all_scenarios()
step("scenario after reset", get("/state")[1])

# WireMock answers this call with an empty body, which this client then fails to read as JSON:
# the settings are taken all the same (hamms answers as WireMock does).
try:
    GlobalSettings.update_global_settings(GlobalSetting(fixed_delay=200))
except ValueError:
    pass
started = time.monotonic()
step("delayed", [get("/hello")[0], time.monotonic() - started >= 0.2])

Mappings.delete_mapping(created.id)
step("after delete", get("/hello")[0])
Requests.reset_request_journal()
step("journal after reset", Requests.get_all_received_requests().meta.total)
Mappings.delete_all_mappings()
step("mappings after delete all", Mappings.retrieve_all_mappings().meta.total)
Mappings.reset_mappings()
step("done", "yes")
