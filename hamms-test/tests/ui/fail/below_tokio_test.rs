use hamms_test::prelude::*;

#[tokio::test]
#[with_fault_server(port = "slow_drip")]
async fn wrong_order(server: FaultServer) {
    let _ = server;
}

fn main() {}
