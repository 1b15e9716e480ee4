//! The hooks components share: the page state without depending on the shell.

pub mod address;
pub mod decoder;
pub mod interval;

use yew::prelude::*;

use crate::state::AppState;

/// Every component reaches the state and its dispatcher through this context, which
/// `App` provides.
pub type AppHandle = UseReducerHandle<AppState>;

/// The page's state and dispatcher, for any component under `App` (one place for the
/// context lookup instead of one per component).
#[hook]
pub fn use_app() -> AppHandle {
    use_context::<AppHandle>().expect("every component is rendered inside App")
}
