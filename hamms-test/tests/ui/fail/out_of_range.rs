use hamms_test::prelude::*;

#[with_fault_server(port = "status", status = 1000)]
#[tokio::test]
async fn status_out_of_range(server: FaultServer) {
    let _ = server;
}

fn main() {}
