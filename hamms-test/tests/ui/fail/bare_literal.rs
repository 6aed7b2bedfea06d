use hamms_test::prelude::*;

#[with_fault_server("slow_drip")]
#[tokio::test]
async fn a_mode_without_its_key(server: FaultServer) {
    let _ = server;
}

fn main() {}
