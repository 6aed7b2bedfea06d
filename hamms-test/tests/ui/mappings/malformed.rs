use hamms_test::prelude::*;

// The mapping file names `urlpath`, a near miss of `urlPath`: the test does not compile.
#[with_fault_server(fixture, mappings = "ui-mappings")]
fn loads_a_malformed_mapping(server: FaultServer) {
    let _ = server;
}

fn main() {}
