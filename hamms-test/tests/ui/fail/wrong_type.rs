use hamms_test::prelude::*;

#[with_fault_server(port = "status", status = "503")]
#[tokio::test]
async fn string_for_an_integer(server: FaultServer) {
    let _ = server;
}

fn main() {}
