//! Renders every drawable layer of a show to PNGs, each alone and all of a scene over a
//! grey backdrop, to look at a show's overlays without going live.
//!
//! `cargo run -p render --example preview -- assets/shows/demo.json /tmp/preview`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(show_path), Some(out_dir)) = (args.next(), args.next()) else {
        eprintln!("usage: preview SHOW.json OUTPUT_DIR");
        return ExitCode::FAILURE;
    };
    match run(PathBuf::from(show_path), PathBuf::from(out_dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("preview: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(show_path: PathBuf, out_dir: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    let show = show::Show::load(&show_path)?;
    std::fs::create_dir_all(&out_dir)?;
    for scene in &show.scenes {
        let (w, h) = (show.canvas.width as i32, show.canvas.height as i32);
        let canvas = cairo::ImageSurface::create(cairo::Format::ARgb32, w, h)?;
        let cr = cairo::Context::new(&canvas)?;
        // A stand-in for the camera: a soft diagonal gradient.
        let backdrop = cairo::LinearGradient::new(0.0, 0.0, f64::from(w), f64::from(h));
        backdrop.add_color_stop_rgb(0.0, 0.55, 0.45, 0.42);
        backdrop.add_color_stop_rgb(1.0, 0.2, 0.22, 0.28);
        cr.set_source(&backdrop)?;
        cr.paint()?;
        for layer in &scene.layers {
            let started = std::time::Instant::now();
            let Some(raster) = render::render_layer(&show, layer)? else {
                continue;
            };
            let took = started.elapsed();
            let file = out_dir.join(format!("{}-{}.png", scene.id, layer.id()));
            raster.write_png(&file)?;
            println!("{} ({}x{}, {took:.1?})", file.display(), raster.width, raster.height);
            let pixels = cairo::ImageSurface::create_for_data(
                raster.data,
                cairo::Format::ARgb32,
                raster.width as i32,
                raster.height as i32,
                raster.stride as i32,
            )?;
            cr.set_source_surface(&pixels, f64::from(raster.x), f64::from(raster.y))?;
            cr.paint()?;
        }
        drop(cr);
        let file = out_dir.join(format!("{}.png", scene.id));
        canvas.write_to_png(&mut std::fs::File::create(&file)?)?;
        println!("{}", file.display());
    }
    Ok(())
}
