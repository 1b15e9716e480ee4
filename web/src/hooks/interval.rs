//! A timer for pages that animate (the die's throws, the live GAN's training).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// Calls `tick` every `ms` while `running`.
#[hook]
pub fn use_interval(running: bool, ms: i32, tick: Callback<()>) {
    use_effect_with(running, move |running| {
        let window = web_sys::window();
        let handle = running.then(|| {
            let closure = Closure::<dyn Fn()>::new(move || tick.emit(()));
            let id = window.as_ref().and_then(|w| {
                w.set_interval_with_callback_and_timeout_and_arguments_0(
                    closure.as_ref().unchecked_ref(),
                    ms,
                )
                .ok()
            });
            (closure, id)
        });
        move || {
            if let (Some((_closure, Some(id))), Some(w)) = (handle, web_sys::window()) {
                w.clear_interval_with_handle(id);
            }
        }
    });
}
