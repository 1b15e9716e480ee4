//! Which backend ran and how long the last decodes took.

use yew::prelude::*;

use crate::services::engine::Backend;
use crate::state::Timing;

#[derive(Properties, PartialEq)]
pub struct TimingPanelProps {
    pub backend: Option<Backend>,
    pub timing: Timing,
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.1} ms"))
}

#[function_component(TimingPanel)]
pub fn timing_panel(props: &TimingPanelProps) -> Html {
    let t = &props.timing;
    let backend = props
        .backend
        .map_or_else(|| "choosing…".to_string(), |b| b.to_string());
    let median = format!("{} (of {})", ms(t.median_ms()), t.recent_ms.len());
    html! {
        <dl class="timings" id="timings" aria-label="timing">
            <dt>{"backend"}</dt><dd id="backend">{backend}</dd>
            <dt>{"last decode"}</dt><dd id="last-ms">{ms(t.last_ms)}</dd>
            <dt>{"of"}</dt><dd id="last-activity">{t.activity}</dd>
            <dt>{"median"}</dt><dd id="median-ms">{median}</dd>
        </dl>
    }
}
