use hamms_test::prelude::*;

#[with_fault_server(port = "status", fixture)]
#[tokio::test]
async fn two_servers_in_one(server: FaultServer) {
    let _ = server;
}

fn main() {}
