//! The demo show shipped in `assets/shows/` loads cleanly, and loading reports file
//! problems in plain words.

use std::path::{Path, PathBuf};

use show::{Layer, Show};

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/shows/demo.json")
}

#[test]
fn demo_show_loads_and_validates() {
    let show = match Show::load(&demo_path()) {
        Ok(show) => show,
        Err(error) => panic!("demo.json is invalid:\n{error}"),
    };
    assert!(show.base_dir.is_absolute());
    assert!(show.base_dir.ends_with("assets/shows"));
    assert_eq!((show.canvas.width, show.canvas.height, show.canvas.fps), (1280, 720, 30));
    let main = show.scene("main").expect("scene main");
    assert!(matches!(main.layers[0], Layer::Camera(_)));
    assert!(main.layers.iter().any(|l| matches!(l, Layer::Text(t) if t.text.contains('🎉'))));
    assert!(show.scene("product").is_some());
    assert!(show.destinations.is_empty(), "the demo records locally");
    assert!(show.products.iter().any(|p| p.original_price.is_some()));
    assert!(show.products.iter().any(|p| p.sold_out));
    assert!(show.products.iter().any(|p| p.image.is_none()));
    assert!(show.look("warm-studio").is_some() && show.look("spotlight").is_some());
    let run = show.run_of_show.as_ref().expect("the demo has a run of show");
    assert!(run.items.len() >= 2);
    let product = show.scene("product").expect("scene product");
    assert!(product.layers.iter().any(|l| matches!(l, Layer::Countdown(c) if c.seconds.is_some())));
    assert!(product.layers.iter().any(|l| matches!(l, Layer::ProductCard(c) if c.sales)));
    assert!(show.products.iter().any(|p| p.sold > 0 && p.stock.is_some()));
    assert!(show.safe_slate.is_some());
}

#[test]
fn demo_assets_are_small() {
    let show = Show::load(&demo_path()).expect("demo loads");
    let mut files: Vec<String> = show.products.iter().filter_map(|p| p.image.clone()).collect();
    for scene in &show.scenes {
        for layer in &scene.layers {
            if let Layer::Image(image) = layer {
                files.push(image.path.clone());
            }
        }
    }
    for file in files {
        let size = std::fs::metadata(show.resolve(&file)).expect("asset exists").len();
        assert!(size < 50 * 1024, "{file} is {size} bytes; keep demo assets under 50 KB");
    }
}

#[test]
fn demo_show_round_trips_through_json() {
    let show = Show::load(&demo_path()).expect("demo loads");
    let json = serde_json::to_string_pretty(&show).expect("serializes");
    let again = Show::parse(&json, &show.base_dir).expect("re-parses");
    assert_eq!(show, again);
}

#[test]
fn a_missing_file_is_named_with_the_reason() {
    let path = Path::new("/nonexistent-kaibo/show.json");
    let error = Show::load(path).expect_err("no such file");
    assert_eq!(error.to_string(), "/nonexistent-kaibo/show.json: cannot read the file: it does not exist");
    let dir = tempfile::tempdir().expect("tempdir");
    let error = Show::load(dir.path()).expect_err("a folder is not a show");
    assert!(error.to_string().contains("cannot read the file"), "{error}");
    let binary = dir.path().join("show.json");
    std::fs::write(&binary, [0xFF, 0xFE, 0x00, 0x7B]).expect("write");
    let error = Show::load(&binary).expect_err("not UTF-8");
    assert!(error.to_string().ends_with("cannot read the file: it is not UTF-8 text"), "{error}");
}

#[test]
fn relative_load_gets_an_absolute_base_dir() {
    // Tests run in the crate folder.
    let show = Show::load(Path::new("../../assets/shows/demo.json")).expect("demo loads");
    assert!(show.base_dir.is_absolute(), "{}", show.base_dir.display());
}

fn format_doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/show-format.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn format_doc_holds_the_demo_verbatim() {
    let demo = std::fs::read_to_string(demo_path()).expect("read demo.json");
    assert!(
        format_doc().contains(demo.trim_end()),
        "docs/show-format.md must quote assets/shows/demo.json exactly; update the doc"
    );
}

#[test]
fn format_doc_names_every_field() {
    let doc = format_doc();
    let schema = show::json_schema();
    let mut missing = Vec::new();
    let mut objects = vec![&schema];
    if let Some(defs) = schema["$defs"].as_object() {
        objects.extend(defs.values());
        for def in defs.values() {
            if let Some(variants) = def["oneOf"].as_array() {
                objects.extend(variants);
            }
        }
    }
    for object in objects {
        if let Some(properties) = object["properties"].as_object() {
            for name in properties.keys() {
                if !doc.contains(&format!("`{name}`")) {
                    missing.push(name.clone());
                }
            }
        }
    }
    assert!(missing.is_empty(), "docs/show-format.md does not describe: {missing:?}");
}
