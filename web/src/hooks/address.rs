//! The address bar follows the view: a new activity is a new history entry at once; a
//! changed setting rewrites the current entry once the settings have rested for
//! [`SETTLE_MS`].
//!
//! Why not on every change: each `history.replaceState` costs the browser process
//! several milliseconds (Chromium's trace of a morph step: 5-7 ms on its main thread,
//! then a frame of its own), on the other core while the page decodes, and Chromium
//! ignores history calls past about 200 in 10 seconds, which dragging a slider for a
//! few seconds reaches.

use std::cell::RefCell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::app::location_search;
use crate::route::Query;
use crate::services::test_hook::publish_address_pending;

/// How long settings must rest before the URL is rewritten.
const SETTLE_MS: i32 = 300;

/// A rewrite of the current entry that waits for the settings to rest (one per page:
/// the page has one address bar).
#[derive(Default)]
struct Pending {
    search: Option<String>,
    timer: Option<(i32, Closure<dyn Fn()>)>,
}

impl Pending {
    fn cancel(&mut self) {
        if let (Some((id, _)), Some(window)) = (self.timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(id);
        }
        if self.search.take().is_some() {
            publish_address_pending(false);
        }
    }
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::default();
}

/// Writes a waiting rewrite now: before the page reloads itself (`reload_on_webgpu`),
/// which reads the URL.
pub fn flush() {
    let search = PENDING.with(|p| {
        let mut pending = p.borrow_mut();
        let search = pending.search.clone();
        pending.cancel();
        search
    });
    if let Some(search) = search {
        replace(&search);
    }
}

fn replace(search: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(search));
    }
}

/// Keeps the URL in step with `query`.
#[hook]
pub fn use_address_bar(query: Query) {
    use_effect_with(query, move |query| {
        let search = query.to_search();
        let shown = location_search();
        let Some(window) = web_sys::window() else {
            return;
        };
        if Query::parse(&shown).view.page != query.view.page {
            // The entry being left keeps its last settings, then the new activity
            // gets an entry of its own, so Back returns to exactly what was shown.
            flush();
            if let Ok(history) = window.history() {
                let _ = history.push_state_with_url(&JsValue::NULL, "", Some(&search));
            }
            return;
        }
        // This view replaces any rewrite still waiting; after Back or Forward (the URL
        // already holds this view) that drops a rewrite meant for the entry left.
        PENDING.with(|p| p.borrow_mut().cancel());
        if shown == search {
            return;
        }
        let fire = Closure::<dyn Fn()>::new(|| {
            let search = PENDING.with(|p| p.borrow_mut().search.take());
            if let Some(search) = search {
                replace(&search);
                publish_address_pending(false);
            }
        });
        if let Ok(id) = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            fire.as_ref().unchecked_ref(),
            SETTLE_MS,
        ) {
            PENDING.with(|p| {
                let mut pending = p.borrow_mut();
                pending.search = Some(search);
                pending.timer = Some((id, fire));
            });
            publish_address_pending(true);
        }
    });
}
