use hamms_test::prelude::*;

#[with_fault_server(port = "status", status = 418)]
fn blocking_client(url: String) {
    let _ = url;
}

#[with_fault_server(fixture)]
#[test]
fn with_its_own_test_attribute(server: FaultServer) {
    let _ = server;
}

fn main() {}
