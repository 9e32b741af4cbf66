//! The worker's side of the traffic views ("who talks to whom, when, and where"): it computes
//! the view the page asks for ([`ToWorker::Traffic`](super::messages::ToWorker::Traffic)) over
//! the packets of the current display filter, with [`crate::traffic`] and [`crate::geo`].
//!
//! The country database is the worker's for the whole session (wasm32 only): the bundled one
//! is fetched from the site the first time the map is asked for, never before; a `.mmdb` the
//! person drops onto the map replaces it
//! ([`ToWorker::GeoDatabase`](super::messages::ToWorker::GeoDatabase), the `File` posted beside
//! the message and read here by a message listener of its own, since the session's handler
//! sees only the message).
//!
//! [`answer`] and [`kept_positions`] are plain functions, tested natively.

use super::messages::{TrafficRequest, TrafficResult};
use crate::geo::{self, GeoDb, GeoOptions};
use crate::index::PacketIndex;
use crate::traffic::{self, GraphOptions, HeatOptions, HeatRows, MatrixOptions};

/// Most rows of a time heatmap the page may ask for.
pub const MAX_HEAT_ROWS: u32 = 200;
/// Most sources (and destinations) of the matrix the page may ask for.
pub const MAX_MATRIX: u32 = 100;

/// The positions (file order) of the set bits of a view's bitset over `len` entries; `None`
/// (every packet) without a bitset.
pub fn kept_positions(bits: Option<&[u64]>, len: usize) -> Option<Vec<u32>> {
    let bits = bits?;
    let mut out = Vec::new();
    for (w, &word) in bits.iter().enumerate() {
        let mut word = word;
        while word != 0 {
            let b = word.trailing_zeros() as usize;
            let p = w * 64 + b;
            if p >= len {
                break;
            }
            out.push(p as u32);
            word &= word - 1;
        }
    }
    Some(out)
}

/// Computes `request` over the packets at `positions` (every packet when `None`), placing
/// hosts with `db` when there is one (the map's countries, the graph's country colours).
pub fn answer(
    index: &PacketIndex,
    positions: Option<&[u32]>,
    request: TrafficRequest,
    db: Option<&GeoDb>,
) -> TrafficResult {
    let clamp = |n: u32, max: u32| n.clamp(1, max) as usize;
    match request {
        TrafficRequest::HostTime { top_n } | TrafficRequest::PortTime { top_n } => {
            let rows = if matches!(request, TrafficRequest::HostTime { .. }) {
                HeatRows::Hosts
            } else {
                HeatRows::Ports
            };
            TrafficResult::Heat(traffic::heatmap(
                index,
                positions,
                &HeatOptions {
                    rows,
                    top_n: clamp(top_n, MAX_HEAT_ROWS),
                    ..HeatOptions::default()
                },
            ))
        }
        TrafficRequest::Matrix { top_n } => TrafficResult::Matrix(traffic::matrix(
            index,
            positions,
            &MatrixOptions {
                top_n: clamp(top_n, MAX_MATRIX),
                ..MatrixOptions::default()
            },
        )),
        TrafficRequest::Graph { top_n } => {
            let mut g = traffic::graph(
                index,
                positions,
                &GraphOptions {
                    top_n: clamp(top_n, traffic::MAX_NODES as u32),
                    ..GraphOptions::default()
                },
            );
            if let Some(db) = db {
                db.annotate_graph(&mut g);
            }
            TrafficResult::Graph(g)
        }
        TrafficRequest::Geo => {
            TrafficResult::Geo(geo::geo_view(index, positions, db, &GeoOptions::default()))
        }
    }
}

#[cfg(target_arch = "wasm32")]
pub use database::{listen_for_databases, respond};

/// The country database in the worker.
#[cfg(target_arch = "wasm32")]
mod database {
    use super::super::messages::{decode, FromWorker, ToWorker, TrafficRequest};
    use super::super::worker::{now, post};
    use super::answer;
    use crate::geo::{DbInfo, GeoDb, BUNDLED_DB_FILE};
    use crate::index::PacketIndex;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Blob, FileReaderSync, MessageEvent, Response, WorkerGlobalScope};

    /// Largest `.mmdb` read (a GeoLite2 City database is about 70 MB).
    const MAX_DB_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

    enum Db {
        /// Not asked for yet.
        None,
        /// The bundled database is being fetched.
        Loading,
        Ready(Rc<GeoDb>),
        /// The bundled database could not be loaded: maps are made without countries.
        Failed,
    }

    thread_local! {
        static DB: RefCell<Db> = const { RefCell::new(Db::None) };
        static LISTENING: Cell<bool> = const { Cell::new(false) };
    }

    fn info() -> Option<DbInfo> {
        DB.with(|d| match &*d.borrow() {
            Db::Ready(db) => Some(db.info().clone()),
            _ => None,
        })
    }

    /// The answer to a traffic request; `None` for a map asked for before the database is
    /// loaded (loading it starts here; [`FromWorker::GeoDatabase`] tells the page to ask
    /// again).
    pub fn respond(
        index: &PacketIndex,
        positions: Option<&[u32]>,
        view: u32,
        request: TrafficRequest,
    ) -> Option<FromWorker> {
        let started = now();
        let db = DB.with(|d| {
            let mut d = d.borrow_mut();
            match &*d {
                Db::Ready(db) => Ok(Some(Rc::clone(db))),
                Db::Failed => Ok(None),
                Db::Loading => Err(false),
                Db::None => {
                    if request == TrafficRequest::Geo {
                        *d = Db::Loading;
                        Err(true)
                    } else {
                        Ok(None)
                    }
                }
            }
        });
        let db = match db {
            Ok(db) => db,
            Err(start) if request == TrafficRequest::Geo => {
                if start {
                    wasm_bindgen_futures::spawn_local(load_bundled());
                }
                return None;
            }
            // The graph does not wait for the database: its nodes are coloured by class.
            Err(_) => None,
        };
        let result = answer(index, positions, request, db.as_deref());
        Some(FromWorker::Traffic {
            view,
            result: Box::new(result),
            elapsed_ms: now() - started,
        })
    }

    fn js_error(e: JsValue) -> String {
        e.as_string()
            .or_else(|| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            })
            .unwrap_or_else(|| format!("{e:?}"))
    }

    async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
        let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
        let resp = JsFuture::from(scope.fetch_with_str(url))
            .await
            .map_err(js_error)?;
        let resp: Response = resp
            .dyn_into()
            .map_err(|_| format!("{url}: not a response"))?;
        if !resp.ok() {
            return Err(format!("{url}: HTTP {}", resp.status()));
        }
        let buf = JsFuture::from(resp.array_buffer().map_err(js_error)?)
            .await
            .map_err(js_error)?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }

    async fn load_bundled() {
        let loaded = fetch_bytes(BUNDLED_DB_FILE)
            .await
            .and_then(|b| GeoDb::bundled(b).map_err(|e| e.to_string()));
        let error = DB.with(|d| {
            let mut d = d.borrow_mut();
            // A database the person dropped meanwhile stays.
            if !matches!(*d, Db::Loading) {
                return None;
            }
            match loaded {
                Ok(db) => {
                    *d = Db::Ready(Rc::new(db));
                    None
                }
                Err(e) => {
                    *d = Db::Failed;
                    Some(format!("the country database could not be loaded: {e}"))
                }
            }
        });
        post(&FromWorker::GeoDatabase {
            info: info(),
            error,
        });
    }

    /// The bytes of a dropped file, read at once (this worker may block).
    fn read_file(file: &Blob) -> Result<Vec<u8>, String> {
        if file.size() > MAX_DB_BYTES {
            return Err(format!(
                "the file is larger than {} MiB",
                MAX_DB_BYTES / 1024.0 / 1024.0
            ));
        }
        let reader = FileReaderSync::new().map_err(js_error)?;
        let buf = reader.read_as_array_buffer(file).map_err(js_error)?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }

    fn on_message(data: &JsValue) {
        let msg = js_sys::Reflect::get(data, &"msg".into()).unwrap_or(JsValue::UNDEFINED);
        let Ok(ToWorker::GeoDatabase { name }) =
            decode::<ToWorker>(&msg.as_string().unwrap_or_default())
        else {
            return;
        };
        let file = js_sys::Reflect::get(data, &"file".into()).unwrap_or(JsValue::UNDEFINED);
        let opened = file
            .dyn_into::<Blob>()
            .map_err(|_| "no file was posted".to_string())
            .and_then(|f| read_file(&f))
            .and_then(|bytes| GeoDb::user(bytes, &name).map_err(|e| e.to_string()));
        let error = match opened {
            Ok(db) => {
                DB.with(|d| *d.borrow_mut() = Db::Ready(Rc::new(db)));
                None
            }
            Err(e) => Some(format!("{name} cannot be used: {e}")),
        };
        post(&FromWorker::GeoDatabase {
            info: info(),
            error,
        });
    }

    /// Listens for dropped databases ([`ToWorker::GeoDatabase`] with its `File`), once per
    /// worker. The session's handler gets the same message without the file and ignores it.
    pub fn listen_for_databases() {
        if LISTENING.with(|l| l.replace(true)) {
            return;
        }
        let handler =
            Closure::<dyn FnMut(MessageEvent)>::new(|ev: MessageEvent| on_message(&ev.data()));
        let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
        let _ = scope.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        // The worker's lifetime.
        handler.forget();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::web::messages::{decode, encode, FromWorker};

    fn corpus(name: &str) -> Option<std::path::PathBuf> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus")
            .join(name);
        p.exists().then_some(p)
    }

    fn analysis_of(path: &std::path::Path) -> crate::analyze::Analysis {
        let file = std::fs::File::open(path).unwrap();
        let options = crate::analyze::Options {
            index: true,
            ..Default::default()
        };
        crate::analyze::analyze_with(file, options).unwrap()
    }

    /// The bundled country database, where `cargo xtask geodata` (or `dist`) has cached it.
    fn bundled_db() -> Option<GeoDb> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/geodata")
            .join(std::path::Path::new(geo::BUNDLED_DB_FILE).file_name()?);
        GeoDb::bundled(std::fs::read(p).ok()?).ok()
    }

    #[test]
    fn answers_each_request_over_the_view() {
        let Some(path) = corpus("cs__http_espn.pcapng") else {
            return;
        };
        let analysis = analysis_of(&path);
        let index = analysis.engine.index().unwrap();
        let all = answer(index, None, TrafficRequest::HostTime { top_n: 5 }, None);
        let TrafficResult::Heat(h) = all else {
            panic!("a heatmap")
        };
        assert_eq!(h.kind, HeatRows::Hosts);
        assert!(!h.rows.is_empty() && h.rows.len() <= 5);
        let TrafficResult::Heat(p) =
            answer(index, None, TrafficRequest::PortTime { top_n: 0 }, None)
        else {
            panic!("a heatmap")
        };
        assert_eq!(p.kind, HeatRows::Ports);
        assert_eq!(p.rows.len(), 1, "top_n 0 asks for one row");

        // The first pair of the matrix, and the same matrix over only its packets.
        let TrafficResult::Matrix(m) =
            answer(index, None, TrafficRequest::Matrix { top_n: 30 }, None)
        else {
            panic!("a matrix")
        };
        let first = m.pairs.first().unwrap().clone();
        let compiled = crate::filter::compile(&first.filter).unwrap();
        let sel = crate::view::try_select(
            index,
            &compiled,
            &crate::filter::NoNames,
            crate::stats::Limits::default(),
        )
        .unwrap();
        assert_eq!(sel.stats.packets(), first.count.packets);
        let bits: Vec<u64> = {
            let mut b = vec![0u64; index.len().div_ceil(64)];
            for &p in sel.positions.as_deref().unwrap() {
                b[p as usize / 64] |= 1 << (p % 64);
            }
            b
        };
        let kept = kept_positions(Some(&bits), index.len()).unwrap();
        assert_eq!(Some(&kept), sel.positions.as_ref());
        let TrafficResult::Matrix(only) = answer(
            index,
            Some(&kept),
            TrafficRequest::Matrix { top_n: 30 },
            None,
        ) else {
            panic!("a matrix")
        };
        assert_eq!(only.pairs.len(), 1);
        assert_eq!(only.total.packets, first.count.packets);

        let TrafficResult::Graph(g) =
            answer(index, None, TrafficRequest::Graph { top_n: 400 }, None)
        else {
            panic!("a graph")
        };
        assert!(g.nodes.len() <= traffic::MAX_NODES);
        assert!(g.nodes.iter().all(|n| n.country.is_none()));

        // Without a database no country is known; with the bundled one the capture's web
        // server (ESPN, 205.234.218.129) is in the United States.
        let TrafficResult::Geo(v) = answer(index, None, TrafficRequest::Geo, None) else {
            panic!("a map")
        };
        assert!(v.countries.is_empty() && v.db.is_none());
        if let Some(db) = bundled_db() {
            let TrafficResult::Geo(v) = answer(index, None, TrafficRequest::Geo, Some(&db)) else {
                panic!("a map")
            };
            assert!(
                v.countries.iter().any(|c| c.code == "US"),
                "{:?}",
                v.countries
            );
            assert!(v.db.is_some());
            let TrafficResult::Graph(g) =
                answer(index, None, TrafficRequest::Graph { top_n: 10 }, Some(&db))
            else {
                panic!("a graph")
            };
            assert!(g.nodes.iter().any(|n| n.country.as_deref() == Some("US")));
        }
    }

    #[test]
    fn traffic_messages_round_trip() {
        let m = FromWorker::Traffic {
            view: 3,
            result: Box::new(TrafficResult::Heat(traffic::HeatMap::default())),
            elapsed_ms: 1.0,
        };
        assert_eq!(decode::<FromWorker>(&encode(&m)).unwrap(), m);
        let r = crate::web::messages::ToWorker::Traffic {
            view: 1,
            request: TrafficRequest::Graph { top_n: 100 },
        };
        assert_eq!(
            decode::<crate::web::messages::ToWorker>(&encode(&r)).unwrap(),
            r
        );
        let g = FromWorker::GeoDatabase {
            info: None,
            error: Some("no".into()),
        };
        assert_eq!(decode::<FromWorker>(&encode(&g)).unwrap(), g);
    }

    #[test]
    fn kept_positions_lists_set_bits_in_order() {
        assert_eq!(kept_positions(None, 10), None);
        let bits = [0b1011u64, 1 << 63, 0b1];
        assert_eq!(
            kept_positions(Some(&bits), 129),
            Some(vec![0, 1, 3, 127, 128])
        );
        // Bits past the index's length are not positions.
        assert_eq!(kept_positions(Some(&bits), 100), Some(vec![0, 1, 3]));
        assert_eq!(kept_positions(Some(&[]), 0), Some(vec![]));
    }
}
