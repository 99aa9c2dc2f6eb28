//! Order numbers: a Durable Object hands out 1001, 1002, … with no gaps reused and no duplicates.

use worker::{durable_object, DurableObject, Env, Method, Request, Response, Result, State};

const FIRST_ORDER_NUMBER: u64 = 1001;

#[durable_object]
pub struct OrderSequence {
    state: State,
}

impl DurableObject for OrderSequence {
    fn new(state: State, _env: Env) -> Self {
        OrderSequence { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.method() != Method::Post {
            return Response::error("method not allowed", 405);
        }
        let storage = self.state.storage();
        let next = storage.get::<u64>("next").await?.unwrap_or(FIRST_ORDER_NUMBER);
        storage.put("next", next + 1).await?;
        Response::from_json(&next)
    }
}

pub async fn next_order_number(env: &Env) -> std::result::Result<u64, crate::error::ApiError> {
    super::do_call::<(), u64>(env, "ORDER_SEQUENCE", "orders", Method::Post, "/next", None).await
}
