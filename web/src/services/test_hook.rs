//! Exposes every finished decode on `window.latentlab` so browser tests can compare
//! the page's raw floats with a native decode (a canvas only keeps 8-bit pixels) and
//! count decodes per activity: `{backend, decodes: {activity: n}, last: {activity:
//! {z, pixels, ms, backend}}, ms: {activity: [ms...]}, constructorRuns,
//! addressPending}` (`addressPending`: a settings change not yet in the URL).

use std::sync::atomic::Ordering;

use js_sys::{Array, Float32Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::services::engine::Backend;

fn child(parent: &JsValue, key: &str) -> JsValue {
    match Reflect::get(parent, &key.into()) {
        Ok(value) if value.is_object() => value,
        _ => {
            let value: JsValue = Object::new().into();
            let _ = Reflect::set(parent, &key.into(), &value);
            value
        }
    }
}

/// Whether the URL still waits for a settings change (`hooks::address`), so a test
/// reads the URL once it holds the view.
pub fn publish_address_pending(pending: bool) {
    if let Some(window) = web_sys::window() {
        let root = child(&window, "latentlab");
        let _ = Reflect::set(&root, &"addressPending".into(), &JsValue::from(pending));
    }
}

pub fn publish_decode(activity: &str, backend: Backend, z: &[f32], pixels: &[f32], ms: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let root = child(&window, "latentlab");
    let set = |target: &JsValue, key: &str, value: JsValue| {
        let _ = Reflect::set(target, &key.into(), &value);
    };
    set(&root, "backend", backend.query_value().into());
    set(
        &root,
        "constructorRuns",
        JsValue::from(crate::CONSTRUCTOR_RUNS.load(Ordering::Relaxed)),
    );
    let decodes = child(&root, "decodes");
    let count = Reflect::get(&decodes, &activity.into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    set(&decodes, activity, JsValue::from_f64(count + 1.0));
    let record = Object::new();
    set(&record, "backend", backend.query_value().into());
    set(&record, "z", Float32Array::from(z).into());
    set(&record, "pixels", Float32Array::from(pixels).into());
    set(&record, "ms", JsValue::from_f64(ms));
    set(&child(&root, "last"), activity, record.into());
    let times = child(&root, "ms");
    // The array itself, not `Array::from` (JavaScript's `Array.from`, a copy): the
    // times of every decode must accumulate, not only the first.
    let list = match Reflect::get(&times, &activity.into()) {
        Ok(value) if Array::is_array(&value) => value.unchecked_into::<Array>(),
        _ => {
            let list = Array::new();
            set(&times, activity, list.clone().into());
            list
        }
    };
    list.push(&JsValue::from_f64(ms));
}
