use hamms_test::prelude::*;

#[with_fault_server(port = "status", status = 500, status = 503)]
#[tokio::test]
async fn a_parameter_given_twice(server: FaultServer) {
    let _ = server;
}

fn main() {}
