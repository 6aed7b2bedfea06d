use hamms_test::prelude::*;

#[with_fault_server(fixture)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_thread(server: FaultServer) {
    let _ = server;
}

#[with_fault_server(fixture)]
#[tokio::test]
async fn returns_a_result(server: FaultServer) -> Result<(), String> {
    let _ = server;
    Ok(())
}

fn main() {}
