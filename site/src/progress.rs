//! Progress bars for the long steps of a big build (a 20,000-product shop renders for a while).
//! Drawn on stderr when it is a terminal; invisible in logs and tests.

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(len: usize, what: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len} ({elapsed})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what);
    bar
}
