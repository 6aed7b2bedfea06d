//! How JSON values compare for the body matchers: equal (object keys in any order, arrays in
//! order or not), and included (a subset, as wiremock-rs's `body_partial_json`).

use serde_json::Value;

/// Whether `actual` equals `expected`. Objects compare as maps (key order never counts); arrays
/// element by element, or, with `any_order`, as multisets (each expected element paired with a
/// distinct equal one).
pub(crate) fn equal(expected: &Value, actual: &Value, any_order: bool) -> bool {
    compare(expected, actual, any_order, false)
}

/// Whether `expected` is included in `actual`: each key of an expected object is in the actual
/// one with an included value (more keys allowed); an expected array's elements are included
/// in the actual one's at the same index (more elements allowed); anything else is equal.
pub(super) fn included(expected: &Value, actual: &Value) -> bool {
    compare(expected, actual, false, true)
}

/// Whether `actual` matches `expected` as WireMock's `equalToJson` compares: equal, but with
/// `any_order` arrays match in any order (each expected element paired with a distinct actual
/// one), and with `extra` the actual value may have more members and more array elements.
pub(crate) fn compare(expected: &Value, actual: &Value, any_order: bool, extra: bool) -> bool {
    let sizes_fit = |e: usize, a: usize| if extra { e <= a } else { e == a };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            sizes_fit(e.len(), a.len())
                && e.iter()
                    .all(|(k, ev)| a.get(k).is_some_and(|av| compare(ev, av, any_order, extra)))
        }
        (Value::Array(e), Value::Array(a)) if any_order => {
            if !sizes_fit(e.len(), a.len()) {
                return false;
            }
            let mut unpaired: Vec<&Value> = a.iter().collect();
            e.iter().all(|ev| {
                let found = unpaired.iter().position(|av| compare(ev, av, true, extra));
                found.map(|i| unpaired.swap_remove(i)).is_some()
            })
        }
        (Value::Array(e), Value::Array(a)) => {
            sizes_fit(e.len(), a.len())
                && e.iter()
                    .zip(a)
                    .all(|(ev, av)| compare(ev, av, false, extra))
        }
        (Value::Number(e), Value::Number(a)) => numbers_equal(e, a),
        _ => expected == actual,
    }
}

/// `1` and `1.0` are the same number to a JSON reader.
fn numbers_equal(e: &serde_json::Number, a: &serde_json::Number) -> bool {
    e == a || matches!((e.as_f64(), a.as_f64()), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn key_order_never_counts_and_array_order_on_request() {
        let (e, a) = (json!({"a": 1, "b": [1, 2]}), json!({"b": [1, 2], "a": 1.0}));
        assert!(equal(&e, &a, false));
        let swapped = json!({"b": [2, 1], "a": 1});
        assert!(!equal(&e, &swapped, false));
        assert!(equal(&e, &swapped, true));
        assert!(!equal(&json!([1, 1, 2]), &json!([1, 2, 2]), true));
        assert!(!equal(&e, &json!({"a": 1, "b": [1, 2], "c": 3}), false));
    }

    #[test]
    fn inclusion_allows_more_keys_and_longer_arrays() {
        let actual = json!({"user": {"id": 7, "tags": ["a", "b"]}, "extra": true});
        assert!(included(&json!({"user": {"id": 7}}), &actual));
        assert!(included(&json!({"user": {"tags": ["a"]}}), &actual));
        assert!(!included(&json!({"user": {"tags": ["b"]}}), &actual));
        assert!(!included(&json!({"user": {"id": 8}}), &actual));
        assert!(!included(&json!({"missing": null}), &actual));
    }
}
