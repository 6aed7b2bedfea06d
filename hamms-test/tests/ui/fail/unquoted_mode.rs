use hamms_test::prelude::*;

#[with_fault_server(port = slow_drip)]
#[tokio::test]
async fn a_mode_without_quotes(server: FaultServer) {
    let _ = server;
}

fn main() {}
