use hamms_test::prelude::*;

#[with_fault_server(port = "slow_drp")]
#[tokio::test]
async fn typo(server: FaultServer) {
    let _ = server;
}

fn main() {}
