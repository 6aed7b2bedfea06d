use hamms_test::prelude::*;

#[with_fault_server(port = "teapot_overflow")]
#[tokio::test]
async fn unknown(server: FaultServer) {
    let _ = server;
}

fn main() {}
