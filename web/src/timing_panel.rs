//! Which backend ran and how long each stage took.

use yew::prelude::*;

use crate::engine::Backend;
use crate::state::Timings;

#[derive(Properties, PartialEq)]
pub struct TimingPanelProps {
    pub backend: Option<Backend>,
    pub timings: Timings,
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.1} ms"))
}

#[function_component(TimingPanel)]
pub fn timing_panel(props: &TimingPanelProps) -> Html {
    let t = &props.timings;
    let backend = props
        .backend
        .map_or_else(|| "choosing…".to_string(), |b| b.to_string());
    let later = format!(
        "{} (median of {})",
        ms(t.later_median_ms()),
        t.later_decode_ms.len()
    );
    html! {
        <dl class="timings" id="timings">
            <dt>{"backend"}</dt><dd id="backend">{backend}</dd>
            <dt>{"download"}</dt><dd id="t-download">{ms(t.download_ms)}</dd>
            <dt>{"init"}</dt><dd id="t-init">{ms(t.init_ms)}</dd>
            <dt>{"first decode"}</dt><dd id="t-first">{ms(t.first_decode_ms)}</dd>
            <dt>{"later decodes"}</dt><dd id="t-later">{later}</dd>
        </dl>
    }
}
