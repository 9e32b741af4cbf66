//! A chart drawn onto a real `<canvas>` in headless Chromium, through plotters-canvas, the way
//! the page draws it (`cargo test --target wasm32-unknown-unknown --test web_chart`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use pcapscope::render::{self, Chart, ChartOptions, Theme};
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

wasm_bindgen_test_configure!(run_in_browser);

fn canvas(w: u32, h: u32) -> HtmlCanvasElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let c: HtmlCanvasElement = doc.create_element("canvas").unwrap().dyn_into().unwrap();
    c.set_width(w);
    c.set_height(h);
    doc.body().unwrap().append_child(&c).unwrap();
    c
}

/// Distinct colours among the canvas's pixels (sampled).
fn colours(c: &HtmlCanvasElement) -> usize {
    let ctx: CanvasRenderingContext2d = c.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let data = ctx
        .get_image_data(0.0, 0.0, f64::from(c.width()), f64::from(c.height()))
        .unwrap()
        .data();
    let mut seen = std::collections::HashSet::new();
    for px in data.0.chunks_exact(4).step_by(7) {
        seen.insert((px[0], px[1], px[2], px[3]));
    }
    seen.len()
}

#[wasm_bindgen_test]
fn talkers_and_timeline_draw_on_a_canvas_with_hit_regions() {
    let bytes = include_bytes!("../fixtures/http-get-ethernet.pcap");
    let analysis = pcapscope::analyze(&bytes[..]).unwrap();
    let snap = analysis.engine.snapshot(Some(10));
    for (chart, theme) in [
        (Chart::Talkers, Theme::light()),
        (Chart::Timeline, Theme::dark()),
    ] {
        let c = canvas(800, 400);
        assert_eq!(colours(&c), 1, "a fresh canvas is blank");
        let area = CanvasBackend::with_canvas_object(c.clone())
            .unwrap()
            .into_drawing_area();
        let opts = ChartOptions {
            theme,
            dpr: 1.0,
            ..ChartOptions::default()
        };
        let layout = render::draw(chart, &area, &snap, &opts).unwrap();
        area.present().unwrap();
        assert!(colours(&c) > 5, "{} drew something", chart.name());
        assert!(
            !layout.hits.is_empty(),
            "{} has hover regions",
            chart.name()
        );
        let r = &layout.hits[0];
        let hit = layout
            .hit((r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0)
            .unwrap();
        assert_eq!(hit.label, r.label);
    }
}

#[wasm_bindgen_test]
fn an_empty_snapshot_draws_its_empty_state() {
    let c = canvas(400, 300);
    let area = CanvasBackend::with_canvas_object(c.clone())
        .unwrap()
        .into_drawing_area();
    let layout = render::draw(
        Chart::Ports,
        &area,
        &Default::default(),
        &ChartOptions::default(),
    )
    .unwrap();
    area.present().unwrap();
    assert!(layout.hits.is_empty());
    assert!(layout.empty.is_some());
    assert!(colours(&c) > 1, "the empty-state text is drawn");
}
