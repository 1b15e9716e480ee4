//! Page settings read from the URL, so a test or a shared link can pin them.

use crate::engine::Backend;

/// The export the page loads when `?weights=` does not name another (relative to the page).
pub const DEFAULT_WEIGHTS: &str = "weights/fashion-vae";

pub struct PageQuery {
    pub backend: Option<Backend>,
    pub seed: u64,
    pub weights: String,
}

impl PageQuery {
    /// `?backend=webgpu|cpu&seed=N&weights=<url>`; anything unparsable keeps its default.
    pub fn from_location() -> Self {
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
        let get = |key: &str| params.as_ref().and_then(|p| p.get(key));
        Self {
            backend: get("backend").as_deref().and_then(Backend::from_query),
            seed: get("seed").and_then(|s| s.parse().ok()).unwrap_or(0),
            weights: get("weights")
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| DEFAULT_WEIGHTS.into()),
        }
    }
}
