use hamms_test::prelude::*;

#[with_fault_server(fixture)]
#[tokio::test]
async fn nowhere_to_put_it() {}

fn main() {}
