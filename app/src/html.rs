//! Read-only blocks of the supervisor's screens (tables, bars, charts, field lists) are
//! written as HTML text and set with `inner_html`. In WASM each distinct `view!` shape
//! costs kilobytes of generic code, while a `format!` costs bytes; the app shell's size
//! budget decides. Controls that need handlers stay in `view!`; buttons inside a block
//! are handled by one listener on the block that reads their `data-` attributes.
//!
//! Every text and attribute value goes through [`esc`]. Links are always `#/…` hashes
//! built here, never taken from data. No `style` attributes: the server's
//! Content-Security-Policy forbids them (sizes are SVG or `<progress>` attributes).

use leptos::prelude::*;
use serde_json::Value;

use crate::i18n::{l, Lang};
use crate::supervisor_api::Answer;

/// `text` with `& < > " '` escaped, for element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `<tag>text</tag>` for each text: a table row's cells, a header row's titles.
pub fn cells(tag: &str, texts: &[&str]) -> String {
    texts
        .iter()
        .map(|t| format!("<{tag}>{}</{tag}>", esc(t)))
        .collect()
}

/// The block for a screen's answer: "Memuat…", the failure in words, or `render(answer)`.
pub fn block(lang: Lang, answer: &Answer, render: impl FnOnce(&Value) -> String) -> AnyView {
    let (class, html) = match answer {
        None => ("loading", esc(l(lang, "Memuat…", "Loading…"))),
        Some(Err(error)) => ("alert error", esc(error)),
        Some(Ok(value)) => ("block", render(value)),
    };
    view! { <div class=class inner_html=html></div> }.into_any()
}
