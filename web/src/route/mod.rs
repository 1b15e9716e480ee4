//! The page's activities, and the URL that records what is on screen so a view can be
//! shared and reloaded exactly.
//!
//! `page` holds the activities, `view` the typed settings and their defaults,
//! `limits` every setting's range (shared with the reducer) and `keys` the URL codec,
//! one entry per key. The page has one path and keeps its state in `?key=value`
//! pairs, so links work on any static host; Back and Forward move between activities
//! through the history entries `app` pushes.

mod keys;
pub mod limits;
mod page;
mod view;

pub use page::{Group, Page};
pub use view::{
    Endpoint, FaceModel, Keyword, LatentDraw, Lesson, Method, ProjectionSet, ProposalChoice,
    Sampler, Target, View, fair_die,
};

use crate::services::engine::Backend;

/// Settings from the URL that are not part of the view.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub view: View,
    pub backend: Option<Backend>,
    /// `?weights=`: an export to load into the page's model slot instead of the shipped one.
    pub weights: Option<String>,
}

impl Query {
    /// Reads `search` (`?page=morph&a=3...`); anything unparsable keeps its default.
    pub fn parse(search: &str) -> Self {
        let params = web_sys::UrlSearchParams::new_with_str(search).ok();
        let get = |key: &str| params.as_ref().and_then(|p| p.get(key));
        let mut view = View::default();
        if let Some(page) = get("page").as_deref().and_then(Page::from_id) {
            view.page = page;
        }
        for key in keys::KEYS {
            if let Some(value) = get(key.name) {
                // An unusable value leaves the default in place.
                let _ = (key.read)(&mut view, &value);
            }
        }
        Self {
            view,
            backend: get("backend").as_deref().and_then(Backend::from_query),
            weights: get("weights").filter(|w| !w.is_empty()),
        }
    }

    /// The query string (with `?`) for this state.
    pub fn to_search(&self) -> String {
        let default = View::default();
        let view = &self.view;
        let params = web_sys::UrlSearchParams::new().expect("URLSearchParams exists");
        params.append("page", view.page.id());
        if let Some(backend) = self.backend {
            params.append("backend", backend.query_value());
        }
        if let Some(weights) = &self.weights {
            params.append("weights", weights);
        }
        for key in keys::KEYS {
            let value = (key.write)(view);
            let shown = key.shown_on.contains(&view.page) && !value.is_empty();
            if shown || value != (key.write)(&default) {
                params.append(key.name, &value);
            }
        }
        format!("?{}", String::from(params.to_string()))
    }
}
