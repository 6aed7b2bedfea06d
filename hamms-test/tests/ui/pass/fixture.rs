use hamms_test::prelude::*;

#[with_fault_server(fixture)]
#[tokio::test]
async fn plain(server: FaultServer) {
    server.respond_with(Response::status(201));
}

#[with_fault_server(fixture, tls)]
#[tokio::test]
async fn over_tls(url: String) {
    let _ = url;
}

fn main() {}
