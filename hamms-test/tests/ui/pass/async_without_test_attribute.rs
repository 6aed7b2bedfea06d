use hamms_test::prelude::*;

#[with_fault_server(fixture)]
async fn gets_tokio_test(server: FaultServer) {
    let _ = server;
}

fn main() {}
