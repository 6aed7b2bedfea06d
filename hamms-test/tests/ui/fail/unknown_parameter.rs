use hamms_test::prelude::*;

#[with_fault_server(port = "slow_drip", interval = 20)]
#[tokio::test]
async fn unknown_parameter(server: FaultServer) {
    let _ = server;
}

fn main() {}
